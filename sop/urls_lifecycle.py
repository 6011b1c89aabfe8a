"""SOP pages: lifecycle (included by sop.urls): onboarding, leave, transfer, offboarding, the platform sheet."""

from django.urls import path

from . import views_lifecycle as views

urlpatterns: list = [
    path("staff/new/", views.StaffOnboardView.as_view(), name="staff_onboard"),
    path("staff/<int:pk>/offboard/", views.StaffOffboardAllView.as_view(), name="staff_offboard"),
    path("staff/<int:pk>/leave/", views.StaffLeaveView.as_view(), name="staff_leave"),
    path("leave/<int:pk>/cancel/", views.LeaveCancelView.as_view(), name="leave_cancel"),
    path("staff/<int:pk>/transfer/", views.StaffTransferView.as_view(), name="staff_transfer"),
    path("staff/<int:pk>/platform-sheet/", views.StaffPlatformSheetView.as_view(), name="staff_platform_sheet"),
]
