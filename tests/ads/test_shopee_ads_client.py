"""The Shopee ads client, the adapter and a whole poll against the running simulator (real HTTP on loopback): typed values,
campaign ids 100 a call, the ads errors typed (dates, foreign campaigns, permission, rate limits retried with
backoff), and one AdsReading: states and budgets mapped, today's hours, closed days read around the platform's
rules, day = Σ hours, a spend spike visible in the hours, malformed rows skipped."""

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ads.models import AdsDay, AdsStore
from ads.polling import ads_dispatch, ads_poll
from ads.readings import BudgetPeriod, CampaignState
from ads.shopee import MAX_SPAN_DAYS, read, spans
from orders.platforms import store_session
from stores.clients.errors import InvalidCredentials, RateLimited
from stores.clients.shopee_ads import (
    AdsCampaignNotMatch,
    AdsDateError,
    AdsPermissionDenied,
    CampaignSetting,
    ShopeeAdsClient,
)
from tests.clients import conftest as client_fixtures
from tests.orders import intake_support

# The fixtures of the client contract tests and of the intake tests (fresh shops, stores connected to them).
closing, inject, make_shopee, policy = (client_fixtures.closing, client_fixtures.inject, client_fixtures.make_shopee,
                                        client_fixtures.policy)  # fmt: skip
request_log, shopee, sleeps = client_fixtures.request_log, client_fixtures.shopee, client_fixtures.sleeps
make_shopee_store, platforms_at = intake_support.make_shopee_store, intake_support.platforms_at

STATES = {"ongoing": "running", "scheduled": "scheduled", "paused": "paused", "ended": "ended", "closed": "ended"}


def summary(simulator, shop_id: int) -> dict:
    return simulator.control.http.get(f"shopee/shops/{shop_id}/ads").json()


def today_of(simulator, shop_id: int) -> date:
    return datetime.strptime(summary(simulator, shop_id)["today"], "%d-%m-%Y").date()


def advance_to_local(simulator, hour: int, minute: int, utc_offset: int) -> None:
    now = simulator.control.clock()["now"]
    local = (now + utc_offset * 3600) % 86400
    simulator.control.advance((hour * 3600 + minute * 60 - local) % 86400)


@pytest.fixture
def ads(shopee) -> ShopeeAdsClient:
    return ShopeeAdsClient.for_shop(shopee.shop)


# --- the client -----------------------------------------------------------------------------------------


def test_balance_toggles_and_campaigns_come_back_typed(simulator, shopee, ads):
    balance = ads.get_total_balance()
    assert isinstance(balance.total_balance, Decimal) and balance.total_balance > 0
    assert balance.data_timestamp is not None
    toggles = ads.get_shop_toggle_info()
    assert isinstance(toggles.auto_top_up, bool) and isinstance(toggles.campaign_surge, bool)
    refs = ads.get_product_level_campaign_id_list(page_size=2)  # pages of 2
    expected = summary(simulator, shopee.shop_id)["campaigns"]
    assert [r.campaign_id for r in refs] == [c["campaign_id"] for c in expected]
    settings = ads.get_product_level_campaign_setting_info([r.campaign_id for r in refs])
    assert all(isinstance(s, CampaignSetting) and isinstance(s.campaign_budget, Decimal) for s in settings)
    assert [s.campaign_status for s in settings] == [c["campaign_status"] for c in expected]
    assert all(s.start_time is not None for s in settings)
    assert ads.calls == 3 + (len(refs) + 1) // 2  # balance, toggles, settings and a call per page of ids


def test_a_closed_day_is_the_sum_of_its_hours_in_decimals(simulator, shopee, ads):
    yesterday = today_of(simulator, shopee.shop_id) - timedelta(days=1)
    days = ads.get_all_cpc_ads_daily_performance(yesterday - timedelta(days=1), yesterday)
    assert [row.date for row in days] == [yesterday - timedelta(days=1), yesterday]
    assert all(row.hour is None for row in days)
    hours = ads.get_all_cpc_ads_hourly_performance(yesterday)
    assert [h.hour for h in hours] == list(range(24)) and {h.date for h in hours} == {yesterday}
    assert days[-1].expense == sum((h.expense for h in hours), Decimal(0)) > 0
    assert days[-1].broad_gmv == sum((h.broad_gmv for h in hours), Decimal(0))
    ids = [r.campaign_id for r in ads.get_product_level_campaign_id_list()]
    per_campaign = ads.get_product_campaign_daily_performance(ids, yesterday - timedelta(days=1), yesterday)
    assert [c.campaign_id for c in per_campaign] == ids
    assert sum((c.metrics[-1].expense for c in per_campaign), Decimal(0)) == days[-1].expense
    hourly = ads.get_product_campaign_hourly_performance(ids, yesterday)
    for campaign, daily in zip(hourly, per_campaign, strict=True):
        assert sum((m.expense for m in campaign.metrics), Decimal(0)) == daily.metrics[-1].expense
        assert all(m.hour is not None and m.date == yesterday for m in campaign.metrics)


