"""The manager persona (issue "Managers", item 1): a department manager reads, without changing anything, the
people of their department, their grants and history, the audit trail by and about them, and the audit trail
of the stores where the manager holds a role; an 审计员 reads the audit log of chosen stores, or of all."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from audit.services import record
from core import context
from staff.models import Department
from tests.factories import StaffFactory, StoreFactory
from tests.rbac_fixtures import grant, roles, sa, super_admins  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(roles, grant):  # noqa: F811
    """客服部 managed by 张伟 (no role anywhere but 客服/售后 on his own store), with 王芳 in it; 仓储部 with 李强."""
    zhang = StaffFactory(name="张伟")
    service = Department.objects.create(name="客服部", manager=zhang)
    warehouse = Department.objects.create(name="仓储部")
    wang = StaffFactory(name="王芳", department=service)
    li = StaffFactory(name="李强", department=warehouse)
    zhang.department = service
    zhang.save()
    mine, theirs, far = StoreFactory(name="张伟的店"), StoreFactory(name="王芳的店"), StoreFactory(name="李强的店")
    grant(zhang, roles["customer_service"], mine)
    grant(wang, roles["customer_service"], theirs)
    grant(li, roles["inventory"], far)
    return {"zhang": zhang, "wang": wang, "li": li, "mine": mine, "theirs": theirs, "far": far}


def test_a_manager_reads_their_department_and_nothing_else(client, login, company):
    login(company["zhang"])
    listed = {p.name for p in client.get("/staff/").context["object_list"]}
    assert {"王芳", "张伟"} <= listed and "李强" not in listed
    page = client.get(f"/staff/{company['wang'].pk}/")
    assert page.status_code == 200 and "王芳的店" in page.content.decode()  # her roles, on a store he cannot see
    assert client.get(f"/staff/{company['li'].pk}/").status_code == 404
    assert client.get("/staff/departments/").status_code == 200


def test_a_manager_changes_nothing(client, login, company):
    login(company["zhang"])
    wang = company["wang"]
    assert client.get(f"/staff/{wang.pk}/edit/").status_code in (403, 404)
    assert client.post(f"/staff/{wang.pk}/edit/", {"name": "改名"}).status_code in (403, 404)
    wang.refresh_from_db()
    assert wang.name == "王芳"


def test_a_manager_reads_the_audit_trail_by_and_about_their_people_and_of_their_stores(client, login, company):
    wang, li = company["wang"], company["li"]
    with context.bound(source="web", actor_id=wang.pk, actor_display=str(wang)):
        record("case.handle", target_type="orders.aftersalescase", target_id=1, store=company["theirs"])
    record("staff.update", target=wang, before={"mobile": "1"}, after={"mobile": "2"})
    record("store.update", target=company["mine"], store=company["mine"])
    with context.bound(source="web", actor_id=li.pk, actor_display=str(li)):
        record("stock.threshold", target_type="orders.stocklevel", target_id=2, store=company["far"])
    record("staff.update", target=li, before={"mobile": "1"}, after={"mobile": "2"})
    login(company["zhang"])
    response = client.get("/audit/")
    assert response.status_code == 200
    seen = {(e.action, e.target_id) for e in response.context["events"]}
    assert ("case.handle", "1") in seen  # by his person, on a store he cannot see
    assert ("staff.update", str(wang.pk)) in seen  # about his person
    assert ("store.update", str(company["mine"].pk)) in seen  # of his own store
    assert ("stock.threshold", "2") not in seen and ("staff.update", str(li.pk)) not in seen
    theirs = AuditEvent.objects.get(action="staff.update", target_id=str(li.pk))
    assert client.get(f"/audit/{theirs.pk}/").status_code == 404


def test_an_auditor_reads_the_log_of_their_stores_or_of_all(client, login, roles, grant, sa):  # noqa: F811
    first, second = StoreFactory(), StoreFactory()
    record("store.update", target=first, store=first)
    record("store.update", target=second, store=second)
    record("security.policy_update", reason="company-wide")
    auditor = StaffFactory()
    grant(auditor, roles["auditor"], first)
    login(auditor)
    actions = {(e.action, e.store_id) for e in client.get("/audit/").context["events"]}
    assert ("store.update", first.pk) in actions and ("store.update", second.pk) not in actions
    whole = StaffFactory()
    grant(whole, roles["auditor"], None)
    client.logout()
    login(whole)
    actions = {(e.action, e.store_id) for e in client.get("/audit/").context["events"]}
    assert {("store.update", first.pk), ("store.update", second.pk), ("security.policy_update", None)} <= actions
    assert client.get(f"/stores/{first.pk}/edit/").status_code == 403  # reads, changes nothing


def test_the_navigation_offers_a_manager_the_staff_and_the_audit_log(client, login, company):
    login(company["zhang"])
    body = client.get("/").content.decode()
    assert 'href="/staff/"' in body and 'href="/audit/"' in body
    assert 'href="/security/"' not in body
