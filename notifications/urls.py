"""Group robot pages (namespace notifications)."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("robots/", views.RobotListView.as_view(), name="robot_list"),
    path("robots/new/", views.RobotCreateView.as_view(), name="robot_create"),
    path("robots/<int:pk>/", views.RobotDetailView.as_view(), name="robot_detail"),
    path("robots/<int:pk>/edit/", views.RobotEditView.as_view(), name="robot_edit"),
    path("robots/<int:pk>/delete/", views.RobotDeleteView.as_view(), name="robot_delete"),
    path("robots/<int:pk>/test/", views.RobotTestView.as_view(), name="robot_test"),
]
