"""The hot path: one query per request, expiry to the microsecond, the role map's Redis version, the backend."""

from datetime import timedelta

import pytest
from django.utils import timezone
from guardian.core import ObjectPermissionChecker

from audit.models import AuditEvent
from core.permissions import permissions_of
from rbac import services
from rbac.models import RoleBinding
from rbac.permissions import RoleCache, load_permissions, role_cache
from tests.factories import (
    ExceptionGrantFactory,
    RoleBindingFactory,
    RoleFactory,
    StaffFactory,
    StoreFactory,
    SuperuserFactory,
    store_permission,
)

pytestmark = pytest.mark.django_db


def test_loads_store_roles_all_store_roles_and_exceptions_in_one_query(roles, django_assert_num_queries):
    person, a, b, c = StaffFactory(), StoreFactory(), StoreFactory(), StoreFactory()
    RoleBindingFactory(staff=person, role=roles["customer_service"], store=a)
    RoleBindingFactory(staff=person, role=roles["listing_editor"], store=a)
    RoleBindingFactory(staff=person, role=roles["ads"], store=b)
    RoleBindingFactory(staff=person, role=RoleFactory(permissions=["reports_view"]), store=None)
    ExceptionGrantFactory(staff=person, store=c, permission=store_permission("finance_export"))
    role_cache.get()  # warm, as in any process past its first request

    with django_assert_num_queries(1):
        perms = load_permissions(person)

    assert perms.has("after_sales_approve_refund", a.pk) and perms.has("products_change_price", a.pk)
    assert perms.has("ads_change_budget", b.pk) and not perms.has("orders_view", b.pk)
    assert perms.has("finance_export", c.pk) and not perms.has("finance_view", c.pk)
    assert perms.has("reports_view", StoreFactory().pk)  # all-store role: every store, present and future
    assert not perms.super_admin


def test_a_new_role_unknown_to_the_cached_map_is_picked_up(roles):
    person, store = StaffFactory(), StoreFactory()
    role_cache.get()
    RoleBindingFactory(staff=person, role=RoleFactory(permissions=["shipping_operate"]), store=store)
    assert load_permissions(person).has("shipping_operate", store.pk)


def test_a_binding_grants_nothing_from_the_exact_moment_it_expires(roles):
    person, store = StaffFactory(), StoreFactory()
    at = timezone.now() + timedelta(hours=1)
    RoleBindingFactory(staff=person, role=roles["customer_service"], store=store, expires_at=at)
    ExceptionGrantFactory(staff=person, store=store, expires_at=at)

    before = load_permissions(person, now=at - timedelta(microseconds=1))
    assert before.has("orders_view", store.pk) and before.has("finance_export", store.pk)
    after = load_permissions(person, now=at)
    assert not after.has("orders_view", store.pk) and not after.has("finance_export", store.pk)


def test_revoked_bindings_grant_nothing(roles):
    person, store = StaffFactory(), StoreFactory()
    RoleBindingFactory(staff=person, role=roles["customer_service"], store=store, revoked_at=timezone.now())
    assert not load_permissions(person).has_anywhere("orders_view")


def test_super_admin_by_binding_or_django_superuser(roles):
    bound = StaffFactory()
    RoleBindingFactory(staff=bound, role=roles["super_admin"], store=None)
    assert load_permissions(bound).super_admin
    assert load_permissions(SuperuserFactory()).super_admin
    inactive = SuperuserFactory(is_active=False)
    assert not permissions_of(inactive).super_admin


def test_role_edit_reaches_other_processes_through_the_redis_version(
    roles, sa, store, django_capture_on_commit_callbacks
):
    role = RoleFactory(permissions=["orders_view"])
    other_process = RoleCache()
    other_process.max_age = 3600  # would never revalidate on its own within the test
    assert other_process.get().perms[role.pk] == {"orders_view"}

    with django_capture_on_commit_callbacks(execute=True):
        services.role_update(actor=sa, role=role, permissions=["orders_view", "orders_operate"])

    assert other_process.get().perms[role.pk] == {"orders_view"}  # within its TTL: the cached map
    other_process.max_age = 0  # its second has passed: it checks the version key
    assert other_process.get().perms[role.pk] == {"orders_view", "orders_operate"}


