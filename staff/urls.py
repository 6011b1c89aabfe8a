from django.urls import path

from core.lookups_views import ChooserLookupView

from . import views, wecom_views
from .choosers import DEPARTMENTS, STAFF

app_name = "staff"

urlpatterns = [
    path("lookup/", ChooserLookupView.as_view(chooser=STAFF), name="staff_lookup"),
    path("departments/lookup/", ChooserLookupView.as_view(chooser=DEPARTMENTS), name="department_lookup"),
    path("", views.StaffListView.as_view(), name="staff_list"),
    path("new/", views.StaffCreateView.as_view(), name="staff_create"),
    path("<int:pk>/", views.StaffDetailView.as_view(), name="staff_detail"),
    path("<int:pk>/edit/", views.StaffEditView.as_view(), name="staff_edit"),
    path(
        "<int:pk>/second-factor/reset/",
        views.StaffSecondFactorResetView.as_view(),
        name="staff_second_factor_reset",
    ),
    path("wecom/", wecom_views.WeComSettingsView.as_view(), name="wecom_settings"),
    path("wecom/directory/", wecom_views.WeComDirectoryView.as_view(), name="wecom_directory"),
    path("departments/", views.DepartmentListView.as_view(), name="department_list"),
    path("departments/new/", views.DepartmentCreateView.as_view(), name="department_create"),
    path("departments/<int:pk>/", views.DepartmentDetailView.as_view(), name="department_detail"),
    path("departments/<int:pk>/edit/", views.DepartmentEditView.as_view(), name="department_edit"),
    path("departments/<int:pk>/delete/", views.DepartmentDeleteView.as_view(), name="department_delete"),
    path("positions/", views.PositionListView.as_view(), name="position_list"),
    path("positions/new/", views.PositionCreateView.as_view(), name="position_create"),
    path("positions/<int:pk>/", views.PositionDetailView.as_view(), name="position_detail"),
    path("positions/<int:pk>/edit/", views.PositionEditView.as_view(), name="position_edit"),
    path("positions/<int:pk>/delete/", views.PositionDeleteView.as_view(), name="position_delete"),
]
