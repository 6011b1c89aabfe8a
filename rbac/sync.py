"""Keeping django-guardian in step with bindings, in bulk SQL, inside the caller's transaction.

- a group per role × store carries the role's object permissions on that store
  (StoreGroupObjectPermission rows); a live store binding is one membership;
- a group per role for all-store bindings carries the role's permissions as global permissions;
- an exception grant is one StoreUserObjectPermission row.
Callers hold the role's row lock (rbac.services) so a role edit and a grant never interleave.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Q

from .models import Role, RoleBinding, RoleGroup, StoreGroupObjectPermission, StoreUserObjectPermission


def _membership_table() -> str:
    return get_user_model().groups.through._meta.db_table


def _membership_columns() -> tuple[str, str]:
    through = get_user_model().groups.through
    user_field = next(f for f in through._meta.fields if f.related_model is get_user_model())
    group_field = next(f for f in through._meta.fields if f.related_model is Group)
    return user_field.column, group_field.column


def lock_role(role_id: int, *, exclusive: bool = False) -> None:
    """Row lock on the role: shared for grants (they read its permissions), exclusive for edits."""
    mode = "UPDATE" if exclusive else "SHARE"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {Role._meta.db_table} WHERE id = %s FOR {mode}", [role_id])


def ensure_groups(role: Role, store_ids: Iterable[int | None]) -> dict[int | None, int]:
    """{store id (None = all stores) → group id} for this role, creating missing groups and their
    permissions in bulk SQL (a constant number of statements however many stores)."""
    store_ids = list(dict.fromkeys(store_ids))
    wanted = Q(store_id__in=[s for s in store_ids if s is not None])
    if None in store_ids:
        wanted |= Q(store__isnull=True)
    existing = dict(RoleGroup.objects.filter(wanted, role=role).values_list("store_id", "group_id"))
    missing = [s for s in store_ids if s not in existing and s is not None]
    if missing:
        existing.update(_create_store_groups(role, missing))
    if None in store_ids and None not in existing:
        group, _created = Group.objects.get_or_create(name=RoleGroup.name_for(role.pk, None))
        RoleGroup.objects.bulk_create([RoleGroup(role=role, store=None, group=group)], ignore_conflicts=True)
        group.permissions.set(role.permissions.all())
        existing[None] = RoleGroup.objects.get(role=role, store__isnull=True).group_id
    return existing


def _create_store_groups(role: Role, store_ids: list[int]) -> dict[int, int]:
    names = [RoleGroup.name_for(role.pk, s) for s in store_ids]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {Group._meta.db_table} (name) SELECT unnest(%s::varchar[]) "
                       "ON CONFLICT DO NOTHING", [names])
        cursor.execute(
            f"INSERT INTO {RoleGroup._meta.db_table} (role_id, store_id, group_id) "
            f"SELECT %s, w.store_id, g.id FROM unnest(%s::bigint[], %s::varchar[]) AS w(store_id, name) "
            f"JOIN {Group._meta.db_table} g ON g.name = w.name ON CONFLICT DO NOTHING RETURNING store_id, group_id",
            [role.pk, store_ids, names])
        created = dict(cursor.fetchall())
    if created:  # newly linked groups: groups × permissions straight from arrays, replacing any stale rows
        perm_ids = list(role.permissions.values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {StoreGroupObjectPermission._meta.db_table} WHERE group_id = ANY(%s)",
                           [list(created.values())])
            cursor.execute(
                f"INSERT INTO {StoreGroupObjectPermission._meta.db_table} (group_id, permission_id, content_object_id) "
                "SELECT t.group_id, p.permission_id, t.store_id FROM unnest(%s::integer[], %s::bigint[]) "
                "AS t(group_id, store_id) CROSS JOIN unnest(%s::integer[]) AS p(permission_id) ORDER BY 1, 2",
                [list(created.values()), list(created.keys()), perm_ids])
    if len(created) < len(store_ids):  # linked meanwhile by a concurrent grant of the same role
        created.update(RoleGroup.objects.filter(role=role, store_id__in=[s for s in store_ids if s not in created])
                       .values_list("store_id", "group_id"))
    return created


def _insert_group_object_perms(role_id: int, *, group_ids: list[int] | None = None,
                               permission_ids: list[int] | None = None) -> None:
    """INSERT … SELECT the role's permissions into its store groups (optionally only some groups/permissions)."""
    table = StoreGroupObjectPermission._meta.db_table
    sql = (f"INSERT INTO {table} (group_id, permission_id, content_object_id) "
           f"SELECT rg.group_id, rp.permission_id, rg.store_id FROM {RoleGroup._meta.db_table} rg "
           f"JOIN {Role.permissions.through._meta.db_table} rp ON rp.role_id = rg.role_id "
           "WHERE rg.role_id = %s AND rg.store_id IS NOT NULL")
    params: list = [role_id]
    if group_ids is not None:
        sql += " AND rg.group_id = ANY(%s)"
        params.append(list(group_ids))
    if permission_ids is not None:
        sql += " AND rp.permission_id = ANY(%s)"
        params.append(list(permission_ids))
    sql += " ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def resync_role(role: Role, *, added: list[int], removed: list[int]) -> None:
    """After a role edit: add/remove the changed permissions on all of the role's groups."""
    if removed:
        StoreGroupObjectPermission.objects.filter(group__rbac_role_group__role=role,
                                                  permission_id__in=removed).delete()
    if added:
        _insert_group_object_perms(role.pk, permission_ids=added)
    global_group = RoleGroup.objects.filter(role=role, store__isnull=True).values_list("group_id", flat=True).first()
    if global_group is not None:
        Group.objects.get(pk=global_group).permissions.set(role.permissions.all())


