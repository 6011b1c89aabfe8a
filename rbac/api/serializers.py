"""Serializers for roles, bindings, access requests and exception grants.

Read serializers are read-only; write input is a separate, small serializer whose related fields are
scoped to the caller (an object out of reach is "does not exist"). Nothing here saves a model: the
views pass validated input to one service, which enforces every rule.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from stores.catalogue import BY_CODENAME

from ..models import AccessRequest, ExceptionGrant, Role, RoleBinding
from ..selectors import grantable_staff, stores_where

CODENAME_CHOICES = sorted(BY_CODENAME)


class CodenameListField(serializers.ListField):
    """A role's permissions as sorted codenames (the super admin role: every codename)."""

    def get_attribute(self, instance):
        if instance.is_super_admin:
            return sorted(BY_CODENAME)
        return sorted(p.codename for p in instance.permissions.all())

    def to_representation(self, data):
        return list(data)


class RoleSerializer(serializers.ModelSerializer):
    """A role with its permission codenames; `holders` counts live bindings (in every answer)."""

    permissions = CodenameListField(child=serializers.ChoiceField(choices=CODENAME_CHOICES), required=False)
    holders = serializers.IntegerField(read_only=True)

    class Meta:
        model = Role
        fields = [
            "id",
            "key",
            "name",
            "description",
            "permissions",
            "is_super_admin",
            "builtin",
            "holders",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["key", "is_super_admin", "builtin", "created_at", "updated_at"]
        extra_kwargs = {"name": {"validators": []}}  # uniqueness is the service's (same message in pages and API)


class RoleBindingSerializer(serializers.ModelSerializer):
    """A binding as stored (read-only); `live` is true until it is revoked or expires."""

    staff_name = serializers.CharField(source="staff.__str__", read_only=True)
    role_name = serializers.CharField(source="role.name", read_only=True)
    store_name = serializers.SerializerMethodField()
    live = serializers.SerializerMethodField()

    class Meta:
        model = RoleBinding
        fields = [
            "id",
            "staff",
            "staff_name",
            "role",
            "role_name",
            "store",
            "store_name",
            "granted_by",
            "reason",
            "expires_at",
            "created_at",
            "request",
            "live",
            "revoked_at",
            "revoked_by",
            "revoke_reason",
            "expired",
        ]
        read_only_fields = fields

    def get_store_name(self, obj) -> str | None:
        return str(obj.store) if obj.store_id else None

    def get_live(self, obj) -> bool:
        return obj.is_live()


@extend_schema_field(OpenApiTypes.INT)
class ScopedStoreField(serializers.PrimaryKeyRelatedField):
    """A store where the caller holds `perm`; any other id reads as "does not exist"."""

    def __init__(self, perm: str = "users_manage", **kwargs):
        self.perm = perm
        super().__init__(**kwargs)

    def get_queryset(self):
        return stores_where(user=self.context["request"].user, perm=self.perm)


@extend_schema_field(OpenApiTypes.INT)
class GrantableStaffField(serializers.PrimaryKeyRelatedField):
    """A working staff member the caller can see (and, when `allow_self`, the caller)."""

    def __init__(self, allow_self: bool = False, **kwargs):
        self.allow_self = allow_self
        super().__init__(**kwargs)

    def get_queryset(self):
        user = self.context["request"].user
        qs = grantable_staff(viewer=user)
        if self.allow_self:
            qs = qs | get_user_model().objects.filter(pk=user.pk)
        return qs


class BindingCreateSerializer(serializers.Serializer):
    """Input for a grant: `store` is required; null means all stores (super admins only), never by omission."""

    staff = GrantableStaffField()
    role = serializers.PrimaryKeyRelatedField(queryset=Role.objects.all())
    store = ScopedStoreField(allow_null=True)
    reason = serializers.CharField(max_length=500)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text=_("Why; kept in the audit log."))


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AccessRequestSerializer(serializers.ModelSerializer):
    """An access request as stored (read-only), with its frozen description of what would change.
    `permission` is null for a role request, `role` for a single-permission one."""

    permission = serializers.SlugRelatedField(slug_field="codename", read_only=True, allow_null=True)

    class Meta:
        model = AccessRequest
        fields = [
            "id",
            "kind",
            "status",
            "requested_by",
            "staff",
            "role",
            "permission",
            "store",
            "grant_expires_at",
            "reason",
            "description",
            "batch",
            "created_at",
            "expires_at",
            "decided_by",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields


class AccessRequestCreateSerializer(serializers.Serializer):
    """Input for a request: a role (store empty = all stores) or one permission on one store."""

    staff = GrantableStaffField(allow_self=True)
    role = serializers.PrimaryKeyRelatedField(
        queryset=Role.objects.all(), required=False, allow_null=True, default=None
    )
    permission = serializers.ChoiceField(choices=CODENAME_CHOICES, required=False, allow_null=True, default=None)
    store = ScopedStoreField(perm="*", allow_null=True, required=False, default=None)
    reason = serializers.CharField(max_length=500)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ExceptionGrantSerializer(serializers.ModelSerializer):
    """An exception grant as stored (read-only)."""

    permission = serializers.SlugRelatedField(slug_field="codename", read_only=True)
    live = serializers.SerializerMethodField()

    class Meta:
        model = ExceptionGrant
        fields = [
            "id",
            "staff",
            "store",
            "permission",
            "granted_by",
            "reason",
            "expires_at",
            "created_at",
            "request",
            "live",
            "revoked_at",
            "revoked_by",
            "revoke_reason",
            "expired",
        ]
        read_only_fields = fields

    def get_live(self, obj) -> bool:
        return obj.is_live()


class ExceptionGrantCreateSerializer(serializers.Serializer):
    """Input for an exception grant: one permission on one store."""

    staff = GrantableStaffField()
    store = ScopedStoreField()
    permission = serializers.ChoiceField(choices=CODENAME_CHOICES)
    reason = serializers.CharField(max_length=500)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class StorePermissionGroupSerializer(serializers.Serializer):
    """Stores where the caller holds exactly the same permissions (all-store ones included)."""

    permissions = serializers.ListField(child=serializers.CharField())
    stores = serializers.ListField(child=serializers.IntegerField())


class MePermissionsSerializer(serializers.Serializer):
    """The caller's permissions: super admin flag, all-store codenames, and the stores grouped by the
    permissions held there (one group per distinct set, in the order of their first store id)."""

    super_admin = serializers.BooleanField()
    everywhere = serializers.ListField(child=serializers.CharField())
    groups = StorePermissionGroupSerializer(many=True)


class OffboardResultSerializer(serializers.Serializer):
    """What offboarding ended: counts of everything, and the rows in the caller's stores."""

    staff = serializers.IntegerField()
    status = serializers.CharField()
    is_active = serializers.BooleanField()
    bindings_revoked = serializers.IntegerField()
    exception_grants_revoked = serializers.IntegerField()
    requests_cancelled = serializers.IntegerField()
    bindings = RoleBindingSerializer(many=True)
    exception_grants = ExceptionGrantSerializer(many=True)
    requests = AccessRequestSerializer(many=True)
