from rest_framework import serializers

from ..models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    """An audit event as recorded; read-only."""

    store_name = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_display",
            "source",
            "request_id",
            "ip",
            "user_agent",
            "store",
            "store_name",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "before",
            "after",
            "reason",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields

    def get_store_name(self, event) -> str | None:
        return event.store.name if event.store_id and event.store else None