def bindings_insert(bindings: list[RoleBinding]) -> None:
    """INSERT new bindings in one statement (unnest arrays, RETURNING ids set on the objects) — the same
    rows bulk_create would write, without its per-field compile cost for 1,000 rows."""
    columns = ["staff_id", "role_id", "store_id", "granted_by_id", "reason", "expires_at", "created_at", "request_id"]
    types = ["bigint", "bigint", "bigint", "bigint", "varchar", "timestamptz", "timestamptz", "bigint"]
    arrays = [[getattr(b, c) for b in bindings] for c in columns]
    selects = ", ".join(f"%s::{t}[]" for t in types)
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RoleBinding._meta.db_table} ({names}, revoke_reason, expired) "
            f"SELECT {names}, '', false FROM unnest({selects}) AS t({names}) "
            "RETURNING id, staff_id, role_id, store_id", arrays)
        ids = {(staff, role, store): pk for pk, staff, role, store in cursor.fetchall()}
    for binding in bindings:  # (staff, role, store) is unique among live bindings
        binding.pk = ids[(binding.staff_id, binding.role_id, binding.store_id)]
        binding._state.adding = False
        binding._state.db = "default"


def memberships_add(pairs: Iterable[tuple[int, int]]) -> None:
    """(staff id, group id) memberships, created in one INSERT (existing ones ignored)."""
    pairs = list(pairs)
    if not pairs:
        return
    user_col, group_col = _membership_columns()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_membership_table()} ({user_col}, {group_col}) "
            "SELECT * FROM unnest(%s::bigint[], %s::integer[]) ON CONFLICT DO NOTHING",
            [[p[0] for p in pairs], [p[1] for p in pairs]])


def memberships_remove_for_bindings(binding_ids: list[int]) -> None:
    """Remove the memberships the given bindings stand for, in one DELETE."""
    if not binding_ids:
        return
    user_col, group_col = _membership_columns()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_membership_table()} m USING {RoleBinding._meta.db_table} b "
            f"JOIN {RoleGroup._meta.db_table} rg ON rg.role_id = b.role_id "
            "AND rg.store_id IS NOT DISTINCT FROM b.store_id "
            f"WHERE b.id = ANY(%s) AND m.{user_col} = b.staff_id AND m.{group_col} = rg.group_id",
            [list(binding_ids)])


def user_perm_add(*, staff_id: int, store_id: int, permission_id: int) -> None:
    """The guardian row behind one exception grant."""
    StoreUserObjectPermission.objects.bulk_create(
        [StoreUserObjectPermission(user_id=staff_id, content_object_id=store_id, permission_id=permission_id)],
        ignore_conflicts=True)


def user_perms_remove(triples: Iterable[tuple[int, int, int]]) -> None:
    """Delete the guardian rows of (staff id, store id, permission id) exception grants."""
    triples = list(triples)
    if not triples:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {StoreUserObjectPermission._meta.db_table} u "
            "USING unnest(%s::bigint[], %s::bigint[], %s::integer[]) AS t(staff_id, store_id, permission_id) "
            "WHERE u.user_id = t.staff_id AND u.content_object_id = t.store_id AND u.permission_id = t.permission_id",
            [[t[0] for t in triples], [t[1] for t in triples], [t[2] for t in triples]])


def groups_delete_for_role(role: Role) -> None:
    """Drop all of a role's guardian groups (their permissions and memberships cascade)."""
    Group.objects.filter(rbac_role_group__role=role).delete()
