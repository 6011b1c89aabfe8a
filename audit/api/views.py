"""The audit log over the API: read-only, restricted like the pages, same filters."""

from core.api.viewsets import ReadOnlyViewSet

from ..filtersets import AuditEventFilterSet
from ..models import AuditEvent
from .serializers import AuditEventSerializer


class AuditEventViewSet(ReadOnlyViewSet):
    """Audit events of stores where the caller holds users_view (store-less ones for super admins), newest first."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]

    def scope_queryset(self, queryset):
        return queryset.select_related("store")
