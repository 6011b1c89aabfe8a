"""The group robot serializer: it validates, then calls notifications.services. The key is write-only."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from core.api.serializers import ServiceSerializerMixin
from core.crypto import SecretText

from .. import services
from ..models import Robot
from ..selectors import robot_can_be_company_wide, robot_store_choices


class RobotSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    """A WeCom group robot. `webhook_key` is write-only (required on create; omitted or empty on update
    keeps the saved key); reads show only `webhook_key_masked`. `store` is among the stores whose settings
    the caller manages; null (a company-wide group) only for those who manage every store."""

    webhook_key = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        trim_whitespace=True,
        style={"input_type": "password"},
    )
    webhook_key_masked = serializers.SerializerMethodField()
    store_name = serializers.CharField(source="store.name", read_only=True, allow_null=True)
    department_name = serializers.CharField(source="department.name", read_only=True, allow_null=True)

    class Meta:
        model = Robot
        fields = [
            "id",
            "name",
            "store",
            "store_name",
            "department",
            "department_name",
            "is_active",
            "webhook_key",
            "webhook_key_masked",
            "last_success_at",
            "last_error_at",
            "last_error",
            "broken_at",
            "broken_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "last_success_at",
            "last_error_at",
            "last_error",
            "broken_at",
            "broken_reason",
            "created_at",
            "updated_at",
        ]
        # The name's rules (store-department-purpose, unique regardless of case) are the service's to check.
        extra_kwargs = {"name": {"validators": []}}

    def get_webhook_key_masked(self, robot) -> str:
        return services.robot_key_masked(robot)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        current = self.instance.store_id if isinstance(self.instance, Robot) else None
        fields["store"].queryset = robot_store_choices(viewer=viewer, include=current)
        fields["store"].required = not robot_can_be_company_wide(viewer=viewer) and self.instance is None
        fields["webhook_key"].required = self.instance is None
        return fields

    def validate_store(self, store):
        request = self.context.get("request")
        if store is None and not robot_can_be_company_wide(viewer=getattr(request, "user", None)):
            raise serializers.ValidationError(_("Choose the store whose group this robot sends to."))
        return store

    def validate_webhook_key(self, value: str) -> str:
        return SecretText(value.strip()) if value else ""
