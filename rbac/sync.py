"""Keeping django-guardian in step with bindings, in bulk SQL, inside the caller's transaction.

- a group per role × store carries the role's object permissions on that store
  (StoreGroupObjectPermission rows); a live store binding is one membership;
- a group per role for all-store bindings carries the role's permissions as global permissions;
- an exception grant is one StoreUserObjectPermission row.
Callers hold the role's row lock (rbac.services) so a role edit and a grant never interleave.

Each write has two implementations writing the same rows: PostgreSQL's bulk SQL (arrays, ON CONFLICT,
RETURNING; what the benchmark measures) and a portable one through the ORM (bulk_create with
ignore_conflicts, filter().delete()) used on any other database, such as bin/run's embedded SQLite
(which serialises writers, so its missing row locks cost nothing). Setting PORTABLE forces the ORM path
on PostgreSQL too (the tests compare both).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Q

from .models import Role, RoleBinding, RoleGroup, StoreGroupObjectPermission, StoreUserObjectPermission

# True: use the ORM path even on PostgreSQL (tests only; read on every call).
PORTABLE = False


def _portable() -> bool:
    return PORTABLE or connection.vendor != "postgresql"


def _membership_table() -> str:
    return get_user_model().groups.through._meta.db_table


def _membership_columns() -> tuple[str, str]:
    through = get_user_model().groups.through
    user_field = next(f for f in through._meta.fields if f.related_model is get_user_model())
    group_field = next(f for f in through._meta.fields if f.related_model is Group)
    return user_field.column, group_field.column


def _membership_attnames() -> tuple[str, str]:
    through = get_user_model().groups.through
    user_field = next(f for f in through._meta.fields if f.related_model is get_user_model())
    group_field = next(f for f in through._meta.fields if f.related_model is Group)
    return user_field.attname, group_field.attname


def lock_role(role_id: int, *, exclusive: bool = False) -> None:
    """Row lock on the role: shared for grants (they read its permissions), exclusive for edits.

    The ORM knows no shared row lock, so the portable path takes an exclusive one (grants of the same
    role then wait for each other); SQLite ignores it (one writer at a time anyway)."""
    if _portable():
        list(Role.objects.select_for_update().filter(pk=role_id).values_list("pk", flat=True))
        return
    mode = "UPDATE" if exclusive else "SHARE"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {Role._meta.db_table} WHERE id = %s FOR {mode}", [role_id])


def ensure_groups(role: Role, store_ids: Iterable[int | None]) -> dict[int | None, int]:
    """{store id (None = all stores) → group id} for this role, creating missing groups and their
    permissions in bulk SQL (a constant number of statements however many stores)."""
    store_ids = list(dict.fromkeys(store_ids))
    wanted = Q(store_id__any_of=[s for s in store_ids if s is not None])
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
    if _portable():
        return _create_store_groups_orm(role, store_ids)
    names = [RoleGroup.name_for(role.pk, s) for s in store_ids]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Group._meta.db_table} (name) SELECT unnest(%s::varchar[]) ON CONFLICT DO NOTHING", [names]
        )
        cursor.execute(
            f"INSERT INTO {RoleGroup._meta.db_table} (role_id, store_id, group_id) "
            f"SELECT %s, w.store_id, g.id FROM unnest(%s::bigint[], %s::varchar[]) AS w(store_id, name) "
            f"JOIN {Group._meta.db_table} g ON g.name = w.name ON CONFLICT DO NOTHING RETURNING store_id, group_id",
            [role.pk, store_ids, names],
        )
        created = dict(cursor.fetchall())
    if created:  # newly linked groups: groups × permissions straight from arrays, replacing any stale rows
        perm_ids = list(role.permissions.values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {StoreGroupObjectPermission._meta.db_table} WHERE group_id = ANY(%s)",
                [list(created.values())],
            )
            cursor.execute(
                f"INSERT INTO {StoreGroupObjectPermission._meta.db_table} (group_id, permission_id, content_object_id) "
                "SELECT t.group_id, p.permission_id, t.store_id FROM unnest(%s::integer[], %s::bigint[]) "
                "AS t(group_id, store_id) CROSS JOIN unnest(%s::integer[]) AS p(permission_id) ORDER BY 1, 2",
                [list(created.values()), list(created.keys()), perm_ids],
            )
    if len(created) < len(store_ids):  # linked meanwhile by a concurrent grant of the same role
        created.update(
            RoleGroup.objects.filter(
                role=role, store_id__any_of=[s for s in store_ids if s not in created]
            ).values_list("store_id", "group_id")
        )
    return created


def _create_store_groups_orm(role: Role, store_ids: list[int]) -> dict[int, int]:
    """_create_store_groups through the ORM: groups by name, their links, then groups × permissions, replacing
    any stale rows. The caller found these stores without a group under the role's lock, which this path
    takes exclusively, so every link now present is new (the SQL path's RETURNING set)."""
    names = {s: RoleGroup.name_for(role.pk, s) for s in store_ids}
    Group.objects.bulk_create([Group(name=n) for n in names.values()], ignore_conflicts=True)
    group_ids = dict(Group.objects.filter(name__in=names.values()).values_list("name", "pk"))
    RoleGroup.objects.bulk_create(
        [RoleGroup(role=role, store_id=s, group_id=group_ids[n]) for s, n in names.items()], ignore_conflicts=True
    )
    created = dict(RoleGroup.objects.filter(role=role, store_id__in=store_ids).values_list("store_id", "group_id"))
    perm_ids = sorted(role.permissions.values_list("pk", flat=True))
    StoreGroupObjectPermission.objects.filter(group_id__in=created.values()).delete()
    StoreGroupObjectPermission.objects.bulk_create(
        [
            StoreGroupObjectPermission(group_id=g, permission_id=p, content_object_id=s)
            for s, g in sorted(created.items(), key=lambda item: item[1])
            for p in perm_ids
        ],
        batch_size=1000,
    )
    return created


def _insert_group_object_perms(
    role_id: int, *, group_ids: list[int] | None = None, permission_ids: list[int] | None = None
) -> None:
    """INSERT … SELECT the role's permissions into its store groups (optionally only some groups/permissions)."""
    if _portable():
        groups = RoleGroup.objects.filter(role_id=role_id, store__isnull=False)
        perms = Role.permissions.through.objects.filter(role_id=role_id)
        if group_ids is not None:
            groups = groups.filter(group_id__in=group_ids)
        if permission_ids is not None:
            perms = perms.filter(permission_id__in=permission_ids)
        perm_ids = list(perms.values_list("permission_id", flat=True))
        StoreGroupObjectPermission.objects.bulk_create(
            [
                StoreGroupObjectPermission(group_id=g, permission_id=p, content_object_id=s)
                for g, s in groups.values_list("group_id", "store_id")
                for p in perm_ids
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        return
    table = StoreGroupObjectPermission._meta.db_table
    sql = (
        f"INSERT INTO {table} (group_id, permission_id, content_object_id) "
        f"SELECT rg.group_id, rp.permission_id, rg.store_id FROM {RoleGroup._meta.db_table} rg "
        f"JOIN {Role.permissions.through._meta.db_table} rp ON rp.role_id = rg.role_id "
        "WHERE rg.role_id = %s AND rg.store_id IS NOT NULL"
    )
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
        StoreGroupObjectPermission.objects.filter(group__rbac_role_group__role=role, permission_id__in=removed).delete()
    if added:
        _insert_group_object_perms(role.pk, permission_ids=added)
    global_group = RoleGroup.objects.filter(role=role, store__isnull=True).values_list("group_id", flat=True).first()
    if global_group is not None:
        Group.objects.get(pk=global_group).permissions.set(role.permissions.all())


def bindings_insert(bindings: list[RoleBinding]) -> None:
    """INSERT new bindings in one statement (unnest arrays, RETURNING ids set on the objects) — the same
    rows bulk_create would write, without its per-field compile cost for 1,000 rows."""
    if _portable():
        RoleBinding.objects.bulk_create(bindings, batch_size=1000)
        if any(b.pk is None for b in bindings):  # a database that returns no ids from a bulk insert
            ids = dict(
                ((staff, role, store), pk)
                for pk, staff, role, store in RoleBinding.objects.filter(
                    staff_id__in={b.staff_id for b in bindings},
                    role_id__in={b.role_id for b in bindings},
                    revoked_at__isnull=True,
                ).values_list("pk", "staff_id", "role_id", "store_id")
            )
            for binding in bindings:
                binding.pk = ids[(binding.staff_id, binding.role_id, binding.store_id)]
        return
    columns = ["staff_id", "role_id", "store_id", "granted_by_id", "reason", "expires_at", "created_at", "request_id"]
    types = ["bigint", "bigint", "bigint", "bigint", "varchar", "timestamptz", "timestamptz", "bigint"]
    arrays = [[getattr(b, c) for b in bindings] for c in columns]
    selects = ", ".join(f"%s::{t}[]" for t in types)
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RoleBinding._meta.db_table} ({names}, revoke_reason, expired) "
            f"SELECT {names}, '', false FROM unnest({selects}) AS t({names}) "
            "RETURNING id, staff_id, role_id, store_id",
            arrays,
        )
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
    if _portable():
        through = get_user_model().groups.through
        user_att, group_att = _membership_attnames()
        through.objects.bulk_create(
            [through(**{user_att: u, group_att: g}) for u, g in pairs], batch_size=1000, ignore_conflicts=True
        )
        return
    user_col, group_col = _membership_columns()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_membership_table()} ({user_col}, {group_col}) "
            "SELECT * FROM unnest(%s::bigint[], %s::integer[]) ON CONFLICT DO NOTHING",
            [[p[0] for p in pairs], [p[1] for p in pairs]],
        )


