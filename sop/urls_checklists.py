"""SOP pages: checklists and their templates (included by sop.urls)."""

from django.urls import path

from . import views_checklists as views

urlpatterns = [
    path("checklists/", views.ChecklistListView.as_view(), name="checklist_list"),
    path("checklists/rates/", views.RatesView.as_view(), name="checklist_rates"),
    path("checklists/<int:pk>/", views.ChecklistDetailView.as_view(), name="checklist_detail"),
    path("checklists/items/<int:pk>/tick/", views.ItemTickView.as_view(), name="checklist_item_tick"),
    path("checklists/items/<int:pk>/untick/", views.ItemUntickView.as_view(), name="checklist_item_untick"),
    path("checklists/templates/", views.TemplateListView.as_view(), name="template_list"),
    path("checklists/templates/new/", views.TemplateFormView.as_view(), name="template_create"),
    path("checklists/templates/<int:pk>/edit/", views.TemplateFormView.as_view(), name="template_edit"),
]
