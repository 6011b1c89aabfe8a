"""API viewsets for staff (store-scoped) and the company directory (departments, positions)."""

from core.api.permissions import SignedInWithSecondFactor
from core.api.viewsets import ServiceViewSet
from core.gates import Scope, dangerously_unscoped
from core.stepup import StepUpScope

from .. import selectors, services
from ..filtersets import DepartmentFilterSet, PositionFilterSet, StaffFilterSet
from ..models import Department, Position, Staff
from .serializers import DepartmentSerializer, PositionSerializer, StaffSerializer

WRITES = ("create", "update", "partial_update", "destroy")


class StaffViewSet(ServiceViewSet):
    """Staff the caller may see; create and edit through the staff services. New staff need users_manage on
    every store (a new person works in no store yet). No DELETE, and no offboarding by setting the status:
    people are offboarded through POST …/staff/{id}/offboard/ (rbac), which revokes their rights first."""

    queryset = Staff.objects.all()
    serializer_class = StaffSerializer
    filterset_class = StaffFilterSet
    ordering_fields = ["employee_id", "name", "username", "hire_date", "last_active", "status"]
    ordering = ["employee_id", "username"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    action_scopes = {"create": Scope.COMPANY}
    create_service = staticmethod(services.staff_create)
    update_service = staticmethod(services.staff_update)
    permission_classes = [SignedInWithSecondFactor, StepUpScope]

    def step_up_required(self, request) -> bool:
        """Setting someone's password needs the step-up scope (or a fresh second factor); a new person's first
        password does not."""
        data = request.data if self.action in ("update", "partial_update") else None
        return hasattr(data, "get") and bool(str(data.get("password") or ""))

    def scope_queryset(self, queryset):
        return queryset.select_related("position", "department")

    def service_arguments(self, data, instance=None):
        if self.action == "create":
            return data
        return {"staff": instance, "password": data.pop("password", None) or None, "data": data}


DIRECTORY_REASON = (
    "Departments and positions are the company's directory: they belong to no store, and everyone who "
    "views staff somewhere reads all of them (a manager outside the caller's stores stays hidden)."
)


class DirectoryViewSet(ServiceViewSet):
    """Departments and positions belong to no store, so they are not restricted per store: reading them
    needs users_view somewhere, changing them super admin. Deletion is refused while in use."""

    required_permission = "users_view"
    action_scopes = dict.fromkeys(WRITES, Scope.SUPER_ADMIN)
    ordering_fields = ["name"]

    def directory_queryset(self):
        return self.queryset.all()

    def scope_queryset(self, queryset):
        return dangerously_unscoped(self.directory_queryset(), reason=DIRECTORY_REASON)


class DepartmentViewSet(DirectoryViewSet):
    queryset = Department.objects.select_related("manager").order_by("name")
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet
    create_service = staticmethod(services.department_create)
    update_service = staticmethod(services.department_update)
    destroy_service = staticmethod(services.department_delete)

    def directory_queryset(self):
        return selectors.department_list(viewer=self.request.user)


class PositionViewSet(DirectoryViewSet):
    queryset = Position.objects.select_related("department").order_by("name")
    serializer_class = PositionSerializer
    filterset_class = PositionFilterSet
    create_service = staticmethod(services.position_create)
    update_service = staticmethod(services.position_update)
    destroy_service = staticmethod(services.position_delete)
