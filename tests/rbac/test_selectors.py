"""Reads the pages build on: the grid, my duties, why, holders, pending approvals, stores where."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.permissions import permissions_of
from rbac import selectors, services
from rbac.permissions import role_cache
from tests.factories import (
    ExceptionGrantFactory,
    RoleBindingFactory,
    RoleFactory,
    StaffFactory,
    StoreFactory,
    store_permission,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def store_admin(grant, roles, store):
    person = StaffFactory(name="店长")
    grant(person, roles["store_admin"], store)
    return person


def _count(fn):
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx.captured_queries), result


def test_grid_costs_a_fixed_number_of_queries_and_shows_roles_per_cell(sa, roles):
    role_cache.get()

    def viewer():  # a fresh user object per "request", as the middleware gives
        return StaffFactory._meta.model.objects.get(pk=sa.pk)

    def build(n_staff, n_stores):
        stores = [StoreFactory() for _ in range(n_stores)]
        people = [StaffFactory() for _ in range(n_staff)]
        for i, person in enumerate(people):
            RoleBindingFactory(staff=person, role=roles["customer_service"], store=stores[i % n_stores])
            RoleBindingFactory(staff=person, role=roles["ads"], store=stores[(i + 1) % n_stores])
        return stores, people

    build(3, 3)
    small, _ = _count(lambda: selectors.assignment_grid(viewer=viewer()))
    stores, people = build(40, 25)
    large, grid = _count(lambda: selectors.assignment_grid(viewer=viewer(), staff_limit=500))
    assert small == large <= 8
    row = next(r for r in grid.rows if r.staff.pk == people[0].pk)
    column = [s.pk for s in grid.stores].index(stores[0].pk)
    assert [r.key for r in row.cells[column]] == ["customer_service"]
    assert any(r.key == "super_admin" for r in next(r for r in grid.rows if r.staff.pk == sa.pk).everywhere)


def test_grid_shows_a_store_admin_only_their_store(store_admin, grant, store, other_store, roles):
    here, there = StaffFactory(), StaffFactory()
    grant(here, RoleFactory(permissions=["orders_view"]), store)
    grant(there, RoleFactory(permissions=["orders_view"]), other_store)
    grid = selectors.assignment_grid(viewer=store_admin)
    assert grid.stores == [store]
    assert {r.staff.pk for r in grid.rows} >= {here.pk} and there.pk not in {r.staff.pk for r in grid.rows}


def test_my_duties(grant, roles, store, other_store, store_admin):
    me = StaffFactory()
    grant(me, roles["customer_service"], store, expires_at=timezone.now() + timedelta(days=2))
    owned = StoreFactory(primary_owner=me)
    services.access_request_create(actor=me, staff=me, role=roles["listing_editor"], store=store, reason="cover")
    duties = selectors.my_duties(viewer=me)
    by_store = {d.store.pk: d for d in duties.stores}
    assert [b.role.key for b in by_store[store.pk].bindings] == ["customer_service"]
    assert by_store[owned.pk].is_primary and not by_store[owned.pk].bindings
    plain = {p.codename for _m, perms in by_store[store.pk].permissions for p in perms}
    assert "after_sales_approve_refund" in plain and "products_change_price" not in plain
    assert [x.role.key for x in duties.expiring] == ["customer_service"]
    assert len(duties.my_requests) == 1 and not duties.to_decide
    assert len(selectors.my_duties(viewer=store_admin).to_decide) == 1


def test_why_lists_the_bindings_and_approvals(grant, roles, store, store_admin, other_store):
    person = StaffFactory()
    binding = grant(person, roles["customer_service"], store)
    why = selectors.permission_explanation(
        viewer=store_admin, staff=person, perm="after_sales_approve_refund", store=store
    )
    assert why.allowed and why.bindings == [binding] and binding.request is not None
    assert why.bindings[0].request.decided_by is not None
    nope = selectors.permission_explanation(viewer=store_admin, staff=person, perm="products_change_price", store=store)
    assert not nope.allowed and not nope.bindings
    with pytest.raises(PermissionDenied):
        selectors.permission_explanation(viewer=store_admin, staff=person, perm="orders_view", store=other_store)


def test_holders_of_a_store(grant, store, store_admin, sa, other_store):
    clerk = StaffFactory()
    grant(clerk, RoleFactory(permissions=["orders_view"]), store)
    ExceptionGrantFactory(staff=clerk, store=store, permission=store_permission("reports_export"))
    holders = {h.staff.pk: h for h in selectors.store_holders(viewer=store_admin, store=store)}
    assert holders[store.primary_owner_id].is_primary and holders[store.backup_owner_id].is_backup
    assert len(holders[clerk.pk].bindings) == 1 and len(holders[clerk.pk].exceptions) == 1
    assert holders[sa.pk].everywhere
    with pytest.raises(PermissionDenied):
        selectors.store_holders(viewer=store_admin, store=other_store)


def test_pending_requests_for_an_approver(grant, roles, store, other_store, store_admin, super_admins):
    mine = services.binding_grant(
        actor=super_admins[0], staff=StaffFactory(), role=roles["ads"], store=store, reason="r"
    )
    services.binding_grant(
        actor=super_admins[0], staff=StaffFactory(), role=roles["ads"], store=other_store, reason="r"
    )
    own = services.binding_grant(actor=store_admin, staff=StaffFactory(), role=roles["ads"], store=store, reason="r")
    pending = selectors.access_requests_pending_for(approver=store_admin)
    assert pending == [mine]
    assert own in selectors.access_requests_pending_for(approver=super_admins[1])


def test_stores_where_is_one_query_on_top_of_the_requests_permission_set(roles):
    person = StaffFactory()
    stores = [StoreFactory() for _ in range(5)]
    RoleBindingFactory(staff=person, role=roles["customer_service"], store=stores[0])
    RoleBindingFactory(staff=person, role=roles["ads"], store=stores[1])
    ExceptionGrantFactory(staff=person, store=stores[2], permission=store_permission("orders_view"))
    RoleBindingFactory(
        staff=person, role=roles["customer_service"], store=stores[3], expires_at=timezone.now() - timedelta(seconds=1)
    )
    role_cache.get()
    permissions_of(person)  # every request has loaded it already
    n, found = _count(lambda: set(selectors.stores_where(user=person, perm="orders_view")))
    assert n == 1 and found == {stores[0], stores[2]}
    RoleBindingFactory(staff=person, role=RoleFactory(permissions=["orders_view"]), store=None)
    role_cache.invalidate()  # what role_create's after-commit version bump does
    fresh = StaffFactory._meta.model.objects.get(pk=person.pk)  # the next request
    assert set(selectors.stores_where(user=fresh, perm="orders_view")) >= set(stores)


def test_staff_with_perm_and_grantable_roles(grant, roles, store, store_admin):
    clerk = StaffFactory()
    grant(clerk, roles["customer_service"], store)
    assert clerk in selectors.staff_with_perm(store=store, perm="after_sales_approve_refund")
    assert store_admin in selectors.staff_with_role(store=store, role_key="store_admin")
    junior = StaffFactory()
    grant(
        junior,
        RoleFactory(permissions=["users_manage", "products_view", "products_operate", "products_change_price"]),
        store,
    )
    keys = {r.key for r in selectors.grantable_roles(viewer=junior, store=store)}
    assert "listing_editor" in keys and "customer_service" not in keys and "super_admin" not in keys
