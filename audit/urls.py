from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.EventListView.as_view(), name="event_list"),
    path("export/", views.EventExportView.as_view(), name="event_export"),
    path("<int:pk>/", views.EventDetailView.as_view(), name="event_detail"),
]
