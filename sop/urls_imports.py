"""SOP pages: spreadsheet imports and exports (included by sop.urls)."""

from django.urls import path

from . import views_imports as views

urlpatterns = [
    path("imports/", views.ImportListView.as_view(), name="import_list"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import_detail"),
    path("imports/<int:pk>/apply/", views.ImportApplyView.as_view(), name="import_apply"),
    path("imports/<int:pk>/progress/", views.ImportProgressView.as_view(), name="import_progress"),
    path("imports/export/<str:kind>.<str:fmt>", views.ExportView.as_view(), name="import_export"),
    path("imports/template/<str:kind>.<str:fmt>", views.TemplateView.as_view(), name="import_template"),
]
