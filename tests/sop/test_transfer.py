"""Transfer (调岗): moving to another position shows the new position's default roles to add on the person's stores
and the old position's roles to remove; applied as one audited change with approvals where the policy needs them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from rbac.models import AccessRequest, PositionRole, RequestStatus, RoleBinding
from sop.lifecycle.transfer import staff_transfer, transfer_plan
from tests.factories import DepartmentFactory, PositionFactory, RoleFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """Messages are asserted in English (the source language); pages follow the request's language."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def move(grant, roles):
    reports = RoleFactory(name="报表查看", permissions=["reports_view"])
    stock = RoleFactory(name="库存查看", permissions=["inventory_view"])
    old = PositionFactory(name="运营-数据")
    new = PositionFactory(name="仓储", department=DepartmentFactory(name="仓储部"))
    PositionRole.objects.create(position=old, role=reports)
    PositionRole.objects.create(position=new, role=stock)
    PositionRole.objects.create(position=new, role=roles["customer_service"])  # high-risk: waits for approval
    store = StoreFactory(name="泰国店")
    person = StaffFactory(name="调岗者", position=old, department=old.department)
    grant(person, reports, store)
    return {"person": person, "old": old, "new": new, "reports": reports, "stock": stock, "store": store}


def test_the_plan_adds_the_new_positions_roles_and_removes_the_old_ones(sa, roles, move):
    plan = transfer_plan(actor=sa, staff=move["person"], position=move["new"])
    assert {(p.role.name, p.store.name, p.outcome) for p in plan.add} == {
        ("库存查看", "泰国店", "grant"),
        ("客服/售后", "泰国店", "request"),
    }
    assert [(b.role.name, b.store.name) for b in plan.remove] == [("报表查看", "泰国店")]


def test_applied_as_one_audited_change_with_approvals(sa, roles, move):
    person = move["person"]
    plan = transfer_plan(actor=sa, staff=person, position=move["new"])
    first = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    done = staff_transfer(
        actor=sa,
        staff=person,
        department=move["new"].department,
        position=move["new"],
        add=[(p.role, p.store) for p in plan.add],
        remove=plan.remove,
        reason="调岗到仓储",
    )
    person.refresh_from_db()
    assert person.position == move["new"] and person.department == move["new"].department
    assert set(RoleBinding.objects.live().filter(staff=person).values_list("role__name", flat=True)) == {"库存查看"}
    assert AccessRequest.objects.get(staff=person, status=RequestStatus.PENDING).role == roles["customer_service"]
    assert (len(done.bindings), len(done.requests), done.revoked) == (1, 1, 1)
    events = AuditEvent.objects.filter(pk__gt=first)
    assert len({e.request_id for e in events}) == 1
    actions = set(events.values_list("action", flat=True))
    assert {"staff.update", "binding.grant", "access_request.create", "binding.revoke", "staff.transfer"} <= actions


def test_nothing_changes_when_a_grant_is_refused(move, roles):
    admin = StaffFactory(name="只管A店")
    other = StoreFactory(name="别的店")
    person = move["person"]
    with pytest.raises((PermissionDenied, ValidationError)):
        staff_transfer(
            actor=admin,
            staff=person,
            department=None,
            position=move["new"],
            add=[(move["stock"], other)],
            remove=[],
            reason="x",
        )
    person.refresh_from_db()
    assert person.position == move["old"]


def test_the_page_shows_the_plan_then_applies_what_stays_ticked(client, login, sa, move):
    person = move["person"]
    login(sa)
    url = reverse("sop:staff_transfer", args=[person.pk])
    assert client.get(url).status_code == 200
    data = {"department": move["new"].department.pk, "position": move["new"].pk}
    preview = client.post(url, data)
    assert preview.status_code == 200 and preview.context["plan"].remove
    plan = preview.context["plan"]
    keep_stock = [p.key for p in plan.add if p.role == move["stock"]]
    response = client.post(url, {**data, "confirm": "1", "add": keep_stock, "reason": "调岗"})  # nothing removed
    assert response.status_code == 302
    names = set(RoleBinding.objects.live().filter(staff=person).values_list("role__name", flat=True))
    assert names == {"库存查看", "报表查看"}
    assert not AccessRequest.objects.filter(staff=person).exists()
