"""The store serializer: it validates, then calls stores.services."""

from rest_framework import serializers

from core.api.serializers import ServiceSerializerMixin

from ..models import Store
from ..selectors import active_owner_choices


class StoreSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    """A store (a row of the 店铺分工表). Owners are staff ids among the people the caller may see;
    an empty time zone follows the site."""

    primary_owner_name = serializers.CharField(source="primary_owner.name", read_only=True)
    backup_owner_name = serializers.CharField(source="backup_owner.name", read_only=True)

    class Meta:
        model = Store
        fields = [
            "id",
            "platform",
            "site",
            "shop_id",
            "name",
            "status",
            "primary_owner",
            "primary_owner_name",
            "backup_owner",
            "backup_owner_name",
            "emergency_contact",
            "duties_note",
            "timezone",
        ]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        current = (
            [self.instance.primary_owner_id, self.instance.backup_owner_id] if isinstance(self.instance, Store) else []
        )
        owners = active_owner_choices(viewer=getattr(request, "user", None), include=current)
        fields["primary_owner"].queryset = owners
        fields["backup_owner"].queryset = owners
        return fields


class ArchiveSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
