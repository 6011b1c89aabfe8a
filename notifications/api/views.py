"""The group robot API: list, detail, create, edit and delete, scoped to the caller's stores."""

from core.api.permissions import SignedInWithSecondFactor
from core.api.viewsets import ServiceViewSet
from core.stepup import StepUpScope

from .. import services
from ..filtersets import RobotFilterSet
from ..models import Robot
from .serializers import RobotSerializer


class RobotViewSet(ServiceViewSet):
    """Robots of the stores whose settings the caller sees (settings_view); changes need settings_manage
    on the robot's store (and on the new store); company-wide robots are for super admins. The webhook
    key is accepted on writes and never returned (only `webhook_key_masked`)."""

    queryset = Robot.objects.all()
    serializer_class = RobotSerializer
    filterset_class = RobotFilterSet
    ordering_fields = ["name", "created_at", "last_success_at"]
    ordering = ["name", "pk"]
    create_service = staticmethod(services.robot_create)
    update_service = staticmethod(services.robot_update)
    destroy_service = staticmethod(services.robot_delete)
    permission_classes = [SignedInWithSecondFactor, StepUpScope]
    step_up_fields = ("webhook_key",)  # setting a robot key needs the step-up scope (or a fresh second factor)

    def scope_queryset(self, queryset):
        return queryset.select_related("store", "department")

    def service_arguments(self, data, instance=None):
        if self.action not in ("update", "partial_update"):
            return super().service_arguments(data, instance)
        # robot_update takes the whole robot: what the request leaves out stays as it is (an empty key keeps it)
        kept = {"name": instance.name, "store": instance.store, "department": instance.department}
        return {"robot": instance, **kept, "is_active": instance.is_active, "webhook_key": "", **data}
