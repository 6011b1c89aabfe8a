"""The daily store check: made each morning in each store's time zone for every active store, once; assigned to
whoever acts as the owner (the backup while the primary is on leave); the console's facts prefilled; bulk; and the
overdue reminder through the outbox, exactly once."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from events.models import Event
from sop import defaults
from sop.checklists import checklists_remind_overdue, daily_checks_generate
from sop.models import Checklist, ChecklistItem
from staff.models import Leave
from tests.factories import StaffFactory
from tests.sop.conftest import late_order, low_stock, overdue_case

pytestmark = pytest.mark.django_db
UTC = UTC


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_each_store_gets_its_check_when_its_own_morning_comes(sop_templates, sop_store):
    bangkok, moscow, mexico = sop_store("Asia/Bangkok"), sop_store("Europe/Moscow"), sop_store("America/Mexico_City")
    paused = sop_store("Asia/Bangkok", status="paused")

    # 00:30 UTC: 07:30 in Bangkok (12-05), 03:30 in Moscow (too early), 18:30 of 12-04 in Mexico City.
    assert daily_checks_generate(now=at(2026, 12, 5, 0, 30)) == 2
    made = {c.store_id: c for c in Checklist.objects.filter(kind="daily")}
    assert set(made) == {bangkok.pk, mexico.pk}
    assert made[bangkok.pk].for_date == date(2026, 12, 5)
    assert made[mexico.pk].for_date == date(2026, 12, 4)
    # Due at 18:00 in the store's own time.
    assert made[bangkok.pk].due_at == at(2026, 12, 5, 11, 0)
    assert made[mexico.pk].due_at == at(2026, 12, 5, 0, 0)
    assert made[bangkok.pk].assignee == bangkok.primary_owner

    # Three hours later Moscow's morning has come; nobody gets a second one; the paused store never gets one.
    assert daily_checks_generate(now=at(2026, 12, 5, 3, 30)) == 1
    assert daily_checks_generate(now=at(2026, 12, 5, 3, 45)) == 0
    assert Checklist.objects.get(store=moscow).for_date == date(2026, 12, 5)
    assert not Checklist.objects.filter(store=paused).exists()
    # Mexico City's next morning (12-05 06:00 local = 12:00 UTC) makes its 12-05 check.
    assert daily_checks_generate(now=at(2026, 12, 5, 12, 5)) == 1
    assert Checklist.objects.filter(store=mexico).count() == 2


def test_the_check_has_the_sellers_items_in_chinese_and_is_audited(sop_templates, sop_store):
    store = sop_store()
    daily_checks_generate(now=at(2026, 12, 5, 2, 0))
    checklist = Checklist.objects.get(store=store)
    titles = list(checklist.items.values_list("title", flat=True))
    assert titles == [
        "库存对账",
        "缺货预警",
        "上下架与描述一致",
        "订单处理时效",
        "发货及时率",
        "退款处理时效",
        "广告合规",
        "权限变更记录与审计日志",
    ]
    assert checklist.items.get(title="库存对账").evidence_required
    event = AuditEvent.objects.get(action="checklist.create", target_id=str(checklist.pk))
    assert event.store_id == store.pk


def test_the_backup_owner_takes_the_check_while_the_primary_is_on_leave(sop_templates, sop_store):
    store, other = sop_store(), sop_store()
    Leave.objects.create(staff=store.primary_owner, starts_on=date(2026, 12, 4), ends_on=date(2026, 12, 6))
    # Both owners of `other` away: the primary stays the assignee (nobody to cover).
    Leave.objects.create(staff=other.primary_owner, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 9))
    Leave.objects.create(staff=other.backup_owner, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 9))

    daily_checks_generate(now=at(2026, 12, 5, 2, 0))

    assert Checklist.objects.get(store=store).assignee == store.backup_owner
    assert Checklist.objects.get(store=other).assignee == other.primary_owner
    # Back from leave on the 7th: their own check again.
    daily_checks_generate(now=at(2026, 12, 7, 2, 0))
    assert Checklist.objects.get(store=store, for_date=date(2026, 12, 7)).assignee == store.primary_owner


def test_what_the_console_can_judge_is_prefilled(sop_templates, sop_store):
    store, quiet = sop_store(), sop_store()
    low_stock(store, "SKU-RED", quantity=2)
    low_stock(store, "SKU-OUT", quantity=0)
    overdue_case(store, "RS-LATE")
    late_order(store, "SN-LATE")
    record("binding.grant", store=store, target_type="rbac.rolebinding", target_id="1", target_label="客服 · 店铺")

    now = timezone.now()
    daily_checks_generate(now=_after_morning(store, now))

    facts = {i.fact: i.facts for i in ChecklistItem.objects.filter(checklist__store=store).exclude(fact="")}
    assert facts[defaults.FACT_LOW_STOCK]["count"] == 2
    assert [r["ref"] for r in facts[defaults.FACT_LOW_STOCK]["rows"]] == ["SKU-OUT", "SKU-RED"]
    assert facts[defaults.FACT_OVERDUE_CASES]["count"] == 1
    assert facts[defaults.FACT_OVERDUE_CASES]["rows"][0]["ref"] == "RS-LATE"
    assert facts[defaults.FACT_LATE_SHIPMENTS]["rows"][0]["ref"] == "SN-LATE"
    assert facts[defaults.FACT_PERMISSION_CHANGES]["count"] == 1
    quiet_facts = {i.fact: i.facts for i in ChecklistItem.objects.filter(checklist__store=quiet).exclude(fact="")}
    assert {f["count"] for f in quiet_facts.values()} == {0}


def _after_morning(store, now):
    """`now` if the store's morning has come, else the store's 06:30 today (so the check of today is made)."""
    local = timezone.localtime(now, store.tzinfo)
    if local.hour >= 6:
        return now
    return local.replace(hour=6, minute=30).astimezone(UTC)


def test_generation_reads_a_constant_number_of_queries_per_batch(sop_templates, sop_store):
    def queries(count: int, day: int) -> int:
        for _ in range(count):
            store = sop_store("Asia/Singapore")
            low_stock(store, "SKU-1")
        Checklist.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            made = daily_checks_generate(now=at(2026, 12, day, 2, 0), batch_size=500)
        assert made == Checklist.objects.count()
        return len(ctx.captured_queries)

    few = queries(3, 5)
    many = queries(40, 6)
    assert many == few


def test_batches_of_stores_make_every_check(sop_templates, sop_store):
    stores = [sop_store("Asia/Ho_Chi_Minh") for _ in range(7)]
    assert daily_checks_generate(now=at(2026, 12, 5, 2, 0), batch_size=3) == 7
    assert set(Checklist.objects.values_list("store_id", flat=True)) == {s.pk for s in stores}


def test_an_overdue_check_is_announced_once_naming_its_assignee(sop_templates, sop_store):
    store = sop_store("Asia/Bangkok")
    person = StaffFactory(name="李娜", wecom_userid="lina")
    store.primary_owner = person
    store.save()
    daily_checks_generate(now=at(2026, 12, 5, 2, 0))
    checklist = Checklist.objects.get(store=store)

    assert checklists_remind_overdue(now=at(2026, 12, 5, 10, 59)) == 0  # 17:59 in Bangkok: not yet due
    assert checklists_remind_overdue(now=at(2026, 12, 5, 11, 1)) == 1
    assert checklists_remind_overdue(now=at(2026, 12, 5, 11, 16)) == 0

    event = Event.objects.get(kind="sop.checklist_overdue")
    assert event.store_id == store.pk
    assert event.dedupe_key == f"sop.checklist_overdue:{checklist.pk}"
    assert event.payload["mention_staff_ids"] == [person.pk]
    assert event.payload["progress"] == "0/8"
    checklist.refresh_from_db()
    assert checklist.reminded_at == at(2026, 12, 5, 11, 1)


def test_a_completed_check_is_not_announced(sop_templates, sop_store):
    store = sop_store("Asia/Bangkok")
    daily_checks_generate(now=at(2026, 12, 5, 2, 0))
    Checklist.objects.filter(store=store).update(completed_at=at(2026, 12, 5, 9, 0))
    assert checklists_remind_overdue(now=at(2026, 12, 5, 12, 0)) == 0
    assert not Event.objects.filter(kind="sop.checklist_overdue").exists()


def test_the_overdue_message_goes_through_the_store_route_mentioning_the_assignee(sop_templates, sop_store):
    from notifications.fanout import fan_out_events
    from notifications.models import Delivery, Route
    from tests.factories import RobotFactory

    store = sop_store("Asia/Bangkok", name="泰国店")
    person = StaffFactory(name="李娜", wecom_userid="lina")
    store.primary_owner = person
    store.save()
    robot = RobotFactory(store=store)
    Route.objects.create(
        name="泰国店-运营-清单", robot=robot, store=store, event_kinds=["sop.checklist_overdue"], mention_assignee=True
    )
    daily_checks_generate(now=at(2026, 12, 5, 2, 0))
    checklists_remind_overdue(now=at(2026, 12, 5, 11, 1))

    fan_out_events(list(Event.objects.filter(kind="sop.checklist_overdue")))

    delivery = Delivery.objects.get(robot=robot)
    assert delivery.mentioned_userids == ["lina"]
    assert delivery.content.startswith("【清单超时未完成】泰国店 日常店铺检查 · 泰国店 · 12-05")
    assert "负责人:李娜" in delivery.content and "截止:12-05 18:00" in delivery.content


def test_moving_time_forward_keeps_one_check_per_store_and_day(sop_templates, sop_store):
    store = sop_store("Asia/Manila")
    start = at(2026, 12, 5, 0, 0)
    for step in range(0, 24 * 4):
        daily_checks_generate(now=start + timedelta(minutes=15 * step))
    assert list(Checklist.objects.filter(store=store).values_list("for_date", flat=True).order_by("for_date")) == [
        date(2026, 12, 5),
        date(2026, 12, 6),
    ]


def test_five_thousand_stores_get_their_checks_in_batches_of_constant_queries(sop_templates):
    import time as clock

    from stores.models import Store

    owner, backup = StaffFactory(), StaffFactory()
    zones = ("Asia/Bangkok", "Asia/Singapore", "Asia/Jakarta", "Asia/Manila", "Asia/Ho_Chi_Minh", "Asia/Kuala_Lumpur")
    Store.objects.bulk_create(
        Store(
            platform="shopee",
            site="SG",
            shop_id=str(900000 + i),
            name=f"批量店{i}",
            timezone=zones[i % len(zones)],
            primary_owner=owner,
            backup_owner=backup,
        )
        for i in range(5000)
    )
    started = clock.monotonic()
    with CaptureQueriesContext(connection) as ctx:
        made = daily_checks_generate(now=at(2026, 12, 5, 3, 0), batch_size=500)
    took = clock.monotonic() - started
    print(f"5,000 daily checks: {took:.1f} s, {len(ctx.captured_queries)} queries")
    assert made == 5000
    assert ChecklistItem.objects.count() == 5000 * 8
    per_batch = len(ctx.captured_queries) / 10
    assert len(ctx.captured_queries) <= 10 * 25 + 5, per_batch


def test_beat_runs_the_generation_and_the_reminder(sop_templates, sop_store, settings):
    from sop import tasks

    zones = ("Pacific/Honolulu", "America/Caracas", "Europe/Athens", "Asia/Shanghai", "Pacific/Kiritimati")
    stores = [sop_store(zone) for zone in zones]
    now = timezone.now()
    morning_came = {s.pk for s in stores if timezone.localtime(now, s.tzinfo).hour >= 6}
    assert morning_came  # five zones six hours apart: some store's morning has always come

    assert tasks.generate_daily_checks.apply().get() == len(morning_came)
    assert set(Checklist.objects.values_list("store_id", flat=True)) == morning_came
    Checklist.objects.update(due_at=now - timedelta(minutes=1))
    assert tasks.remind_overdue_checklists.apply().get() == len(morning_came)
    assert tasks.remind_overdue_checklists.apply().get() == 0
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"sop.tasks.generate_daily_checks", "sop.tasks.remind_overdue_checklists"} <= scheduled
