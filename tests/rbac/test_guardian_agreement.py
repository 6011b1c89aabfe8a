"""Property: on random roles, bindings, exception grants, role edits, revocations and expiries (all made
through the services), django-guardian's own shortcuts give the same answers as the hot path.

- get_objects_for_user(user, P, accept_global_perms=True) == the stores where the PermissionSet has P;
- get_perms(user, store) == the store-level part of the PermissionSet (bindings on that store + exceptions);
- get_users_with_perms(store, only_with_perms_in=[P]) == the people with P on that store at store level
  (all-store holders are guardian *global* permissions, which get_objects_for_user covers).
guardian is asked with only its own backends installed, so our backend cannot answer for it.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user, get_perms, get_users_with_perms
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rbac import services
from rbac.models import AccessRequest, RoleBinding
from rbac.permissions import load_permissions, role_cache
from stores.catalogue import BY_CODENAME
from stores.models import Store
from tests.factories import StaffFactory, StoreFactory

CODES = sorted(BY_CODENAME)
N_STAFF, N_STORES = 5, 4

codes_st = st.frozensets(st.sampled_from(CODES), min_size=1, max_size=8)
op_st = st.one_of(
    st.tuples(st.just("grant"), st.integers(0, N_STAFF - 1), st.integers(0, 9), st.integers(-1, N_STORES - 1)),
    st.tuples(st.just("exception"), st.integers(0, N_STAFF - 1), st.sampled_from(CODES), st.integers(0, N_STORES - 1)),
    st.tuples(st.just("revoke"), st.integers(0, 50)),
    st.tuples(st.just("expire"), st.integers(0, 50)),
    st.tuples(st.just("edit"), st.integers(0, 1), codes_st),
)


@pytest.fixture
def world(super_admins, roles):
    staff = [StaffFactory() for _ in range(N_STAFF)]
    stores = [StoreFactory() for _ in range(N_STORES)]
    return {"staff": staff, "stores": stores, "builtin": list(roles.values()), "sa": super_admins}


def _grant(world, result):
    first, second = world["sa"]
    if isinstance(result, AccessRequest):
        services.access_request_approve(actor=second, access_request=result, reason="ok")


def _apply(world, custom, op):
    first = world["sa"][0]
    kind = op[0]
    if kind == "grant":
        _k, who, role_i, store_i = op
        role = (custom + world["builtin"])[role_i % (len(custom) + len(world["builtin"]))]
        store = None if store_i < 0 or role.is_super_admin else world["stores"][store_i]
        person = world["staff"][who]
        if RoleBinding.objects.live().filter(staff=person, role=role, store=store).exists():
            return
        _grant(world, services.binding_grant(actor=first, staff=person, role=role, store=store, reason="p"))
    elif kind == "exception":
        _k, who, code, store_i = op
        person, store = world["staff"][who], world["stores"][store_i]
        if person.exception_grants.live().filter(store=store, permission__codename=code).exists():
            return
        _grant(world, services.exception_grant(actor=first, staff=person, store=store, permission=code, reason="p"))
    elif kind in ("revoke", "expire"):
        live = list(RoleBinding.objects.live().filter(staff__in=world["staff"]).order_by("pk"))
        if not live:
            return
        binding = live[op[1] % len(live)]
        if kind == "revoke":
            services.binding_revoke(actor=first, binding=binding, reason="p")
        else:
            RoleBinding.objects.filter(pk=binding.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif kind == "edit":
        services.role_update(actor=first, role=custom[op[1]], permissions=op[2])
        role_cache.invalidate()  # what the after-commit version bump does for every process


def _check(world, checked_codes):
    User = get_user_model()
    stores = world["stores"]
    scope = Store.objects.filter(pk__in=[s.pk for s in stores])
    people = list(User.objects.filter(pk__in=[p.pk for p in world["staff"] + world["sa"]]))
    hot = {p.pk: load_permissions(p) for p in people}
    for person in people:
        fresh = User.objects.get(pk=person.pk)  # no permission caches carried over
        for store in stores:
            assert set(get_perms(fresh, store)) == set(hot[person.pk].per_store.get(store.pk, ())), (person, store)
        for code in checked_codes:
            guardian = set(
                get_objects_for_user(fresh, f"stores.{code}", scope, accept_global_perms=True).values_list(
                    "pk", flat=True
                )
            )
            assert guardian == {s.pk for s in stores if hot[person.pk].has(code, s.pk)}, (person, code)
    for store in stores:
        for code in checked_codes:
            guardian = set(get_users_with_perms(store, only_with_perms_in=[code]).values_list("pk", flat=True))
            expected = {pk for pk, perms in hot.items() if code in perms.per_store.get(store.pk, ())}
            assert guardian == expected, (store, code)


@pytest.mark.django_db
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    role_codes=st.tuples(codes_st, codes_st),
    ops=st.lists(op_st, min_size=1, max_size=12),
    checked=st.lists(st.sampled_from(CODES), min_size=3, max_size=6, unique=True),
)
def test_guardian_shortcuts_agree_with_the_hot_path(world, settings_override, role_codes, ops, checked):
    with transaction.atomic():
        role_cache.invalidate()
        first = world["sa"][0]
        custom = [
            services.role_create(actor=first, name=f"随机角色{i}", permissions=codes)
            for i, codes in enumerate(role_codes)
        ]
        for op in ops:
            _apply(world, custom, op)
        services.expire_due()
        _check(world, checked)
        transaction.set_rollback(True)
    role_cache.invalidate()


@pytest.fixture
def settings_override(settings):
    """Ask guardian with only Django's and guardian's own backends."""
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "guardian.backends.ObjectPermissionBackend",
    ]
    return settings
