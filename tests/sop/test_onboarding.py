"""Onboarding (入职): the colleague created with a first password they must change, the position's default roles on
the chosen stores granted through the approval policy (high-risk ones wait as requests), the WeCom member created
(or a checklist item done by hand with WeCom's words), and the onboarding checklist with a platform sheet per store."""

import pytest
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from rbac.models import AccessRequest, PositionRole, RequestStatus, RoleBinding
from sop.lifecycle.onboarding import proposals_for, staff_onboard
from sop.models import Checklist, ChecklistKind
from staff.models import Staff
from tests.factories import DepartmentFactory, PositionFactory, RoleFactory, StaffFactory, StoreFactory
from tests.staff.wecom_fixtures import wecom  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """Messages are asserted in English (the source language); pages follow the request's language."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def setting(roles):
    manager = StaffFactory(name="客服主管")
    department = DepartmentFactory(name="客服部", manager=manager)
    position = PositionFactory(name="客服-初级", department=department)
    plain = RoleFactory(name="报表查看", permissions=["reports_view"])
    PositionRole.objects.create(position=position, role=roles["customer_service"])
    PositionRole.objects.create(position=position, role=plain)
    shopee = StoreFactory(name="泰国店", platform="shopee", site="TH")
    ozon = StoreFactory(name="莫斯科店", platform="ozon", site="RU")
    return {
        "manager": manager,
        "department": department,
        "position": position,
        "plain": plain,
        "stores": [shopee, ozon],
    }


def profile(setting, **changes):
    data = {
        "username": "newbie",
        "name": "新同事",
        "employee_id": "E-NEW-1",
        "mobile": "13900001111",
        "email": "",
        "wecom_userid": "newbie",
        "department": setting["department"],
        "position": setting["position"],
    }
    return {**data, **changes}


def onboard(sa, setting, **changes):
    stores = setting["stores"]
    roles = [pr.role for pr in PositionRole.objects.filter(position=setting["position"]).select_related("role")]
    proposals = proposals_for(actor=sa, roles=roles, stores=stores)
    picks = [(p.role, p.store) for p in proposals]
    return staff_onboard(
        actor=sa, profile=profile(setting, **changes), stores=stores, picks=picks, reason="new hire"
    ), proposals


def test_onboarding_creates_grants_through_the_policy_and_makes_the_checklist(sa, roles, setting):
    first = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    done, proposals = onboard(sa, setting)

    assert {(p.role.name, p.outcome) for p in proposals} == {("报表查看", "grant"), ("客服/售后", "request")}
    person = Staff.objects.get(username="newbie")
    assert person.must_change_password and person.check_password(done.password)
    live = set(RoleBinding.objects.live().filter(staff=person).values_list("role__name", "store__name"))
    assert live == {("报表查看", "泰国店"), ("报表查看", "莫斯科店")}
    pending = AccessRequest.objects.filter(staff=person, status=RequestStatus.PENDING)
    assert set(pending.values_list("role__name", "store__name")) == {("客服/售后", "泰国店"), ("客服/售后", "莫斯科店")}

    checklist = Checklist.objects.get(kind=ChecklistKind.ONBOARDING, subject=person)
    assert checklist.assignee == setting["manager"]  # the department manager looks after it
    items = list(checklist.items.order_by("position"))
    wecom_item = items[0]
    assert "WeCom" in wecom_item.section and not wecom_item.done  # sync is off: to be done by hand
    sheets = {i.store.name: i.data["sheet"] for i in items if i.data.get("sheet")}
    assert sheets["泰国店"]["platform"] == "shopee"
    ticks = {line["tick"]: line for line in sheets["泰国店"]["lines"]}
    assert any("Return/Refund" in t for t in ticks)
    assert any("approve-refund" in line["gap"] for line in ticks.values())
    assert any("Менеджер склада" in line["tick"] for line in sheets["莫斯科店"]["lines"])
    titles = [i.title for i in items]
    assert any("Second factor" in t for t in titles)
    assert len(titles) > 5  # training items and practice tasks follow

    events = AuditEvent.objects.filter(pk__gt=first)
    assert {e.request_id for e in events} == {events.first().request_id}
    actions = set(events.values_list("action", flat=True))
    assert {"staff.create", "binding.grant", "access_request.create", "checklist.create", "staff.onboard"} <= actions
    story = events.get(action="staff.onboard")
    assert story.after["password"] == "generated" and done.password not in str(story.after)


def test_the_wecom_member_is_created_and_its_item_done_by_the_console(sa, setting, wecom):  # noqa: F811
    done, _p = onboard(sa, setting)
    assert done.wecom.ok
    members = {m["userid"] for m in wecom.control.wecom_corp_get(wecom.corpid)["members"]}
    assert "newbie" in members
    item = done.checklist.items.get(section="WeCom")
    assert item.done and item.automatic


def test_a_wecom_error_becomes_an_item_done_by_hand_with_what_to_do(sa, setting, wecom):  # noqa: F811
    done, _p = onboard(sa, setting, wecom_userid="zhangwei", username="zhang2")  # the userid is taken in WeCom
    assert not done.wecom.ok and not done.wecom.skipped
    item = done.checklist.items.get(section="WeCom")
    assert not item.done and not item.automatic
    assert done.wecom.message in item.note and item.data["errcode"] == done.wecom.errcode
    assert Staff.objects.filter(username="zhang2").exists()  # the colleague exists all the same


def test_the_page_proposes_then_creates_and_shows_the_password_once(client, login, sa, setting):
    login(sa)
    url = reverse("sop:staff_onboard")
    assert client.get(url).status_code == 200
    data = {
        "name": "页面新人",
        "username": "pagenew",
        "employee_id": "E-PAGE-1",
        "department": setting["department"].pk,
        "position": setting["position"].pk,
        "stores": [s.pk for s in setting["stores"]],
        "reason": "new hire",
    }
    preview = client.post(url, data)
    assert preview.status_code == 200 and not Staff.objects.filter(username="pagenew").exists()
    keys = [p.key for p in preview.context["proposals"] if p.role == setting["plain"]]
    created = client.post(url, {**data, "confirm": "1", "pick": keys})
    assert created.status_code == 200 and created["Cache-Control"] == "no-store"
    person = Staff.objects.get(username="pagenew")
    assert created.context["done"].password in created.content.decode()
    assert set(RoleBinding.objects.live().filter(staff=person).values_list("role", flat=True)) == {setting["plain"].pk}
    assert not AccessRequest.objects.filter(staff=person).exists()  # the unticked role was not asked for


def test_the_platform_sheet_page_reads_their_live_roles(client, login, sa, grant, roles, setting):
    person = StaffFactory(name="看表人")
    shopee, ozon = setting["stores"]
    grant(person, roles["customer_service"], shopee)
    grant(person, roles["ads"], ozon)
    login(sa)
    page = client.get(reverse("sop:staff_platform_sheet", args=[person.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Order › Return/Refund" in html and "Менеджер по продвижению" in html
