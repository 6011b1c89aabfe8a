"""rbac.sync's portable (ORM) path — the one bin/run's embedded SQLite database takes — writes exactly the
rows its PostgreSQL bulk-SQL path writes in django-guardian's tables, so guardian keeps agreeing with
the hot path on any database.

Each comparison replays the same operations twice on the same people, stores and roles, once per path,
each inside a transaction rolled back afterwards, and compares the tables row for row (group ids, which
differ between the runs, are replaced by the group's role name and store).
"""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rbac import services, sync
from rbac.models import (
    AccessRequest,
    ExceptionGrant,
    Role,
    RoleBinding,
    RoleGroup,
    StoreGroupObjectPermission,
    StoreUserObjectPermission,
)
from rbac.permissions import load_permissions, role_cache
from stores.catalogue import BY_CODENAME, HIGH_RISK
from tests.factories import StaffFactory, StoreFactory
from tests.rbac.test_guardian_agreement import CODES, N_STAFF, N_STORES, _apply, _check, codes_st, op_st

LOW_RISK = sorted(set(BY_CODENAME) - HIGH_RISK)


@pytest.fixture
def guardian_only(settings):
    """Ask guardian with only Django's and guardian's own backends (as test_guardian_agreement does)."""
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "guardian.backends.ObjectPermissionBackend",
    ]
    return settings


@pytest.fixture
def world(super_admins, roles):
    staff = [StaffFactory() for _ in range(N_STAFF)]
    stores = [StoreFactory() for _ in range(N_STORES)]
    return {"staff": staff, "stores": stores, "builtin": list(roles.values()), "sa": super_admins}


@contextmanager
def sync_path(*, portable: bool):
    """Run the block on one path of rbac.sync, in a transaction rolled back at the end."""
    before, sync.PORTABLE = sync.PORTABLE, portable
    role_cache.invalidate()
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        sync.PORTABLE = before
        role_cache.invalidate()


def guardian_rows() -> dict:
    """Every row of the guardian tables rbac.sync writes, with group ids replaced by stable labels."""
    role_names = dict(Role.objects.values_list("pk", "name"))

    def label(name: str) -> str:  # rbac:<role id>:<store id or *>
        _prefix, role_id, store = name.split(":")
        return f"{role_names.get(int(role_id), role_id)}:{store}"

    groups = {pk: label(name) for pk, name in Group.objects.filter(name__startswith="rbac:").values_list("pk", "name")}
    membership = get_user_model().groups.through
    user_att = next(f.attname for f in membership._meta.fields if f.related_model is get_user_model())
    return {
        "groups": sorted(groups.values()),
        "role_groups": sorted(
            (role_names[r], s or 0, groups[g])
            for r, s, g in RoleGroup.objects.values_list("role_id", "store_id", "group_id")
        ),
        "memberships": sorted(
            (u, groups.get(g, str(g))) for u, g in membership.objects.values_list(user_att, "group_id")
        ),
        "global_permissions": sorted(
            (groups.get(g, str(g)), p)
            for g, p in Group.permissions.through.objects.values_list("group_id", "permission_id")
        ),
        "group_object_permissions": sorted(
            (groups.get(g, str(g)), p, s)
            for g, p, s in StoreGroupObjectPermission.objects.values_list(
                "group_id", "permission_id", "content_object_id"
            )
        ),
        "user_object_permissions": sorted(
            StoreUserObjectPermission.objects.values_list("user_id", "permission_id", "content_object_id")
        ),
    }


def _approved(result, approver):
    if isinstance(result, AccessRequest):
        return services.access_request_approve(actor=approver, access_request=result, reason="ok")
    return result


