from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    AccessRequestViewSet,
    ExceptionGrantViewSet,
    MePermissionsView,
    RoleBindingViewSet,
    RoleViewSet,
    StaffOffboardViewSet,
)

router = SimpleRouter()
router.register("roles", RoleViewSet, basename="role")
router.register("bindings", RoleBindingViewSet, basename="binding")
router.register("access-requests", AccessRequestViewSet, basename="access-request")
router.register("exception-grants", ExceptionGrantViewSet, basename="exception-grant")

urlpatterns = [
    path("me/permissions/", MePermissionsView.as_view(), name="me-permissions"),
    path("staff/<int:pk>/offboard/", StaffOffboardViewSet.as_view({"post": "offboard"}), name="staff-offboard"),
    *router.urls,
]