def test_campaign_ids_go_a_hundred_a_call(simulator, shopee, ads, request_log):
    log = request_log("shopee")
    ids = [r.campaign_id for r in ads.get_product_level_campaign_id_list()]
    foreign = [900_000_000 + n for n in range(150)]
    with pytest.raises(AdsCampaignNotMatch) as caught:
        ads.get_product_campaign_hourly_performance(ids + foreign, today_of(simulator, shopee.shop_id))
    assert caught.value.code == "ads.shop.campaign_not_match"
    sent = [row["query"]["campaign_id_list"] for row in log.calls("get_product_campaign_hourly_performance")]
    assert len(sent) == 1 and len(sent[0].split(",")) == 100  # the first hundred, refused; nothing repeated


@pytest.mark.parametrize(
    ("span", "code"),
    [
        ((-3, -3), "ads.performance.error_same_start_end_dates"),
        ((-2, 1), "ads.performance.error_date_in_future"),
        ((-200, -198), "ads.performance.error_date_too_old"),
        ((-45, -1), "ads.performance.error_date_range_too_long"),
        ((-1, -3), "ads.performance.error_start_later_than_end"),
    ],
)
def test_the_date_rules_are_ads_date_errors(simulator, shopee, ads, sleeps, span, code):
    today = today_of(simulator, shopee.shop_id)
    with pytest.raises(AdsDateError) as caught:
        ads.get_all_cpc_ads_daily_performance(today + timedelta(days=span[0]), today + timedelta(days=span[1]))
    assert caught.value.code == code and not caught.value.retryable
    assert sleeps == []  # never repeated


def test_no_ads_permission_needs_a_person(simulator, ads):
    with simulator.control.configured(shopee={"ads_permission": False}), pytest.raises(AdsPermissionDenied) as caught:
        ads.get_total_balance()
    assert isinstance(caught.value, InvalidCredentials) and caught.value.code == "error_api_permission"


def test_an_ads_rate_limit_is_retried_with_backoff_then_raised(simulator, ads, sleeps):
    with simulator.control.configured(shopee={"ads_rate_limit": 1, "ads_rate_window": 600.0}):
        ads.get_shop_toggle_info()
        with pytest.raises(RateLimited) as caught:
            ads.get_shop_toggle_info()
    assert caught.value.code == "ads.rate_limit.exceed_shop_api" and caught.value.retryable
    assert len(sleeps) == 2  # three attempts, two waits
    assert ads.calls == 2


def test_a_rate_limit_that_passes_is_survived(simulator, ads, sleeps, inject):
    inject("shopee", "rate_limit", path="get_total_balance", count=1)
    assert ads.get_total_balance().total_balance > 0
    assert len(sleeps) == 1


def test_spans_respect_the_daily_rules():
    today = date(2026, 12, 5)
    lone = spans([date(2026, 12, 1)], today=today)
    assert lone == [(date(2026, 12, 1), date(2026, 12, 2), {date(2026, 12, 1)})]
    assert spans([date(2026, 12, 4)], today=today) == [(date(2026, 12, 4), today, {date(2026, 12, 4)})]
    month = [today - timedelta(days=n) for n in range(1, 32)]
    parts = spans(month + [date(2026, 10, 1)], today=today)
    assert all((end - start).days + 1 <= MAX_SPAN_DAYS and start < end for start, end, _ in parts)
    assert set().union(*(wanted for _, _, wanted in parts)) == set(month) | {date(2026, 10, 1)}


