"""The store serializer: it validates, then calls stores.services."""

from rest_framework import serializers

from core.api.serializers import ServiceSerializerMixin

from ..models import Store, StoreGroup
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


class StoreGroupSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    """A store group: name (unique regardless of case), description and store ids. Reads list only the member
    stores the caller can see (`visible_count` of them); writes take any store the caller manages."""

    visible_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = StoreGroup
        fields = ["id", "name", "description", "stores", "visible_count", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"name": {"validators": []}, "stores": {"required": False}}

    def get_fields(self):
        fields = super().get_fields()
        viewer = getattr(self.context.get("request"), "user", None)
        fields["stores"].child_relation.queryset = Store.objects.restrict(viewer, "change")
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        viewer = getattr(self.context.get("request"), "user", None)
        if "_visible_stores" not in self.context:  # once per response, not per group
            stores = Store.objects.restrict(viewer, "view").order_by().values_list("pk", flat=True)
            self.context["_visible_stores"] = set(stores)
        visible = self.context["_visible_stores"]
        data["stores"] = [pk for pk in data["stores"] if pk in visible]
        return data
