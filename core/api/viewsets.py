"""The base API viewset: it maps HTTP methods to actions and always restricts the queryset.

Subclasses refine `scope_queryset()`; `get_queryset()` is final in spirit — it applies
`restrict(viewer, action)` after the hook, so a subclass cannot drop the restriction by accident.
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from rest_framework import exceptions, viewsets

from core.permissions import permissions_of

ACTION_FOR = {
    "list": "view",
    "retrieve": "view",
    "create": "add",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
}


class ScopedViewSetMixin:
    # Declared by each viewset (a RestrictedQuerySet); set by DRF on the instance: action, request.
    queryset: Any = None
    action: Any
    request: Any
    action_map_extra: dict[str, str] = {}

    def permission_action(self) -> str:
        action = self.action or ""
        return self.action_map_extra.get(action, ACTION_FOR.get(action, "view"))

    def scope_queryset(self, queryset):
        return queryset

    def get_queryset(self):
        model = self.queryset.model
        action = self.permission_action()
        perm = model.permission_for(action)
        if not permissions_of(self.request.user).has_anywhere(perm):
            raise exceptions.PermissionDenied()
        return self.scope_queryset(self.queryset.all()).restrict(self.request.user, action)

    def handle_exception(self, exc):
        if isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied(str(exc) or None)
        return super().handle_exception(exc)  # type: ignore[misc]  # a mixin: DRF's APIView comes later in the MRO


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