def _script(world) -> list[str]:
    """A fixed series touching every sync function: bulk grants on stores and on all stores, a role edit,
    exception grants, bulk and single revocations, expiries, offboarding and a role deletion."""
    first, second = world["sa"]
    staff, stores = world["staff"], world["stores"]
    now = timezone.now()
    shop = services.role_create(actor=first, name="店铺助理", permissions=LOW_RISK[:3])
    spare = services.role_create(actor=first, name="临时角色", permissions=LOW_RISK[3:5])
    services.bindings_bulk_grant(actor=first, role=shop, staff=staff[:3], stores=stores, reason="bulk")
    services.bindings_bulk_grant(
        actor=first, role=spare, staff=staff[2:], stores=stores[:2], reason="bulk", expires_at=now + timedelta(hours=1)
    )
    _approved(services.binding_grant(actor=first, staff=staff[3], role=shop, store=None, reason="all"), second)
    builtin = next(r for r in world["builtin"] if not r.is_super_admin)
    _approved(services.binding_grant(actor=first, staff=staff[4], role=builtin, store=stores[0], reason="b"), second)
    services.role_update(actor=first, role=shop, permissions=LOW_RISK[1:6])
    role_cache.invalidate()  # what the after-commit version bump does for every process
    for person, store, code in [
        (staff[0], stores[1], LOW_RISK[7]),
        (staff[1], stores[2], LOW_RISK[8]),
        (staff[4], stores[3], LOW_RISK[7]),
    ]:
        services.exception_grant(
            actor=first,
            staff=person,
            store=store,
            permission=code,
            reason="e",
            expires_at=now + timedelta(hours=1) if person == staff[1] else None,
        )
    services.bindings_bulk_revoke(
        actor=first,
        reason="r",
        bindings=RoleBinding.objects.live().filter(role=shop, staff=staff[0], store__in=stores[:2]),
    )
    services.binding_revoke(actor=first, reason="r", binding=RoleBinding.objects.live().get(staff=staff[3], role=shop))
    services.exception_revoke(actor=first, reason="r", grant=ExceptionGrant.objects.live().get(staff=staff[4]))
    services.expire_due(now=now + timedelta(hours=2))
    services.staff_offboard(actor=first, staff=staff[2], reason="left")
    services.role_delete(actor=first, role=spare, reason="unused")
    services.role_update(actor=first, role=shop, permissions=LOW_RISK[2:4])
    role_cache.invalidate()
    services.bindings_bulk_grant(actor=first, role=shop, staff=staff[:2], stores=stores, reason="again")
    return LOW_RISK[:9]


@pytest.mark.django_db
def test_portable_path_writes_the_same_guardian_rows_as_postgresql(world, guardian_only):
    with sync_path(portable=False):
        checked = _script(world)
        fast = guardian_rows()
        _check(world, checked)
    with sync_path(portable=True):
        checked = _script(world)
        portable = guardian_rows()
        _check(world, checked)
    assert fast["group_object_permissions"] and fast["memberships"] and fast["user_object_permissions"]
    assert fast["global_permissions"]
    assert portable == fast


@pytest.mark.django_db
def test_portable_grant_is_what_guardian_answers(world, guardian_only, roles):
    """On the portable path alone: a grant, then its revocation, as guardian and the hot path see them."""
    from guardian.shortcuts import get_objects_for_user

    first = world["sa"][0]
    person, store = world["staff"][0], world["stores"][0]
    role = services.role_create(actor=first, name="只读", permissions=["orders_view"])
    with sync_path(portable=True):
        binding = services.binding_grant(actor=first, staff=person, role=role, store=store, reason="g")
        fresh = get_user_model().objects.get(pk=person.pk)
        assert list(get_objects_for_user(fresh, "stores.orders_view", accept_global_perms=True)) == [store]
        assert load_permissions(fresh).has("orders_view", store.pk)
        services.binding_revoke(actor=first, binding=binding, reason="r")
        fresh = get_user_model().objects.get(pk=person.pk)
        assert not get_objects_for_user(fresh, "stores.orders_view", accept_global_perms=True).exists()
        assert not load_permissions(fresh).has("orders_view", store.pk)


@pytest.mark.django_db
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    role_codes=st.tuples(codes_st, codes_st),
    ops=st.lists(op_st, min_size=1, max_size=12),
    checked=st.lists(st.sampled_from(CODES), min_size=3, max_size=6, unique=True),
)
def test_random_operations_write_the_same_rows_on_both_paths(world, guardian_only, role_codes, ops, checked):
    def run():
        first = world["sa"][0]
        custom = [
            services.role_create(actor=first, name=f"随机角色{i}", permissions=codes)
            for i, codes in enumerate(role_codes)
        ]
        for op in ops:
            _apply(world, custom, op)
        services.expire_due()

    with sync_path(portable=False):
        run()
        fast = guardian_rows()
        _check(world, checked)
    with sync_path(portable=True):
        run()
        portable = guardian_rows()
        _check(world, checked)
    assert portable == fast
