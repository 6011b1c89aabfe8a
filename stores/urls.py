from django.urls import path

from core.lookups_views import ChooserLookupView

from . import views
from .choosers import STORES

app_name = "stores"

urlpatterns = [
    path("lookup/", ChooserLookupView.as_view(chooser=STORES), name="store_lookup"),
    path("", views.StoreListView.as_view(), name="store_list"),
    path("duties/", views.StoreDutiesView.as_view(), name="store_duties"),
    path("new/", views.StoreCreateView.as_view(), name="store_create"),
    path("<int:pk>/", views.StoreDetailView.as_view(), name="store_detail"),
    path("<int:pk>/edit/", views.StoreEditView.as_view(), name="store_edit"),
    path("<int:pk>/archive/", views.StoreArchiveView.as_view(), name="store_archive"),
    path("groups/", views.StoreGroupListView.as_view(), name="group_list"),
    path("groups/new/", views.StoreGroupCreateView.as_view(), name="group_create"),
    path("groups/<int:pk>/", views.StoreGroupDetailView.as_view(), name="group_detail"),
    path("groups/<int:pk>/edit/", views.StoreGroupEditView.as_view(), name="group_edit"),
    path("groups/<int:pk>/delete/", views.StoreGroupDeleteView.as_view(), name="group_delete"),
]