def memberships_remove_for_bindings(binding_ids: list[int]) -> None:
    """Remove the memberships the given bindings stand for, in one DELETE."""
    if not binding_ids:
        return
    if _portable():
        _memberships_remove_for_bindings_orm(binding_ids)
        return
    user_col, group_col = _membership_columns()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_membership_table()} m USING {RoleBinding._meta.db_table} b "
            f"JOIN {RoleGroup._meta.db_table} rg ON rg.role_id = b.role_id "
            "AND rg.store_id IS NOT DISTINCT FROM b.store_id "
            f"WHERE b.id = ANY(%s) AND m.{user_col} = b.staff_id AND m.{group_col} = rg.group_id",
            [list(binding_ids)],
        )


def _memberships_remove_for_bindings_orm(binding_ids: list[int]) -> None:
    bindings = list(RoleBinding.objects.filter(pk__in=binding_ids).values_list("staff_id", "role_id", "store_id"))
    groups = dict(
        ((role, store), group)
        for role, store, group in RoleGroup.objects.filter(
            role_id__in={role for _staff, role, _store in bindings}
        ).values_list("role_id", "store_id", "group_id")
    )
    pairs = {(staff, groups[(role, store)]) for staff, role, store in bindings if (role, store) in groups}
    if not pairs:
        return
    through = get_user_model().groups.through
    user_att, group_att = _membership_attnames()
    candidates = through.objects.filter(
        **{f"{user_att}__in": {u for u, _g in pairs}, f"{group_att}__in": {g for _u, g in pairs}}
    )
    doomed = [pk for pk, u, g in candidates.values_list("pk", user_att, group_att) if (u, g) in pairs]
    through.objects.filter(pk__in=doomed).delete()


