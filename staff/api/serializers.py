"""Serializers for staff, departments and positions: they validate, then call one service."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from core.api.serializers import ServiceSerializerMixin

from .. import services
from ..models import Department, Position, Staff


class StaffSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    """A staff member. `password` is write-only: required on create; on update only super admins may set it."""

    password = serializers.CharField(
        write_only=True, required=False, trim_whitespace=False, style={"input_type": "password"}
    )
    position_name = serializers.CharField(source="position.name", read_only=True, allow_null=True)
    department_name = serializers.CharField(source="department.name", read_only=True, allow_null=True)

    class Meta:
        model = Staff
        fields = [
            "id",
            "username",
            "employee_id",
            "name",
            "email",
            "position",
            "position_name",
            "department",
            "department_name",
            "mobile",
            "wecom_userid",
            "hire_date",
            "status",
            "notes",
            "is_active",
            "last_active",
            "password",
        ]
        read_only_fields = ["is_active", "last_active"]

    def get_fields(self):
        fields = super().get_fields()
        fields["password"].required = self.instance is None
        return fields

    def validate_status(self, value):
        """Nobody is offboarded by an edit: 400 pointing to POST /api/v1/staff/{id}/offboard/."""
        try:
            services.check_status_change(current=getattr(self.instance, "status", None), new=value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["status"]) from exc
        return value


class DepartmentSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    """A department with its manager (a staff id)."""

    manager_name = serializers.CharField(source="manager.name", read_only=True, allow_null=True)

    class Meta:
        model = Department
        fields = ["id", "name", "manager", "manager_name", "description"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not getattr(instance, "manager_visible", True):
            data["manager"] = data["manager_name"] = None  # a manager outside the viewer's stores stays unknown
        return data


class PositionSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    """A position within a department."""

    department_name = serializers.CharField(source="department.name", read_only=True, allow_null=True)

    class Meta:
        model = Position
        fields = ["id", "name", "department", "department_name", "description"]
