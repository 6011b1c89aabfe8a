"""The project's auth backend: user.has_perm("stores.<codename>", store) answered from the PermissionSet.

It is authoritative for the "stores" permissions: a refusal raises PermissionDenied, which stops
Django's backend loop, so guardian's tables (swept of expired bindings within a minute) are never
consulted for them — an expired binding grants nothing from the moment it expires. Other apps'
permissions fall through to ModelBackend and guardian unchanged.
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import PermissionDenied

from core.permissions import STORE_PERM_PREFIX as _PREFIX
from core.permissions import _store_id_of as _store_id
from core.permissions import has_store_perm, permissions_of

APP_LABEL = "stores"

__all__ = ["StoreRoleBackend", "has_store_perm"]


class StoreRoleBackend(BaseBackend):
    """Answers store permissions from the viewer's bindings; without an object only all-store ones count."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        if not perm.startswith(_PREFIX):
            return False
        if has_store_perm(user_obj, perm, obj):
            return True
        raise PermissionDenied  # authoritative for store permissions: stop Django's backend loop

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active:
            return set()
        perms = permissions_of(user_obj)
        if perms.super_admin:
            from .permissions import role_cache

            codes = role_cache.get().codenames.values()
        elif obj is None:
            codes = perms.everywhere
        else:
            codes = perms.perms_on(_store_id(obj))
        return {_PREFIX + code for code in codes}

    def has_module_perms(self, user_obj, app_label):
        if app_label != APP_LABEL or not user_obj.is_active:
            return False
        perms = permissions_of(user_obj)
        return perms.super_admin or bool(perms.everywhere) or bool(perms.per_store)
