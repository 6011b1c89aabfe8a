"""Route and message template serializers: they validate, then the viewsets call notifications.services /
notifications.message_templates."""

from rest_framework import serializers

from core.api.serializers import ServiceSerializerMixin
from events.choices import EventKind
from stores.models import StoreGroup

from ..models import MessageFormat, Robot, Route


class RouteSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    """A route: `event_kinds` × stores (`store`, or `platform` / `site` / `store_group`, or none = every
    store) → `robot`, with quiet hours (`quiet_start`/`quiet_end`, HH:MM in each store's time zone) and
    mentions. Stores and robots are ids among those the caller manages; who may route what is checked by the
    service (several stores at once: those who manage every store)."""

    event_kinds = serializers.ListField(child=serializers.ChoiceField(choices=EventKind.choices), allow_empty=False)
    robot_name = serializers.CharField(source="robot.name", read_only=True)
    store_name = serializers.CharField(source="store.name", read_only=True, allow_null=True)

    class Meta:
        model = Route
        fields = [
            "id",
            "name",
            "event_kinds",
            "robot",
            "robot_name",
            "store",
            "store_name",
            "platform",
            "site",
            "store_group",
            "quiet_start",
            "quiet_end",
            "mention_primary_owner",
            "mention_backup_owner",
            "mention_permission",
            "mention_assignee",
            "mention_all",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_fields(self):
        from stores.models import Store

        fields = super().get_fields()
        viewer = getattr(self.context.get("request"), "user", None)
        robots = Robot.objects.restrict(viewer, "change")
        stores = Store.objects.restrict(viewer, "change")
        if isinstance(self.instance, Route):  # an edit may keep what it names
            robots = robots | Robot.objects.filter(pk=self.instance.robot_id)
            stores = stores | Store.objects.filter(pk=self.instance.store_id)
        fields["robot"].queryset = robots
        fields["store"].queryset = stores
        fields["store_group"].queryset = StoreGroup.objects.all()
        return fields


class TemplateSerializer(serializers.Serializer):
    """One event kind's message: the saved template or the default (`customized` false)."""

    kind = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    msgtype = serializers.ChoiceField(choices=MessageFormat.choices)
    body = serializers.CharField(trim_whitespace=False)
    customized = serializers.BooleanField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)


class TemplatePreviewSerializer(serializers.Serializer):
    msgtype = serializers.ChoiceField(choices=MessageFormat.choices, default=MessageFormat.TEXT)
    body = serializers.CharField(trim_whitespace=False, allow_blank=True)


class PreviewSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    content = serializers.CharField()
    bytes = serializers.IntegerField()
    longest = serializers.IntegerField()
    limit = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.CharField())
    source = serializers.CharField(required=False)
