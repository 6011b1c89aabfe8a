"""The store API: list, detail, create, edit and archive, scoped to the caller's stores."""

from core.api.viewsets import ServiceViewSet, service_action
from core.gates import Scope

from .. import services
from ..filtersets import StoreFilterSet, StoreGroupFilterSet
from ..models import Store, StoreGroup
from ..selectors import storegroup_list
from .serializers import ArchiveSerializer, StoreGroupSerializer, StoreSerializer


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


class StoreGroupViewSet(ServiceViewSet):
    """Store groups: listed for anyone who sees settings in some store (member stores limited to those the
    caller can see); created, changed and deleted by those who manage settings in every store."""

    queryset = StoreGroup.objects.all()
    serializer_class = StoreGroupSerializer
    filterset_class = StoreGroupFilterSet
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "pk"]
    action_scopes = {a: Scope.COMPANY for a in ("create", "update", "partial_update", "destroy")}
    create_service = staticmethod(services.storegroup_create)
    update_service = staticmethod(services.storegroup_update)
    destroy_service = staticmethod(services.storegroup_delete)
    object_name = "group"

    def get_required_permission(self) -> str:
        return "settings_view" if self.action in ("list", "retrieve", None, "metadata") else "settings_manage"

    def scope_queryset(self, queryset):
        return storegroup_list(viewer=self.request.user).prefetch_related("stores")

    def service_arguments(self, data, instance=None):
        if self.action not in ("update", "partial_update"):
            return super().service_arguments(data, instance)
        kept = {"name": instance.name, "description": instance.description, "stores": list(instance.stores.all())}
        return {"group": instance, **kept, **data}
