from django.urls import path

from . import views

app_name = "security"

urlpatterns = [
    path("", views.PolicyEditView.as_view(), name="policy_edit"),
    path("lockouts/", views.LockoutListView.as_view(), name="lockout_list"),
    path("lockouts/lift/", views.LockoutLiftView.as_view(), name="lockout_lift"),
]
