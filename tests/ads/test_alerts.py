"""What a poll's reading becomes: the store's ads figures, stored idempotently, and the alerts a 广告/运营 group
receives — a spend spike against the usual spend by the same hour, a budget nearly used, a campaign stopped
(paused, or out of budget), a ROAS drop — each once, @-mentioning the store's ads managers."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from ads.models import AdsDay, AdsHour, AdsStore, Campaign
from ads.readings import AdsReading, BudgetPeriod, CampaignState, Figures
from ads.readings import Campaign as Camp
from ads.services import ads_store_for, reading_store
from events.models import Event
from notifications import tasks
from notifications.limiter import get_limiter
from notifications.models import Route
from rbac.models import Role
from tests.factories import RobotFactory, RoleBindingFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 4)
NOW = datetime(2026, 12, 4, 11, 30, tzinfo=ZoneInfo("Asia/Bangkok"))
D = Decimal
D100, D400 = D(100), D(400)


def running(cid="C1", *, budget=None, period=BudgetPeriod.NONE, state=CampaignState.RUNNING, word="ongoing"):
    return Camp(cid, f"活动 {cid}", state, word, budget, period)


def store_with_history(daily_spend=D100, daily_sales=D400, days=7):
    store = StoreFactory(name="泰国店", site="TH")
    ads = ads_store_for(store)
    for n in range(1, days + 1):
        AdsDay.objects.create(
            store=store, day=TODAY - timedelta(days=n), spend=daily_spend, sales=daily_sales, final=True
        )
    return store, ads


def store_reading(store, reading, *, hour=11, today=TODAY):
    return reading_store(store=store, reading=reading, today=today, hour=hour, currency="THB", now=NOW)


def today_reading(spend, *, campaigns=(), per_campaign=(), closed=()):
    days = [Figures(TODAY, "", D(spend), impressions=1000, clicks=50, orders=3, sales=D(spend) * 2)]
    days += [Figures(TODAY, cid, D(s)) for cid, s in per_campaign]
    days += list(closed)
    return AdsReading(
        campaigns=list(campaigns),
        days=days,
        complete_days=[TODAY, *{f.day for f in closed}],
    )


def picked(payload: dict, expected: dict) -> bool:
    """The payload's values of the expected keys are the expected ones."""
    assert {k: payload.get(k) for k in expected} == expected
    return True


def kinds():
    return list(Event.objects.order_by("pk").values_list("kind", flat=True))


def test_a_reading_stored_twice_leaves_the_same_figures():
    store, _ = store_with_history(days=0)
    reading = today_reading(
        120,
        campaigns=[running("C1"), running("C2")],
        per_campaign=[("C1", 70), ("C2", 50)],
        closed=[Figures(TODAY - timedelta(days=1), "C1", D(30), sales=D(90))],  # no store row that day: summed
    )
    store_reading(store, reading)
    store_reading(store, reading)
    rows = {(r.day, r.campaign_ref): (r.spend, r.final) for r in AdsDay.objects.filter(store=store)}
    assert rows == {
        (TODAY, ""): (D("120.00"), False),
        (TODAY, "C1"): (D("70.00"), False),
        (TODAY, "C2"): (D("50.00"), False),
        (TODAY - timedelta(days=1), "C1"): (D("30.00"), True),
        (TODAY - timedelta(days=1), ""): (D("30.00"), True),
    }
    assert Campaign.objects.filter(store=store).count() == 2
    assert AdsHour.objects.get(store=store, day=TODAY, hour=11).spend_to_date == D("120.00")
    ads = AdsStore.objects.get(store=store)
    assert (ads.currency, ads.closed_through, ads.failures) == ("THB", TODAY - timedelta(days=1), 0)


