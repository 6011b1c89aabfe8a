"""Offboarding (离职) in one action: stores handed to the chosen owners, open work reassigned to each store's acting
owner, every right revoked, sessions and tokens ended, sign-in disabled, unsent messages no longer mentioning them,
a handover checklist, and the audit log telling it as one story."""

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from events.models import Event
from notifications.models import Delivery, DeliveryState
from orders.models import AfterSalesCase
from rbac.models import RoleBinding
from sop.lifecycle.offboarding import staff_offboard_all
from sop.models import Checklist, ChecklistKind
from staff.choices import StaffStatus
from staff.models import ApiToken
from tests.factories import TEST_PASSWORD, RobotFactory, StaffFactory, StoreFactory, api_token
from tests.staff.wecom_fixtures import wecom  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """Messages are asserted in English (the source language); pages follow the request's language."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world(grant, roles):
    leaver = StaffFactory(name="离职者", wecom_userid="leaver-1", mobile="13900000001")
    backup_a, primary_b = StaffFactory(name="备份甲"), StaffFactory(name="主负责人乙")
    new_a, new_b = StaffFactory(name="新备份甲"), StaffFactory(name="新备份乙")
    store_a = StoreFactory(name="A店", primary_owner=leaver, backup_owner=backup_a)
    store_b = StoreFactory(name="B店", platform="ozon", site="RU", primary_owner=primary_b, backup_owner=leaver)
    store_c = StoreFactory(name="C店")
    grant(leaver, roles["customer_service"], store_c)
    grant(leaver, roles["store_admin"], store_a)
    return {
        "leaver": leaver,
        "backup_a": backup_a,
        "primary_b": primary_b,
        "new_a": new_a,
        "new_b": new_b,
        "a": store_a,
        "b": store_b,
        "c": store_c,
    }


def case(store, assignee, case_id, status="requested"):
    return AfterSalesCase.objects.create(
        store=store,
        case_id=case_id,
        kind="return",
        status=status,
        platform_status="REQUESTED",
        assignee=assignee,
        synced_at=timezone.now(),
    )


def replacements(w):
    return {w["a"].pk: (w["backup_a"], w["new_a"]), w["b"].pk: (w["primary_b"], w["new_b"])}


def test_one_action_moves_stores_reassigns_work_and_ends_everything(sa, world):
    w, leaver = world, world["leaver"]
    open_a, open_c = case(w["a"], leaver, "RA1"), case(w["c"], leaver, "RC1")
    closed = case(w["a"], leaver, "RA2", status="closed")
    api_token(leaver)
    Client().force_login(leaver)
    robot, unseen = RobotFactory(store=w["a"]), RobotFactory(store=w["c"])
    event = Event.objects.create(kind="order.new", store=w["c"], dedupe_key="offboard-test")
    waiting = Delivery.objects.create(
        event=event,
        robot=unseen,
        store=w["c"],
        event_kind="order.new",
        state=DeliveryState.PENDING,
        mentioned_userids=["leaver-1", "other"],
        mentioned_mobiles=["13900000001"],
    )
    first = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    done = staff_offboard_all(actor=sa, staff=leaver, reason="resigned", replacements=replacements(w))

    for store in (w["a"], w["b"]):
        store.refresh_from_db()
    assert (w["a"].primary_owner, w["a"].backup_owner) == (w["backup_a"], w["new_a"])
    assert (w["b"].primary_owner, w["b"].backup_owner) == (w["primary_b"], w["new_b"])
    # open cases go to the store's acting owner (A: the former backup, now primary; C: its primary owner)
    open_a.refresh_from_db(), open_c.refresh_from_db(), closed.refresh_from_db()
    assert open_a.assignee == w["backup_a"] and open_c.assignee == w["c"].primary_owner
    assert closed.assignee == leaver
    leaver.refresh_from_db()
    assert leaver.status == StaffStatus.OFFBOARDED and not leaver.is_active and not leaver.has_usable_password()
    assert not RoleBinding.objects.live().filter(staff=leaver).exists()
    assert not ApiToken.objects.filter(user=leaver, revoked_at__isnull=True).exists()
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(leaver.pk)]
    stranger = Client()
    stranger.post(reverse("accounts:login"), {"username": leaver.username, "password": TEST_PASSWORD})
    assert "_auth_user_id" not in stranger.session
    waiting.refresh_from_db()
    assert (waiting.mentioned_userids, waiting.mentioned_mobiles) == (["other"], [])
    assert (done.stores_moved, done.cases, done.sessions, done.tokens, done.mentions) == (2, 2, 1, 1, 1)

    checklist = Checklist.objects.get(kind=ChecklistKind.OFFBOARDING, subject=leaver)
    assert checklist.assignee == sa
    titles = [i.title for i in checklist.items.order_by("position")]
    assert any("A店" in t and "Shopee" in t for t in titles)  # platform sub-accounts to disable, per store
    assert any("B店" in t and "Ozon" in t for t in titles)
    assert any("C店" in t and "Shopee" in t for t in titles)
    # robot keys to rotate: where they could see settings (store admin of A), not where they were a clerk (C)
    assert any(robot.name in t for t in titles) and not any(unseen.name in t for t in titles)
    moved = checklist.items.get(data__kind="case", store=w["a"])
    assert moved.data["to"] == w["backup_a"].pk and moved.done

    events = AuditEvent.objects.filter(pk__gt=first).exclude(action__startswith="auth.login")  # the attempt above
    assert {e.request_id for e in events} == {done.request_id}  # one story
    actions = list(events.values_list("action", flat=True))
    for action in (
        "store.update",
        "case.hand_over",
        "binding.revoke",
        "staff.offboard",
        "auth.token_revoke",
        "auth.logout",
        "delivery.update",
        "checklist.create",
        "staff.hand_over",
    ):
        assert action in actions, action
    story = events.get(action="staff.hand_over")
    assert story.reason == "resigned"
    assert story.after["cases_reassigned"] == 2 and story.after["bindings_revoked"] == 2


def test_a_missing_or_impossible_replacement_refuses_everything(sa, world):
    w, leaver = world, world["leaver"]
    with pytest.raises(ValidationError) as refused:
        staff_offboard_all(
            actor=sa, staff=leaver, reason="resigned", replacements={w["a"].pk: (w["backup_a"], w["backup_a"])}
        )
    messages = refused.value.messages
    assert any("A店" in m and "different person" in m for m in messages)
    assert any("B店" in m and "choose both" in m for m in messages)
    with pytest.raises(ValidationError, match="is leaving"):
        staff_offboard_all(
            actor=sa, staff=leaver, reason="resigned", replacements={**replacements(w), w["a"].pk: (leaver, w["new_a"])}
        )
    leaver.refresh_from_db()
    w["a"].refresh_from_db()
    assert leaver.is_active and w["a"].primary_owner == leaver
    assert RoleBinding.objects.live().filter(staff=leaver).count() == 2


def test_the_page_proposes_the_backup_and_needs_a_new_backup(client, login, sa, world):
    w = world
    login(sa)
    url = reverse("sop:staff_offboard", args=[w["leaver"].pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial[f"primary_{w['a'].pk}"] == w["backup_a"].pk and form.initial[f"backup_{w['a'].pk}"] is None
    assert form.initial[f"primary_{w['b'].pk}"] == w["primary_b"].pk

    refused = client.post(url, {"reason": "resigned", f"primary_{w['a'].pk}": w["backup_a"].pk})
    assert refused.status_code == 400
    assert w["leaver"].__class__.objects.get(pk=w["leaver"].pk).is_active

    data = {
        "reason": "resigned",
        f"primary_{w['a'].pk}": w["backup_a"].pk,
        f"backup_{w['a'].pk}": w["new_a"].pk,
        f"primary_{w['b'].pk}": w["primary_b"].pk,
        f"backup_{w['b'].pk}": w["new_b"].pk,
    }
    response = client.post(url, data)
    assert response.status_code == 302
    w["leaver"].refresh_from_db()
    assert not w["leaver"].is_active


def test_the_page_needs_a_fresh_second_factor(client, login, sa, world):
    from core.testing import stale_second_factor

    login(sa)
    stale_second_factor(client)
    w = world
    data = {"reason": "resigned", f"primary_{w['a'].pk}": w["backup_a"].pk, f"backup_{w['a'].pk}": w["new_a"].pk}
    client.post(reverse("sop:staff_offboard", args=[w["leaver"].pk]), data)
    w["leaver"].refresh_from_db()
    assert w["leaver"].is_active


def test_the_wecom_member_is_disabled_after_commit(sa, wecom):  # noqa: F811
    leaver = StaffFactory(wecom_userid="lifang")
    done = staff_offboard_all(actor=sa, staff=leaver, reason="resigned")
    assert done.wecom.ok
    members = {m["userid"]: m for m in wecom.control.wecom_corp_get(wecom.corpid)["members"]}
    assert members["lifang"]["status"] == 2
    item = done.checklist.items.get(section="WeCom")
    assert item.done and item.automatic


def test_a_wecom_error_becomes_a_handover_item_done_by_hand(sa, wecom):  # noqa: F811
    leaver = StaffFactory(wecom_userid="nobody-there")
    done = staff_offboard_all(actor=sa, staff=leaver, reason="resigned")
    assert not done.wecom.ok and not done.wecom.skipped and done.wecom.message
    leaver.refresh_from_db()
    assert not leaver.is_active  # offboarded all the same: WeCom is after the commit
    item = done.checklist.items.get(section="WeCom")
    assert not item.done and done.wecom.message in item.note and item.data["errcode"] == done.wecom.errcode