def user_perm_add(*, staff_id: int, store_id: int, permission_id: int) -> None:
    """The guardian row behind one exception grant."""
    StoreUserObjectPermission.objects.bulk_create(
        [StoreUserObjectPermission(user_id=staff_id, content_object_id=store_id, permission_id=permission_id)],
        ignore_conflicts=True,
    )


def user_perms_remove(triples: Iterable[tuple[int, int, int]]) -> None:
    """Delete the guardian rows of (staff id, store id, permission id) exception grants."""
    triples = list(triples)
    if not triples:
        return
    if _portable():
        wanted = set(triples)
        candidates = StoreUserObjectPermission.objects.filter(
            user_id__in={t[0] for t in wanted},
            content_object_id__in={t[1] for t in wanted},
            permission_id__in={t[2] for t in wanted},
        ).values_list("pk", "user_id", "content_object_id", "permission_id")
        StoreUserObjectPermission.objects.filter(pk__in=[pk for pk, *t in candidates if tuple(t) in wanted]).delete()
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {StoreUserObjectPermission._meta.db_table} u "
            "USING unnest(%s::bigint[], %s::bigint[], %s::integer[]) AS t(staff_id, store_id, permission_id) "
            "WHERE u.user_id = t.staff_id AND u.content_object_id = t.store_id AND u.permission_id = t.permission_id",
            [[t[0] for t in triples], [t[1] for t in triples], [t[2] for t in triples]],
        )


def groups_delete_for_role(role: Role) -> None:
    """Drop all of a role's guardian groups (their permissions and memberships cascade)."""
    Group.objects.filter(rbac_role_group__role=role).delete()