def test_a_spend_spike_against_the_same_hours_of_the_last_7_days_alerts_once_a_day():
    store, _ = store_with_history()  # 100 a day: by 11:59, half of it usually (50)
    with transaction.atomic():
        assert store_reading(store, today_reading(90)) == []  # 1.8× the usual: not yet
    store_reading(store, today_reading(260))
    event = Event.objects.get(kind="ads.spend_spike")
    assert event.store_id == store.pk
    assert picked(
        event.payload, {"spend": "260.00 THB", "usual": "50.00 THB", "ratio": "5.2", "period": "今日截至11:59"}
    )
    store_reading(store, today_reading(400))
    assert kinds() == ["ads.spend_spike"]  # once a day


def test_the_usual_spend_uses_the_hourly_totals_where_there_are_some():
    store, _ = store_with_history()
    for n in range(1, 8):  # these days spent 150 by noon: today's 260 is not twice that
        AdsHour.objects.create(store=store, day=TODAY - timedelta(days=n), hour=11, spend_to_date=D(150))
    store_reading(store, today_reading(260))
    assert kinds() == []


def test_no_spike_without_three_days_to_compare_with_nor_for_small_amounts():
    store, _ = store_with_history(days=2)
    store_reading(store, today_reading(900))
    small, ads = store_with_history(daily_spend=D(4))
    store_reading(small, today_reading(40))  # ten times the usual 2, but 38 more is under the 50 minimum
    assert kinds() == []
    ads.spike_min_spend = D(10)
    ads.save()
    store_reading(small, today_reading(40))
    assert kinds() == ["ads.spend_spike"]


def test_a_campaign_past_its_budget_share_alerts_once_per_budget_period():
    store, _ = store_with_history(days=0)
    daily = running("D1", budget=D(100), period=BudgetPeriod.DAILY)
    weekly = running("W1", budget=D(700), period=BudgetPeriod.WEEKLY)
    monday = TODAY - timedelta(days=TODAY.weekday())
    AdsDay.objects.create(store=store, day=monday, campaign_ref="W1", spend=D(500), final=True)
    store_reading(store, today_reading(100, campaigns=[daily, weekly], per_campaign=[("D1", 70), ("W1", 50)]))
    assert kinds() == []  # 70% of the day's, (500 + 50) / 700 = 79% of the week's
    store_reading(store, today_reading(100, campaigns=[daily, weekly], per_campaign=[("D1", 85), ("W1", 61)]))
    events = {e.payload["campaign_id"]: e.payload for e in Event.objects.filter(kind="ads.budget_nearly_used")}
    assert picked(events["D1"], {"spent": "85.00 THB", "budget": "100.00 THB", "share": "85%", "period": "日预算"})
    assert picked(events["W1"], {"spent": "561.00 THB", "budget": "700.00 THB", "share": "80%", "period": "周预算"})
    store_reading(store, today_reading(100, campaigns=[daily, weekly], per_campaign=[("D1", 99), ("W1", 90)]))
    assert Event.objects.filter(kind="ads.budget_nearly_used").count() == 2


def test_a_campaign_seen_running_then_stopped_alerts_with_the_platforms_own_word():
    store, _ = store_with_history(days=0)
    store_reading(store, today_reading(10, campaigns=[running("C1"), running("C2", state=CampaignState.PAUSED)]))
    assert kinds() == []  # first seen: nothing changed under anyone's eyes
    stopped = running("C1", state=CampaignState.OUT_OF_BUDGET, word="CAMPAIGN_STATE_STOPPED")
    store_reading(store, today_reading(10, campaigns=[stopped, running("C2", state=CampaignState.PAUSED)]))
    event = Event.objects.get(kind="ads.campaign_stopped")
    assert picked(
        event.payload,
        {
            "campaign": "活动 C1",
            "reason": "预算用尽",
            "platform_state": "CAMPAIGN_STATE_STOPPED",
        },
    )
    store_reading(store, today_reading(10, campaigns=[stopped]))
    assert kinds() == ["ads.campaign_stopped"]


