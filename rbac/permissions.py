"""The hot path: load_permissions(user) → PermissionSet in ONE query, plus a process-wide role map.

Per request, one SQL statement (UNION ALL) reads the viewer's live role bindings {store → role ids},
live exception grants {store → permission id} and the stores they own (primary or backup), which count
as holding the built-in store-admin role there (see OWNER_ROLE_KEY). A process-wide map {role id → codenames} (with the
super-admin roles and {permission id → codename}) turns them into answers in memory; it is reloaded
when the Redis version key changes (checked at most once a second per process). Role edits bump that
key after commit. If Redis is unreachable the map is reloaded from the database instead (at most once
a second), never failing the request.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.permissions import EMPTY, PermissionSet

logger = logging.getLogger(__name__)

VERSION_KEY = "shopcrew:rbac:roles-version"

# Ownership carries the store-admin role. A store's primary and backup owners can always see and run their
# store: the loader gives them the built-in store-admin role (店铺管理员) on every store they own, exactly as
# a live binding would — with its permissions as they are edited, users_manage included, so an owner is an
# administrator and must pass the second factor (core.middleware.needs_second_factor, PermissionSet.is_admin).
# Why this rather than "an owner must hold a store-admin binding, and revoking it is refused while they own
# the store": the store's owner columns are the one record, so the rule cannot drift out of step (no binding
# to create when owners change, none to refuse to revoke, none for the stores app below rbac to know about),
# and it holds from the instant ownership changes, both ways — someone who stops being the owner loses
# the rights on their next request. A store-admin binding an owner also holds changes nothing while they
# own the store and keeps granting after they hand it over. Ownership rights live only here: guardian's
# tables mirror bindings and exception grants, and our backend is authoritative for store permissions.
OWNER_ROLE_KEY = "store_admin"


@dataclass(frozen=True)
class RoleMap:
    """What each role grants, as loaded from the database at one role version."""

    version: str | None
    perms: dict[int, frozenset[str]]
    super_roles: frozenset[int]
    codenames: dict[int, str]  # Store permission id → codename
    names: dict[int, str] = field(default_factory=dict)
    keys: dict[str, int] = field(default_factory=dict)  # built-in role key → role id

    def roles_with(self, codename: str) -> list[int]:
        """Role ids whose permissions include codename (super-admin roles always do)."""
        return [rid for rid, codes in self.perms.items() if codename in codes or rid in self.super_roles]

    def permission_id(self, codename: str) -> int | None:
        for pid, code in self.codenames.items():
            if code == codename:
                return pid
        return None


def _load_map(version: str | None) -> RoleMap:
    from django.contrib.auth.models import Permission

    from .models import Role

    codenames = dict(
        Permission.objects.filter(content_type__app_label="stores", content_type__model="store").values_list(
            "id", "codename"
        )
    )
    perms: dict[int, set[str]] = {}
    names: dict[int, str] = {}
    supers = set()
    keys: dict[str, int] = {}
    rows = Role.objects.values_list("id", "name", "key", "is_super_admin", "permissions__id")
    for role_id, name, key, is_super, perm_id in rows:
        names[role_id] = name
        if key:
            keys[key] = role_id
        bucket = perms.setdefault(role_id, set())
        if is_super:
            supers.add(role_id)
        if perm_id is not None and perm_id in codenames:
            bucket.add(codenames[perm_id])
    all_codes = frozenset(codenames.values())
    frozen = {rid: (all_codes if rid in supers else frozenset(codes)) for rid, codes in perms.items()}
    return RoleMap(
        version=version, perms=frozen, super_roles=frozenset(supers), codenames=codenames, names=names, keys=keys
    )


class RoleCache:
    """Process-wide role map, revalidated against the Redis version key at most every `max_age` seconds."""

    max_age = 1.0

    def __init__(self):
        self._map: RoleMap | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._client = None

    def _redis(self):
        if self._client is None:
            self._client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.25, socket_timeout=0.25)
        return self._client

    def read_version(self) -> str | None:
        """The current version ("" when never bumped), or None when Redis cannot be reached."""
        try:
            value = self._redis().get(VERSION_KEY)
        except redis.RedisError as exc:
            logger.warning("role version unavailable (%s); reloading roles from the database", exc)
            return None
        return value.decode() if value is not None else ""

    def get(self, *, need: set[int] | frozenset[int] = frozenset()) -> RoleMap:
        """The role map; reloaded when the version changed, Redis is down, or a needed role is unknown."""
        current = self._map
        now = time.monotonic()
        fresh = current is not None and now - self._checked < self.max_age
        if fresh and not (need - current.perms.keys()):
            return current
        with self._lock:
            version = self.read_version()
            current = self._map
            if current is None or version is None or version != current.version or (need - current.perms.keys()):
                current = self._map = _load_map(version)
            self._checked = time.monotonic()
            return current

    def invalidate(self) -> None:
        """Forget the map in this process (the next call reloads it)."""
        self._map = None

    def bump(self) -> None:
        """Tell every process that roles changed: increment the version key, drop our own copy."""
        self.invalidate()
        try:
            self._redis().incr(VERSION_KEY)
        except redis.RedisError as exc:
            logger.warning("could not bump the role version (%s); other processes refresh within their TTL", exc)


role_cache = RoleCache()


def owner_permissions() -> frozenset[str]:
    """What owning a store gives there: the store-admin role's permissions as it stands (OWNER_ROLE_KEY;
    from the process-wide role map, no query when warm). Registered with core.permissions.register_owner_rights."""
    roles = role_cache.get()
    role_id = roles.keys.get(OWNER_ROLE_KEY)
    return roles.perms.get(role_id, frozenset()) if role_id is not None else frozenset()


_SQL = None


def _sql() -> str:
    global _SQL
    if _SQL is None:
        from stores.models import Store

        from .models import ExceptionGrant, Role, RoleBinding

        _SQL = (
            f"SELECT store_id, role_id, NULL AS permission_id FROM {RoleBinding._meta.db_table} "
            "WHERE staff_id = %(user)s AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > %(now)s) "
            "UNION ALL "
            f"SELECT store_id, NULL, permission_id FROM {ExceptionGrant._meta.db_table} "
            "WHERE staff_id = %(user)s AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > %(now)s) "
            "UNION ALL "
            f"SELECT s.id, r.id, NULL FROM {Store._meta.db_table} s JOIN {Role._meta.db_table} r "
            "ON r.key = %(owner_role)s WHERE s.primary_owner_id = %(user)s OR s.backup_owner_id = %(user)s"
        )
    return _SQL


def load_permissions(user, *, now=None) -> PermissionSet:
    """The user's PermissionSet from their live bindings and exception grants: ONE query.

    A binding or grant that expires at `now` already grants nothing; a store the user owns counts as a
    live store-admin binding there (OWNER_ROLE_KEY). A Django superuser, and anyone bound to a super-admin
    role on all stores, is a super admin.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_sql(), {"user": user.pk, "now": now, "owner_role": OWNER_ROLE_KEY})
        rows = cursor.fetchall()
    role_ids = {role_id for _, role_id, _ in rows if role_id is not None}
    roles = role_cache.get(need=role_ids)
    per_store: dict[int, set[str]] = {}
    everywhere: set[str] = set()
    super_admin = bool(user.is_superuser)
    for store_id, role_id, perm_id in rows:
        if role_id is None:
            code = roles.codenames.get(perm_id)
            if code:
                per_store.setdefault(store_id, set()).add(code)
        elif store_id is None:
            super_admin = super_admin or role_id in roles.super_roles
            everywhere |= roles.perms.get(role_id, frozenset())
        else:
            per_store.setdefault(store_id, set()).update(roles.perms.get(role_id, ()))
    return PermissionSet(
        per_store={s: frozenset(p) for s, p in per_store.items()}, everywhere=everywhere, super_admin=super_admin
    )
