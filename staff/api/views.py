"""API viewsets for staff (store-scoped) and the company directory (departments, positions)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, permissions, viewsets
from rest_framework.settings import api_settings

from core.api.viewsets import ScopedModelViewSet

from .. import selectors, services
from ..filtersets import DepartmentFilterSet, PositionFilterSet, StaffFilterSet
from ..models import Department, Position, Staff
from .serializers import DepartmentSerializer, PositionSerializer, StaffSerializer, service_errors


class StaffViewSet(ScopedModelViewSet):
    """Staff the caller may see; create and edit through the staff services. No DELETE, and no
    offboarding by setting the status: people are offboarded through POST …/staff/{id}/offboard/ (rbac),
    which revokes their rights first."""

    queryset = Staff.objects.all()
    serializer_class = StaffSerializer
    filterset_class = StaffFilterSet
    ordering_fields = ["employee_id", "name", "username", "hire_date", "last_active", "status"]
    ordering = ["employee_id", "username"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def scope_queryset(self, queryset):
        return queryset.select_related("position", "department")

    def create(self, request, *args, **kwargs):
        if not selectors.staff_can_create(actor=request.user):  # before validation: 403, not field errors
            raise exceptions.PermissionDenied()
        return super().create(request, *args, **kwargs)


class DirectoryPermission(permissions.BasePermission):
    """Reading the directory needs users_view somewhere; changing it, super admin."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return selectors.directory_viewable_by(viewer=request.user)
        return selectors.directory_editable_by(actor=request.user)


class DirectoryViewSet(viewsets.ModelViewSet):
    """Departments and positions belong to no store, so they are not restricted per store; the
    DirectoryPermission gates them instead. Deletion goes through the service (refused while in use)."""

    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, DirectoryPermission]
    delete_service = None

    def perform_destroy(self, instance):
        try:
            self.delete_service(actor=self.request.user, **{self.basename: instance})
        except DjangoValidationError as exc:
            raise service_errors(exc) from exc


class DepartmentViewSet(DirectoryViewSet):
    queryset = Department.objects.select_related("manager").order_by("name")

    def get_queryset(self):
        return selectors.department_list(viewer=self.request.user)

    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet
    ordering_fields = ["name"]
    delete_service = staticmethod(services.department_delete)


class PositionViewSet(DirectoryViewSet):
    queryset = Position.objects.select_related("department").order_by("name")
    serializer_class = PositionSerializer
    filterset_class = PositionFilterSet
    ordering_fields = ["name"]
    delete_service = staticmethod(services.position_delete)
