"""The store API: list, detail, create, edit and archive, scoped to the caller's stores."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.viewsets import ScopedModelViewSet
from staff.api.serializers import service_errors

from .. import selectors, services
from ..filtersets import StoreFilterSet
from ..models import Store
from .serializers import ArchiveSerializer, StoreSerializer


class StoreViewSet(ScopedModelViewSet):
    """Stores the caller holds any permission on; changes need settings_manage on the store, new
    stores settings_manage on all stores. No DELETE: stores are archived (POST …/archive/)."""

    queryset = Store.objects.all()
    serializer_class = StoreSerializer
    filterset_class = StoreFilterSet
    ordering_fields = ["name", "platform", "site", "status", "shop_id"]
    ordering = ["platform", "site", "name", "pk"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    action_map_extra = {"archive": "change"}

    def scope_queryset(self, queryset):
        return queryset.select_related("primary_owner", "backup_owner")

    def create(self, request, *args, **kwargs):
        if not selectors.store_can_create(actor=request.user):  # before validation: 403, not field errors
            raise exceptions.PermissionDenied()
        return super().create(request, *args, **kwargs)

    @extend_schema(request=ArchiveSerializer, responses=StoreSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        store = self.get_object()
        params = ArchiveSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            store = services.store_archive(
                actor=request.user, store=store, reason=params.validated_data.get("reason", "")
            )
        except DjangoValidationError as exc:
            raise service_errors(exc) from exc
        return Response(StoreSerializer(store, context=self.get_serializer_context()).data)
