"""Bulk grant and revoke: a preview that writes nothing, then an apply whose cost does not grow with
the number of stores or people; guardian and the audit chain stay in step."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import get_objects_for_user

from audit.models import AuditEvent
from audit.services import verify_chain
from rbac import services
from rbac.models import AccessRequest, RoleBinding
from rbac.permissions import load_permissions, role_cache
from stores.models import Store
from tests.factories import RoleFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plain_role(db):
    return RoleFactory(permissions=["orders_view", "shipping_view", "reports_view"])


def _queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx.captured_queries), result


def test_the_preview_writes_nothing_and_says_what_would_change(sa, grant, plain_role):
    person = StaffFactory()
    stores = [StoreFactory() for _ in range(4)]
    grant(person, plain_role, stores[0])
    bindings, events = RoleBinding.objects.count(), AuditEvent.objects.count()

    plan = services.bindings_bulk_grant_plan(actor=sa, role=plain_role, staff=person, stores=stores)

    assert [s for _p, s in plan.unchanged] == [stores[0]]
    assert [s for _p, s in plan.grant] == stores[1:]
    assert not plan.request and not plan.refused
    assert RoleBinding.objects.count() == bindings and AuditEvent.objects.count() == events


def test_one_role_to_one_person_on_many_stores_costs_the_same_for_5_or_60(sa, plain_role):
    small, large = [StoreFactory() for _ in range(5)], [StoreFactory() for _ in range(60)]
    someone, person = StaffFactory(), StaffFactory()
    role_cache.get()  # warm, as in a running process
    n_small, _ = _queries(
        lambda: services.bindings_bulk_grant(actor=sa, role=plain_role, staff=someone, stores=small, reason="r")
    )
    n_large, result = _queries(
        lambda: services.bindings_bulk_grant(actor=sa, role=plain_role, staff=person, stores=large, reason="r")
    )
    assert n_large == n_small
    assert len(result.bindings) == 60
    assert set(get_objects_for_user(person, "stores.shipping_view", Store)) == set(large)
    assert load_permissions(person).stores_with("shipping_view") == {s.pk for s in large}
    assert AuditEvent.objects.filter(action="binding.grant", store__in=[s.pk for s in large]).count() == 60
    assert verify_chain()[1] is None


def test_one_role_on_one_store_to_many_people(sa, plain_role, store):
    people = [StaffFactory() for _ in range(12)]
    result = services.bindings_bulk_grant(actor=sa, role=plain_role, staff=people, stores=[store], reason="team")
    assert {b.staff_id for b in result.bindings} == {p.pk for p in people}
    assert all(load_permissions(p).has("orders_view", store.pk) for p in people)


def test_store_admin_bulk_grant_refuses_stores_they_do_not_manage(grant, roles, plain_role, store, other_store):
    admin = StaffFactory()
    grant(admin, roles["store_admin"], store)
    person = StaffFactory()
    plan = services.bindings_bulk_grant_plan(actor=admin, role=plain_role, staff=person, stores=[store, other_store])
    assert [s for _p, s in plan.grant] == [store]
    assert [(r.store, r.denied) for r in plan.refused] == [(other_store, True)]
    result = services.bindings_bulk_grant(
        actor=admin, role=plain_role, staff=person, stores=[store, other_store], reason="r"
    )
    assert [b.store for b in result.bindings] == [store]


def test_high_risk_bulk_grant_opens_one_batch_that_is_approved_at_once(super_admins, roles):
    first, second = super_admins
    person, stores = StaffFactory(), [StoreFactory() for _ in range(8)]
    result = services.bindings_bulk_grant(
        actor=first, role=roles["customer_service"], staff=person, stores=stores, reason="new hire"
    )
    assert not result.bindings and len(result.requests) == 8
    assert len({r.batch for r in result.requests}) == 1 and result.requests[0].batch is not None

    created = services.access_requests_bulk_approve(
        actor=second, requests=AccessRequest.objects.filter(batch=result.requests[0].batch), reason="ok"
    )

    assert len(created) == 8
    approval = AuditEvent.objects.get(action="access_request.approve")  # one event for the batch
    assert len(approval.after["requests"]) == 8 and len(approval.after["stores"]) == 8
    assert AuditEvent.objects.filter(action="binding.grant", store__in=[s.pk for s in stores]).count() == 8
    assert load_permissions(person).stores_with("after_sales_approve_refund") == {s.pk for s in stores}
    assert AccessRequest.objects.filter(batch=result.requests[0].batch, status="approved").count() == 8


def test_bulk_revoke_costs_the_same_for_5_or_40_and_keeps_guardian_in_step(sa, plain_role):
    def setup(n):
        person = StaffFactory()
        stores = [StoreFactory() for _ in range(n)]
        services.bindings_bulk_grant(actor=sa, role=plain_role, staff=person, stores=stores, reason="r")
        return person, stores

    few, _ = setup(5)
    many, many_stores = setup(40)
    n_few, _ = _queries(
        lambda: services.bindings_bulk_revoke(actor=sa, bindings=RoleBinding.objects.filter(staff=few), reason="moved")
    )
    n_many, plan = _queries(
        lambda: services.bindings_bulk_revoke(actor=sa, bindings=RoleBinding.objects.filter(staff=many), reason="moved")
    )

    assert n_many == n_few and len(plan.revoke) == 40
    assert not get_objects_for_user(many, "stores.orders_view", Store).exists()
    assert not many.groups.exists()
    assert RoleBinding.objects.filter(staff=many, revoked_at__isnull=False).count() == 40  # history kept
    assert AuditEvent.objects.filter(action="binding.revoke", store__in=[s.pk for s in many_stores]).count() == 40
    assert verify_chain()[1] is None


def test_revoke_preview_lists_ended_and_refused(grant, roles, plain_role, store, other_store):
    admin = StaffFactory()
    grant(admin, roles["store_admin"], store)
    person = StaffFactory()
    here, there = grant(person, plain_role, store), grant(person, plain_role, other_store)
    services.binding_revoke(actor=admin, binding=here, reason="r")
    plan = services.bindings_bulk_revoke_plan(actor=admin, bindings=[here, there])
    assert plan.unchanged == [here] and [r.binding for r in plan.refused] == [there] and not plan.revoke


def test_applying_the_previewed_grant_plan_writes_it(sa, plain_role):
    person, stores = StaffFactory(), [StoreFactory() for _ in range(3)]
    key = services.bindings_bulk_grant_plan(actor=sa, role=plain_role, staff=person, stores=stores).key

    result = services.bindings_bulk_grant(
        actor=sa, role=plain_role, staff=person, stores=stores, reason="r", expected_plan=key
    )

    assert {b.store_id for b in result.bindings} == {s.pk for s in stores}


def test_a_grant_plan_that_changed_since_the_preview_writes_nothing(sa, grant, plain_role):
    """The API and the pages alike: a confirmation carries the previewed plan's key, and the service
    refuses (PlanChanged, a ValidationError) when the plan it would apply now is not that one."""
    person, stores = StaffFactory(), [StoreFactory() for _ in range(3)]
    key = services.bindings_bulk_grant_plan(actor=sa, role=plain_role, staff=person, stores=stores).key
    grant(person, plain_role, stores[1])  # someone else, in between
    bindings, events = RoleBinding.objects.count(), AuditEvent.objects.count()

    with pytest.raises(services.PlanChanged) as caught:
        services.bindings_bulk_grant(
            actor=sa, role=plain_role, staff=person, stores=stores, reason="r", expected_plan=key
        )

    assert caught.value.code == "plan_changed"
    assert (RoleBinding.objects.count(), AuditEvent.objects.count()) == (bindings, events)


def test_a_revoke_plan_that_changed_since_the_preview_writes_nothing(sa, grant, plain_role):
    person, stores = StaffFactory(), [StoreFactory() for _ in range(3)]
    for s in stores:
        grant(person, plain_role, s)
    live = RoleBinding.objects.live().filter(staff=person)
    key = services.bindings_bulk_revoke_plan(actor=sa, bindings=live).key
    services.binding_revoke(actor=sa, binding=live.first(), reason="someone else, in between")
    events = AuditEvent.objects.count()

    with pytest.raises(services.PlanChanged):
        services.bindings_bulk_revoke(
            actor=sa, bindings=RoleBinding.objects.filter(staff=person), reason="r", expected_plan=key
        )
    assert (live.count(), AuditEvent.objects.count()) == (2, events)

    fresh = services.bindings_bulk_revoke_plan(actor=sa, bindings=RoleBinding.objects.filter(staff=person)).key
    applied = services.bindings_bulk_revoke(
        actor=sa, bindings=RoleBinding.objects.filter(staff=person), reason="r", expected_plan=fresh
    )
    assert (len(applied.revoke), live.count()) == (2, 0)
