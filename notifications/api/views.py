"""The group robot API: list, detail, create, edit and delete, scoped to the caller's stores."""

from rest_framework import exceptions

from core.api.viewsets import ScopedModelViewSet

from .. import selectors, services
from ..filtersets import RobotFilterSet
from ..models import Robot
from .serializers import RobotSerializer


class RobotViewSet(ScopedModelViewSet):
    """Robots of the stores whose settings the caller sees (settings_view); changes need settings_manage
    on the robot's store (and on the new store); company-wide robots are for super admins. The webhook
    key is accepted on writes and never returned (only `webhook_key_masked`)."""

    queryset = Robot.objects.all()
    serializer_class = RobotSerializer
    filterset_class = RobotFilterSet
    ordering_fields = ["name", "created_at", "last_success_at"]
    ordering = ["name", "pk"]

    def scope_queryset(self, queryset):
        return queryset.select_related("store", "department")

    def create(self, request, *args, **kwargs):
        if not selectors.robot_can_create(viewer=request.user):  # before validation: 403, not field errors
            raise exceptions.PermissionDenied()
        return super().create(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.robot_delete(actor=self.request.user, robot=instance)
