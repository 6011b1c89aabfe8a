"""The one permission idiom: a per-request PermissionSet answers "which stores may this viewer do P in".

core knows nothing of roles; the loader named by settings.SHOPCREW_PERMISSION_LOADER builds the
PermissionSet (rbac provides the real one). Everything else — restrict(), views, the API, templates —
asks the PermissionSet cached on the user object for the request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .stores import store_model_label

ANY = "*"  # pseudo-permission: "holds at least one permission on the store"


class _AllStores:
    """Sentinel for "every store, present and future"."""

    def __contains__(self, item) -> bool:
        return True

    def __repr__(self) -> str:
        return "ALL_STORES"

    def __bool__(self) -> bool:
        return True


ALL_STORES = _AllStores()


class PermissionSet:
    """What one person may do, per store: {store_id: {perm,...}} plus all-store permissions."""

    def __init__(
        self,
        *,
        per_store: dict[int, frozenset[str]] | None = None,
        everywhere: Iterable[str] = (),
        super_admin: bool = False,
    ):
        self.per_store = per_store or {}
        self.everywhere = frozenset(everywhere)
        self.super_admin = super_admin

    def has(self, perm: str, store_id: int | None) -> bool:
        if self.super_admin or perm in self.everywhere:
            return True
        perms = self.per_store.get(store_id) if store_id is not None else None
        if perms is None:
            return False
        return perm == ANY or perm in perms

    def has_anywhere(self, perm: str) -> bool:
        if self.super_admin or perm in self.everywhere:
            return True
        if perm == ANY:
            return bool(self.per_store) or bool(self.everywhere)
        return any(perm in perms for perms in self.per_store.values())

    def stores_with(self, perm: str):
        """Store ids where perm holds, or ALL_STORES."""
        if self.super_admin or perm in self.everywhere or (perm == ANY and self.everywhere):
            return ALL_STORES
        if perm == ANY:
            return frozenset(self.per_store)
        return frozenset(store_id for store_id, perms in self.per_store.items() if perm in perms)

    def perms_on(self, store_id: int) -> frozenset[str]:
        return self.everywhere | self.per_store.get(store_id, frozenset())

    def limited_to(self, store_ids: Iterable[int]) -> PermissionSet:
        """The same rights, held only on these stores (an API token limited to some stores): nothing
        company-wide, no super admin. A super admin keeps every store permission on the listed stores."""
        everything = all_store_permissions() if self.super_admin else frozenset()
        per_store = {}
        for store_id in store_ids:
            perms = everything or self.perms_on(store_id)
            if perms:
                per_store[store_id] = perms
        return PermissionSet(per_store=per_store)

    @property
    def is_admin(self) -> bool:
        """Any administrative right: such a person must sign in with a second factor."""
        return self.super_admin or self.has_anywhere("users_manage")


EMPTY = PermissionSet()


@cache
def all_store_permissions() -> frozenset[str]:
    """Every permission codename declared on the store model."""
    from .stores import get_store_model

    return frozenset(codename for codename, _name in get_store_model()._meta.permissions)


def default_loader(user) -> PermissionSet:
    """Before roles exist: superusers may do everything, everyone else nothing."""
    return PermissionSet(super_admin=True) if user.is_superuser else EMPTY


_owner_rights: list[Callable[[], frozenset[str]]] = []


def register_owner_rights(provider: Callable[[], frozenset[str]]) -> None:
    """The permission loader's layer says what owning a store gives (rbac: the store-admin role's
    permissions), as `provider() -> frozenset of codenames`; core knows nothing of roles."""
    _owner_rights[:] = [provider]


def owner_rights() -> frozenset[str]:
    """The permissions a store's primary and backup owners hold on it by owning it (none before a loader
    says otherwise). Naming an owner hands these out, so only someone who holds them all there may."""
    return _owner_rights[0]() if _owner_rights else frozenset()


def may_hand_out(rights: PermissionSet, codenames: frozenset[str], store_id: int | None) -> bool:
    """Whether someone with `rights` holds every one of `codenames` on the store (None: a store not yet
    made, so only all-store rights count): the no-escalation rule for naming an owner."""
    if rights.super_admin:
        return True
    return codenames <= (rights.perms_on(store_id) if store_id is not None else rights.everywhere)


_holders: list[Callable[..., object]] = []


def register_holders(provider: Callable[..., object]) -> None:
    """The permission loader's layer answers "who may do perm on this store" as
    `provider(store=, perm=) -> QuerySet of working users` (rbac: staff_with_perm); core knows nothing of roles."""
    _holders[:] = [provider]


def holders_of(*, store, perm: str):
    """Working users who may do `perm` on `store` (a queryset, one query however many people hold it) — for
    layers below the loader's that must ask about someone else (a hand-over, an on-duty list). Before a loader
    registers one: active superusers."""
    if _holders:
        return _holders[0](store=store, perm=perm)
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_superuser=True, is_active=True)


@cache
def _loader():
    return import_string(getattr(settings, "SHOPCREW_PERMISSION_LOADER", "core.permissions.default_loader"))


STORE_LIMIT_ATTRIBUTE = "_shopcrew_store_limit"


def limit_to_stores(user, store_ids) -> None:
    """Hold `user` (this user object, so this request) to these stores whatever they hold elsewhere — an API
    token limited to some stores. Every PermissionSet loaded for it, now or after forget_permissions(), is
    narrowed (PermissionSet.limited_to)."""
    setattr(user, STORE_LIMIT_ATTRIBUTE, frozenset(store_ids))
    forget_permissions(user)


def store_limit(user) -> frozenset[int] | None:
    """The stores `user` is held to for this request (limit_to_stores), or None."""
    return getattr(user, STORE_LIMIT_ATTRIBUTE, None)


def permissions_of(user) -> PermissionSet:
    """The viewer's PermissionSet, loaded once per user object (so once per request); narrowed to the stores
    of limit_to_stores() when the request is held to some."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY
    cached = getattr(user, "_shopcrew_perms", None)
    if cached is None:
        cached = _loader()(user)
        limit = store_limit(user)
        if limit is not None:
            cached = cached.limited_to(limit)
        user._shopcrew_perms = cached
    return cached


def forget_permissions(user) -> None:
    """Drop the cached PermissionSet, e.g. after the user's own bindings changed."""
    if hasattr(user, "_shopcrew_perms"):
        del user._shopcrew_perms


STORE_PERM_PREFIX = "stores."
_PREFIX_LEN = len(STORE_PERM_PREFIX)


def _store_id_of(obj):
    if obj._meta.label == store_model_label():
        return obj.pk
    return getattr(obj, "store_id", None)


def has_store_perm(user, perm: str, obj=None) -> bool:
    """user.has_perm("stores.<codename>", obj) answered straight from the PermissionSet: with a store (or
    an object with a store_id) the permission on that store; without one, only all-store permissions."""
    if not user.is_active:
        return False
    perms = user.__dict__.get("_shopcrew_perms") or permissions_of(user)
    if obj is None:
        return perms.super_admin or perm[_PREFIX_LEN:] in perms.everywhere
    return perms.has(perm[_PREFIX_LEN:], _store_id_of(obj))