def test_yesterdays_roas_well_below_the_week_before_alerts_when_yesterday_is_read():
    store, _ = store_with_history(daily_spend=D(100), daily_sales=D(400))  # ROAS 4
    yesterday = TODAY - timedelta(days=1)
    AdsDay.objects.filter(store=store, day=yesterday).delete()
    closed = [Figures(yesterday, "", D(200), sales=D(300))]  # ROAS 1.5: 62.5% lower
    store_reading(store, today_reading(0, closed=closed))
    event = Event.objects.get(kind="ads.roas_drop")
    assert picked(event.payload, {"roas": "1.50", "usual_roas": "4.00", "drop": "-63%", "day": str(yesterday)})


@pytest.fixture
def wecom(simulator, settings):
    settings.WECOM_BASE_URL = simulator.wecom_url
    settings.SHOPCREW_EVENTS_KICK = False
    return simulator.control


def test_the_spike_reaches_the_stores_ads_group_mentioning_its_ads_managers(wecom):
    store, _ = store_with_history()
    manager = StaffFactory(name="周婷", wecom_userid="ZhouTing")
    RoleBindingFactory(staff=manager, role=Role.objects.get(key="ads"), store=store)
    analyst = StaffFactory(name="李娜", wecom_userid="LiNa")  # reads ads figures, runs no campaign
    RoleBindingFactory(staff=analyst, role=Role.objects.get(key="finance_analyst"), store=store)
    elsewhere = StaffFactory(wecom_userid="Other")
    RoleBindingFactory(staff=elsewhere, role=Role.objects.get(key="ads"), store=StoreFactory())
    key = wecom.create_robot()["key"]
    robot = RobotFactory(store=store, webhook_key=key, name="泰国店-广告与市场-广告")
    get_limiter().reset(robot.pk)
    Route.objects.create(
        name="广告",
        robot=robot,
        store=store,
        event_kinds=["ads.spend_spike", "ads.budget_nearly_used", "ads.campaign_stopped", "ads.roas_drop"],
        mention_permission="ads_operate",
        mention_assignee=False,
    )
    store_reading(store, today_reading(300))
    tasks.deliver_events.apply().get()
    tasks.deliver_robot.apply((robot.pk,)).get()
    [message] = wecom.messages(key)
    assert message["content"].startswith("【广告花费异常】泰国店 今日截至11:59 花费:300.00 THB")
    assert "近7天同时段均值:50.00 THB" in message["content"]
    assert message["mentioned_list"] == ["ZhouTing"]


def test_a_burst_late_in_the_day_alerts_on_the_hours_spend():
    store, _ = store_with_history()  # 100 a day: about 4.17 an hour
    ads = AdsStore.objects.get(store=store)
    ads.spike_min_spend = D(10)
    ads.save()
    hourly = [Figures(TODAY, "", D("4.17"), hour=h) for h in range(20)]
    calm = AdsReading(days=[Figures(TODAY, "", D("83.40"))], hours=hourly, complete_days=[TODAY])
    store_reading(store, calm, hour=19)
    assert kinds() == []
    burst = [*hourly, Figures(TODAY, "", D(30), hour=20)]  # the day so far is 113.40: not twice the usual 87.50
    store_reading(
        store, AdsReading(days=[Figures(TODAY, "", D("113.40"))], hours=burst, complete_days=[TODAY]), hour=20
    )
    event = Event.objects.get(kind="ads.spend_spike")
    assert picked(event.payload, {"period": "20:00–20:59", "spend": "30.00 THB", "usual": "4.17 THB", "ratio": "7.2"})


def test_no_running_total_from_the_last_hour_no_hour_measure():
    store, _ = store_with_history()
    ads = AdsStore.objects.get(store=store)
    ads.spike_min_spend = D(10)
    ads.save()
    # an Ozon-like reading (no hours) at 20:xx with nothing seen at 19:xx: the day so far is normal, no alert
    store_reading(store, AdsReading(days=[Figures(TODAY, "", D(85))], complete_days=[TODAY]), hour=20)
    assert kinds() == []
