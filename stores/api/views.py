"""The store API: list, detail, create, edit and archive, scoped to the caller's stores."""

from core.api.viewsets import ServiceViewSet, service_action
from core.gates import Scope

from .. import services
from ..filtersets import StoreFilterSet
from ..models import Store
from .serializers import ArchiveSerializer, StoreSerializer


class StoreViewSet(ServiceViewSet):
    """Stores the caller holds any permission on; changes need settings_manage on the store, new
    stores settings_manage on all stores. No DELETE: stores are archived (POST …/archive/)."""

    queryset = Store.objects.all()
    serializer_class = StoreSerializer
    filterset_class = StoreFilterSet
    ordering_fields = ["name", "platform", "site", "status", "shop_id"]
    ordering = ["platform", "site", "name", "pk"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    action_scopes = {"create": Scope.COMPANY}
    create_service = staticmethod(services.store_create)
    update_service = staticmethod(services.store_update)

    def scope_queryset(self, queryset):
        return queryset.select_related("primary_owner", "backup_owner")

    archive = service_action(
        services.store_archive, input=ArchiveSerializer, output=StoreSerializer, object_name="store"
    )
