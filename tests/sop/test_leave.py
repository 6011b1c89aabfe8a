"""Leave and cover: a manager records (and cancels) leave; while the primary owner is away the backup owner takes
the store's @-mentions and escalations, round robin skips them, and the store page says who covers until when."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from events.choices import EventKind
from events.models import Event
from notifications.fanout import fan_out_events
from notifications.models import Delivery
from orders.escalation import cases_escalate_due
from orders.models import AfterSalesCase, StoreSettings
from orders.services import cases_upsert_page
from sop.lifecycle.leave import leave_cancel, leave_create
from staff.models import Leave
from tests.factories import DepartmentFactory, RobotFactory, StaffFactory, StoreFactory
from tests.notifications.test_fanout import emit, route
from tests.orders.rows import case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """Messages are asserted in English (the source language); pages follow the request's language."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def owners():
    primary = StaffFactory(name="主负责人甲", wecom_userid="primary01")
    backup = StaffFactory(name="备份乙", wecom_userid="backup01")
    store = StoreFactory(name="泰国店", primary_owner=primary, backup_owner=backup)
    return primary, backup, store


def away(actor, person, days=3, start=0):
    today = timezone.localdate()
    return leave_create(
        actor=actor,
        staff=person,
        starts_on=today + timedelta(days=start),
        ends_on=today + timedelta(days=start + days),
        reason="年假",
    )


class TestRecording:
    def test_recorded_and_cancelled_with_audit(self, sa, owners):
        primary = owners[0]
        leave = away(sa, primary)
        assert AuditEvent.objects.filter(action="leave.create", target_id=str(leave.pk)).count() == 1
        leave_cancel(actor=sa, leave=leave)
        leave.refresh_from_db()
        assert leave.cancelled_at is not None
        assert AuditEvent.objects.filter(action="leave.cancel", target_id=str(leave.pk)).count() == 1
        with pytest.raises(ValidationError):
            leave_cancel(actor=sa, leave=leave)

    def test_refused_when_it_overlaps_ends_before_it_starts_or_by_someone_without_the_right(self, sa, owners):
        primary = owners[0]
        away(sa, primary, days=5)
        with pytest.raises(ValidationError, match="already on leave"):
            away(sa, primary, days=2, start=3)
        today = timezone.localdate()
        with pytest.raises(ValidationError):
            leave_create(actor=sa, staff=primary, starts_on=today, ends_on=today - timedelta(days=1))
        with pytest.raises(PermissionDenied):
            away(StaffFactory(), primary, start=10)  # manages users nowhere (the backup owner could: they run A)
        with pytest.raises(PermissionDenied):
            away(primary, primary, start=10)  # a manager records it, never oneself
        assert Leave.objects.filter(staff=primary).count() == 1


class TestCover:
    def test_mentions_of_the_primary_go_to_the_backup_while_the_primary_is_away(self, sa, owners):
        primary, backup, store = owners
        route(RobotFactory(), ["order.new"], store=store, mention_primary_owner=True)
        before = emit(store)
        fan_out_events([before])
        assert Delivery.objects.get(event=before).mentioned_userids == ["primary01"]

        leave = away(sa, primary)
        during = emit(store)
        fan_out_events([during])
        assert Delivery.objects.get(event=during).mentioned_userids == ["backup01"]

        leave_cancel(actor=sa, leave=leave)
        after = emit(store)
        fan_out_events([after])
        assert Delivery.objects.get(event=after).mentioned_userids == ["primary01"]

    def test_no_cover_when_the_backup_is_away_too(self, sa, owners):
        primary, backup, store = owners
        away(sa, primary)
        away(sa, backup)
        route(RobotFactory(), ["order.new"], store=store, mention_primary_owner=True)
        event = emit(store)
        fan_out_events([event])
        assert Delivery.objects.get(event=event).mentioned_userids == ["primary01"]

    def test_escalations_of_an_unassigned_case_go_to_the_backups_manager_while_the_primary_is_away(self, sa, owners):
        primary, backup, store = owners
        primary.department = DepartmentFactory(manager=StaffFactory(wecom_userid="boss-of-primary"))
        primary.save()
        backup.department = DepartmentFactory(manager=StaffFactory(wecom_userid="boss-of-backup"))
        backup.save()
        StoreSettings.objects.create(store=store, escalation_margin=timedelta(hours=6))
        cases_upsert_page(store=store, rows=[case(1)])
        due = timezone.now() + timedelta(hours=1)
        AfterSalesCase.objects.update(due_at=due)
        away(sa, primary)

        assert cases_escalate_due(now=due + timedelta(minutes=1)) == 2
        levels = {
            e.payload["level"]: e.payload["mention_userids"]
            for e in Event.objects.filter(kind=EventKind.AFTERSALES_DUE_SOON)
        }
        assert levels == {1: ["backup01"], 2: ["boss-of-backup"]}

    def test_level_one_goes_to_the_primary_while_the_backup_is_away(self, sa, owners):
        primary, backup, store = owners
        StoreSettings.objects.create(store=store, escalation_margin=timedelta(hours=6))
        cases_upsert_page(store=store, rows=[case(1)])
        due = timezone.now() + timedelta(hours=3)
        AfterSalesCase.objects.update(due_at=due)
        away(sa, backup)
        assert cases_escalate_due(now=timezone.now()) == 1
        event = Event.objects.get(kind=EventKind.AFTERSALES_DUE_SOON)
        assert event.payload["mention_userids"] == ["primary01"]


class TestPages:
    def test_the_store_page_says_who_covers_until_when(self, client, login, sa, owners):
        primary, backup, store = owners
        login(sa)
        page = client.get(store.get_absolute_url())
        assert b"store-cover" not in page.content
        leave = away(sa, primary)
        page = client.get(store.get_absolute_url()).content.decode()
        assert "store-cover" in page and "主负责人甲" in page and "备份乙" in page
        assert leave.ends_on.strftime("%Y-%m-%d") in page
        chinese = client.get(store.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        until = leave.ends_on.strftime("%Y-%m-%d")
        assert f"主负责人 主负责人甲 休假中（至 {until}），由备份负责人 备份乙 代理" in chinese

    def test_a_manager_records_and_cancels_leave_on_the_persons_leave_page(self, client, login, sa, owners):
        primary = owners[0]
        login(sa)
        url = reverse("sop:staff_leave", args=[primary.pk])
        assert client.get(url).status_code == 200
        today = timezone.localdate()
        response = client.post(url, {"starts_on": today, "ends_on": today - timedelta(days=1)})
        assert response.status_code == 400 and not Leave.objects.exists()
        response = client.post(url, {"starts_on": today, "ends_on": today + timedelta(days=2), "reason": "病假"})
        assert response.status_code == 302
        leave = Leave.objects.get(staff=primary)
        assert client.post(reverse("sop:leave_cancel", args=[leave.pk])).status_code == 302
        leave.refresh_from_db()
        assert leave.cancelled_at is not None
