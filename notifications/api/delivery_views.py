"""The delivery API: the delivery log (with retry of a failed delivery) and the messages the robots were sent,
scoped to the stores whose settings the caller sees; a retry needs settings_manage there."""

from rest_framework import serializers

from core.api.viewsets import ReadOnlyViewSet, service_action

from ..delivery import delivery_retry_one
from ..filtersets_delivery import DeliveryFilterSet, SentMessageFilterSet
from ..models import Delivery, SentMessage


class DeliverySerializer(serializers.ModelSerializer):
    """One event's delivery to one robot: its state, attempts, last error (never holding the key) and the
    message it went out in (`message`, shared by the deliveries of one summary)."""

    robot_name = serializers.CharField(source="robot.name", read_only=True)
    store_name = serializers.CharField(source="store.name", read_only=True, allow_null=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event",
            "event_kind",
            "store",
            "store_name",
            "robot",
            "robot_name",
            "route",
            "state",
            "msgtype",
            "content",
            "attempts",
            "next_attempt_at",
            "last_error",
            "message",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields


class SentMessageSerializer(serializers.ModelSerializer):
    """A message as the robot was sent it (the console's copy); a summary covers `delivery_count` deliveries."""

    robot_name = serializers.CharField(source="robot.name", read_only=True)
    store_name = serializers.CharField(source="store.name", read_only=True, allow_null=True)

    class Meta:
        model = SentMessage
        fields = [
            "id",
            "robot",
            "robot_name",
            "store",
            "store_name",
            "msgtype",
            "content",
            "mentioned",
            "is_summary",
            "delivery_count",
            "sent_at",
        ]
        read_only_fields = fields


class DeliveryViewSet(ReadOnlyViewSet):
    """Deliveries of the caller's stores (settings_view), newest first; filter by store, robot, event kind and
    state. `POST …/{id}/retry/` sends a failed delivery again (settings_manage; audited delivery.retry)."""

    queryset = Delivery.objects.all()
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilterSet
    ordering_fields = ["id", "created_at", "sent_at", "attempts"]
    ordering = ["-id"]

    def scope_queryset(self, queryset):
        return queryset.select_related("robot", "store").defer("robot__webhook_key")

    retry = service_action(delivery_retry_one, object_name="delivery", permission="change", answer="object")


class SentMessageViewSet(ReadOnlyViewSet):
    """Messages the robots of the caller's stores were sent (settings_view), newest first."""

    queryset = SentMessage.objects.all()
    serializer_class = SentMessageSerializer
    filterset_class = SentMessageFilterSet
    ordering_fields = ["sent_at", "id"]
    ordering = ["-sent_at", "-id"]

    def scope_queryset(self, queryset):
        return queryset.select_related("robot", "store").defer("robot__webhook_key")