def test_role_edit_changes_what_every_holder_may_do_at_once(roles, sa, store, django_capture_on_commit_callbacks):
    role = RoleFactory(permissions=["orders_view"])
    holders = [StaffFactory(), StaffFactory()]
    for person in holders:
        services.binding_grant(actor=sa, staff=person, role=role, store=store, reason="r")
    with django_capture_on_commit_callbacks(execute=True):
        services.role_update(actor=sa, role=role, permissions=["orders_view", "shipping_operate"])
    for person in holders:
        assert load_permissions(person).has("shipping_operate", store.pk)
        assert "shipping_operate" in ObjectPermissionChecker(person).get_perms(store)


def test_redis_unreachable_falls_back_to_the_database(roles):
    cache = RoleCache()
    import redis

    cache._client = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.1, socket_timeout=0.1)
    cache.max_age = 0
    role = RoleFactory(permissions=["orders_view"])
    assert cache.read_version() is None
    assert cache.get().perms[role.pk] == {"orders_view"}
    role.permissions.add(store_permission("orders_operate"))
    assert cache.get().perms[role.pk] == {"orders_view", "orders_operate"}  # reloaded, no crash


class TestBackend:
    def test_has_perm_with_a_store_answers_from_the_bindings(self, roles):
        person, mine, other = StaffFactory(), StoreFactory(), StoreFactory()
        RoleBindingFactory(staff=person, role=roles["customer_service"], store=mine)
        assert person.has_perm("stores.after_sales_approve_refund", mine)
        assert not person.has_perm("stores.after_sales_approve_refund", other)
        assert not person.has_perm("stores.products_change_price", mine)
        assert not person.has_perm("stores.orders_view")  # without a store: only all-store permissions

    def test_has_perm_without_a_store_means_all_stores(self, roles):
        person = StaffFactory()
        RoleBindingFactory(staff=person, role=RoleFactory(permissions=["reports_view"]), store=None)
        assert person.has_perm("stores.reports_view")
        assert person.has_perm("stores.reports_view", StoreFactory())
        assert person.get_all_permissions() >= {"stores.reports_view"}

    def test_an_expired_binding_is_refused_even_before_the_sweep_removes_guardians_row(self, sa, store):
        person = StaffFactory()
        role = RoleFactory(permissions=["orders_view"])
        binding = services.binding_grant(
            actor=sa,
            staff=person,
            role=role,
            store=store,
            reason="cover",
            expires_at=timezone.now() + timedelta(hours=1),
        )
        RoleBinding.objects.filter(pk=binding.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        assert ObjectPermissionChecker(person).has_perm("orders_view", store)  # guardian: not swept yet
        assert not StaffFactory._meta.model.objects.get(pk=person.pk).has_perm("stores.orders_view", store)

        counts = services.expire_due()

        assert counts["bindings"] == 1
        assert not ObjectPermissionChecker(person).has_perm("orders_view", store)
        event = AuditEvent.objects.get(action="binding.expire")
        assert event.store_id == store.pk and event.target_id == str(binding.pk)
        binding.refresh_from_db()
        assert binding.expired and binding.revoked_at is not None

    def test_other_apps_permissions_fall_through_to_django(self):
        person = StaffFactory()
        assert not person.has_perm("auth.add_group")
        from django.contrib.auth.models import Permission

        person.user_permissions.add(Permission.objects.get(codename="add_group"))
        person = StaffFactory._meta.model.objects.get(pk=person.pk)
        assert person.has_perm("auth.add_group")

    def test_inactive_people_hold_nothing(self, roles):
        person, store = StaffFactory(), StoreFactory()
        RoleBindingFactory(staff=person, role=roles["store_admin"], store=store)
        person.is_active = False
        assert not person.has_perm("stores.orders_view", store)
