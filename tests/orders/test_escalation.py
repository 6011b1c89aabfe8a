"""A case nobody handled escalates to the backup owner at due − margin, then to the department manager at due,
once each, through aftersales.due_soon events naming whom to mention."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events.choices import EventKind
from events.models import Event
from orders.escalation import cases_escalate_due
from orders.models import AfterSalesCase, StoreSettings
from orders.services import cases_upsert_page
from tests.factories import DepartmentFactory, StaffFactory, StoreFactory

from .rows import case

pytestmark = pytest.mark.django_db


def due_soon():
    return list(Event.objects.filter(kind=EventKind.AFTERSALES_DUE_SOON).order_by("id"))


@pytest.fixture
def world():
    manager = StaffFactory(name="经理", wecom_userid="manager01")
    department = DepartmentFactory(manager=manager)
    backup = StaffFactory(name="备份", wecom_userid="backup01")
    primary = StaffFactory(name="主负责", department=department)
    store = StoreFactory(primary_owner=primary, backup_owner=backup)
    StoreSettings.objects.create(store=store, escalation_margin=timedelta(hours=6))
    cases_upsert_page(store=store, rows=[case(1), case(2, status="closed")])
    due = timezone.now() + timedelta(hours=10)
    AfterSalesCase.objects.update(due_at=due)
    return store, due


def test_backup_owner_then_manager_once_each(world):
    store, due = world

    assert cases_escalate_due(now=due - timedelta(hours=7)) == 0
    assert cases_escalate_due(now=due - timedelta(hours=5)) == 1
    assert cases_escalate_due(now=due - timedelta(hours=4)) == 0
    first = due_soon()
    assert [e.payload["level"] for e in first] == [1]
    assert first[0].payload["mention_userids"] == ["backup01"]
    assert first[0].payload["case_id"] == "RET000001" and first[0].payload["order_id"] == "260301ORD00001"
    assert first[0].dedupe_key == f"aftersales.due_soon:{store.pk}:RET000001:L1"

    assert cases_escalate_due(now=due + timedelta(minutes=1)) == 1
    assert cases_escalate_due(now=due + timedelta(hours=3)) == 0
    events = due_soon()
    assert [e.payload["level"] for e in events] == [1, 2]
    assert events[1].payload["mention_userids"] == ["manager01"]  # the primary owner's manager: nobody has it
    assert AfterSalesCase.objects.get(case_id="RET000001").escalation_level == 2


def test_a_case_found_past_due_escalates_both_levels_and_the_assignees_manager(world):
    store, due = world
    boss = StaffFactory(wecom_userid="boss01")
    agent = StaffFactory(name="客服小李", department=DepartmentFactory(manager=boss))
    AfterSalesCase.objects.filter(case_id="RET000001").update(assignee=agent)

    assert cases_escalate_due(now=due + timedelta(hours=1)) == 2
    levels = {e.payload["level"]: e.payload for e in due_soon()}
    assert levels[1]["mention_userids"] == ["backup01"]
    assert levels[2]["mention_userids"] == ["boss01"] and levels[2]["operator"] == "客服小李"


def test_handled_cases_do_not_escalate(world):
    store, due = world
    AfterSalesCase.objects.update(handled_at=timezone.now())

    assert cases_escalate_due(now=due + timedelta(hours=1)) == 0
