"""Pages of the roles app: the role matrix, role editing, the assignment grid, grants and revocations
(single and bulk), offboarding, access requests, my duties and why."""

from django.urls import path

from . import views

app_name = "rbac"

urlpatterns = [
    path("me/", views.MyDutiesView.as_view(), name="my_duties"),
    path("roles/", views.RoleMatrixView.as_view(), name="role_matrix"),
    path("roles/new/", views.RoleFormView.as_view(), name="role_create"),
    path("roles/<int:pk>/", views.RoleDetailView.as_view(), name="role_detail"),
    path("roles/<int:pk>/edit/", views.RoleFormView.as_view(), name="role_edit"),
    path("roles/<int:pk>/delete/", views.RoleDeleteView.as_view(), name="role_delete"),
    path("positions/<int:pk>/roles/", views.PositionRolesView.as_view(), name="position_roles"),
    path("grid/", views.GridView.as_view(), name="grid"),
    path("bindings/grant/", views.GrantView.as_view(), name="binding_grant"),
    path("bindings/<int:pk>/revoke/", views.RevokeView.as_view(), name="binding_revoke"),
    path("bindings/bulk-grant/stores/", views.BulkGrantStoresView.as_view(), name="binding_bulk_grant_stores"),
    path("bindings/bulk-grant/staff/", views.BulkGrantStaffView.as_view(), name="binding_bulk_grant_staff"),
    path("bindings/bulk-revoke/", views.BulkRevokeView.as_view(), name="binding_bulk_revoke"),
    path("exceptions/grant/", views.ExceptionGrantView.as_view(), name="exception_grant"),
    path("exceptions/<int:pk>/revoke/", views.ExceptionRevokeView.as_view(), name="exception_revoke"),
    path("staff/<int:pk>/offboard/", views.StaffOffboardView.as_view(), name="staff_offboard"),
    path("why/", views.WhyView.as_view(), name="why"),
    path("approval-policy/", views.ApprovalPolicyView.as_view(), name="approval_policy"),
    path("reviews/", views.ReviewListView.as_view(), name="review_list"),
    path("reviews/mine/", views.MyReviewItemsView.as_view(), name="review_mine"),
    path("reviews/report/", views.ReviewReportView.as_view(), name="review_report"),
    path("reviews/stale/", views.StaleAccessView.as_view(), name="stale_access"),
    path("requests/", views.AccessRequestListView.as_view(), name="access_request_list"),
    path("requests/new/", views.AccessRequestCreateView.as_view(), name="access_request_create"),
    path("requests/<int:pk>/", views.AccessRequestDetailView.as_view(), name="access_request_detail"),
    path(
        "requests/<int:pk>/approve/",
        views.AccessRequestDecisionView.as_view(decision="approve"),
        name="access_request_approve",
    ),
    path(
        "requests/<int:pk>/reject/",
        views.AccessRequestDecisionView.as_view(decision="reject"),
        name="access_request_reject",
    ),
    path(
        "requests/<int:pk>/batch/", views.AccessRequestBatchDecisionView.as_view(), name="access_request_batch_decide"
    ),
    path(
        "requests/<int:pk>/approve-alone/",
        views.AccessRequestApproveAloneView.as_view(),
        name="access_request_approve_alone",
    ),
    path("requests/<int:pk>/cancel/", views.AccessRequestCancelView.as_view(), name="access_request_cancel"),
]