# --- the adapter ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reading_maps_campaigns_today_and_the_closed_days(simulator, make_shopee_store, request_log):
    shop = make_shopee_store()
    today = today_of(simulator, shop.shop_id)
    closed = [today - timedelta(days=n) for n in (5, 3, 2, 1)]
    log = request_log("shopee")
    reading = read(store_session(shop.store), today=today, closed_days=closed)
    assert reading.calls == len(log.calls("/api/v2/ads/"))
    expected = {str(c["campaign_id"]): c for c in summary(simulator, shop.shop_id)["campaigns"]}
    assert [c.platform_id for c in reading.campaigns] == list(expected)
    for campaign in reading.campaigns:
        source = expected[campaign.platform_id]
        assert (campaign.state, campaign.platform_state) == (
            STATES[source["campaign_status"]],
            source["campaign_status"],
        )
        assert campaign.state in CampaignState.ALL
        if source["campaign_budget"] == 0:
            assert (campaign.budget, campaign.budget_period) == (None, BudgetPeriod.NONE)
        else:
            assert (campaign.budget, campaign.budget_period) == (Decimal(str(source["campaign_budget"])), "daily")
    assert reading.balance is not None and reading.balance > 0
    assert reading.complete_days == sorted(closed) + [today]
    assert reading.hours and all(h.day == today and h.campaign_id == "" and h.hour is not None for h in reading.hours)
    store_today = [f for f in reading.days if f.day == today and f.campaign_id == ""]
    assert len(store_today) == 1 and store_today[0].spend == sum((h.spend for h in reading.hours), Decimal(0))
    assert {f.campaign_id for f in reading.days if f.day == today and f.campaign_id} == set(expected)
    for day in closed:
        store = [f for f in reading.days if f.day == day and f.campaign_id == ""]
        campaigns = [f for f in reading.days if f.day == day and f.campaign_id]
        assert len(store) == 1 and {f.campaign_id for f in campaigns} == set(expected)
        assert store[0].spend == sum((f.spend for f in campaigns), Decimal(0)) > 0
        assert store[0].sales == sum((f.sales for f in campaigns), Decimal(0))
        assert store[0].orders == sum(f.orders for f in campaigns)
    assert {f.day for f in reading.days} == set(closed) | {today}  # the extra day of a two-day range dropped
    ranges = {(r["query"]["start_date"], r["query"]["end_date"]) for r in log.calls("get_all_cpc_ads_daily")}
    fmt = "%d-%m-%Y"
    assert ranges == {
        ((today - timedelta(days=5)).strftime(fmt), (today - timedelta(days=4)).strftime(fmt)),  # a lone day
        ((today - timedelta(days=3)).strftime(fmt), (today - timedelta(days=1)).strftime(fmt)),
    }


@pytest.mark.django_db
def test_a_spend_spike_shows_in_todays_hours(simulator, make_shopee_store):
    shop = make_shopee_store()  # SG: UTC+8
    advance_to_local(simulator, 10, 40, 8)  # past the access token's life: the session refreshes it
    today = today_of(simulator, shop.shop_id)
    before = read(store_session(shop.store), today=today, closed_days=[])
    spiked = simulator.control.http.post(f"shopee/shops/{shop.shop_id}/ads/spike", json={"factor": 4})
    assert spiked.status_code == 200
    after = read(store_session(shop.store), today=today, closed_days=[])
    hour = {h.hour: h.spend for h in before.hours}
    now = {h.hour: h.spend for h in after.hours}
    assert max(hour) == max(now) == 10
    assert all(now[h] == hour[h] for h in range(10))  # earlier hours are as they were
    assert now[10] > 2 * hour[10] > 0


@pytest.mark.django_db
def test_a_paused_campaign_reads_as_paused(simulator, make_shopee_store):
    shop = make_shopee_store()
    first = summary(simulator, shop.shop_id)["campaigns"][0]["campaign_id"]
    route = f"shopee/shops/{shop.shop_id}/ads/campaigns/{first}"
    simulator.control.http.post(route, json={"campaign_status": "paused", "campaign_budget": 250.5})
    reading = read(store_session(shop.store), today=today_of(simulator, shop.shop_id), closed_days=[])
    campaign = next(c for c in reading.campaigns if c.platform_id == str(first))
    assert (campaign.state, campaign.budget, campaign.budget_period) == ("paused", Decimal("250.5"), "daily")


@pytest.mark.django_db
def test_malformed_rows_are_skipped_with_a_log_line(simulator, make_shopee_store, inject, caplog):
    shop = make_shopee_store()
    inject("shopee", "wrong_types", path="get_all_cpc_ads_hourly_performance", count=1)
    with caplog.at_level(logging.WARNING, logger="ads.shopee"):
        reading = read(store_session(shop.store), today=today_of(simulator, shop.shop_id), closed_days=[])
    assert reading.hours == []
    assert "skipped a malformed Shopee ads row" in caplog.text
    assert reading.campaigns and reading.balance is not None  # the rest of the reading is there


@pytest.mark.django_db
def test_a_poll_of_a_connected_shop_stores_its_reading(simulator, make_shopee_store):
    shop = make_shopee_store()
    ads_dispatch(queue=lambda ids: None)
    result = ads_poll(store_id=shop.store.pk)
    assert result.outcome == "ok", AdsStore.objects.get(store=shop.store).last_error
    assert result.reading is not None and len(result.reading.complete_days) == 15  # 14 closed days and today
    assert AdsDay.objects.filter(store=shop.store).exists()


@pytest.mark.django_db
def test_a_shop_whose_app_lacks_the_ads_permission_waits_a_day_saying_why(simulator, make_shopee_store):
    shop = make_shopee_store()
    ads_dispatch(queue=lambda ids: None)
    with simulator.control.configured(shopee={"ads_permission": False}):
        result = ads_poll(store_id=shop.store.pk)
    assert result.outcome == "not_connected"
    ads = AdsStore.objects.get(store=shop.store)
    assert ads.connected is False and ads.failures == 0
    assert "permission" in ads.last_error
    assert ads.next_poll_at > timezone.now() + timedelta(hours=23)  # asked again tomorrow, not every hour
