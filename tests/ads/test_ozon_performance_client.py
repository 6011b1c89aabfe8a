"""The Ozon Performance client and the Ozon ads adapter, against the simulator over real HTTP on loopback."""

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest

from ads import ozon
from ads.readings import BudgetPeriod, CampaignState
from orders.platforms import AuthorizationLost, NotConnected, safe_rows
from sandbox.ozon_performance import account_secret
from stores.clients.errors import InvalidCredentials, NotFound
from stores.clients.http import NO_RETRY
from stores.clients.ozon_performance import (
    DailyRow,
    LocalTokenCache,
    OzonPerformanceClient,
    ReportInProgress,
    rub,
)
from stores.models import OzonPerformanceCredential
from tests.factories import StoreFactory

MOSCOW = ZoneInfo("Europe/Moscow")


def moscow_today(simulator) -> date:
    return datetime.fromtimestamp(simulator.control.clock()["now"], MOSCOW).date()


def token_calls(simulator, since: int) -> int:
    rows = simulator.control.requests(service="ozon_performance", since_id=since)
    return sum(1 for r in rows if r["path"] == "/api/client/token")


def last_request_id(simulator) -> int:
    rows = simulator.control.requests(limit=1)
    return rows[-1]["id"] if rows else 0


@pytest.fixture
def perf_url(simulator):
    return f"{simulator.base_url}/ozon-performance"


@pytest.fixture
def keys(simulator):
    seller = simulator.control.create_seller(name="Ozon ads client seller")
    return (
        f"{seller['client_id']}@advertising.performance.ozon.ru",
        account_secret(seller["client_id"], seller["api_key"]),
        seller["client_id"],
    )


@pytest.fixture
def client(perf_url, keys):
    with OzonPerformanceClient(
        client_id=keys[0], client_secret=keys[1], base_url=perf_url, token_cache=LocalTokenCache(), retry=NO_RETRY
    ) as client:
        yield client


# --- the client -----------------------------------------------------------------------------------------


def test_token_is_cached_and_renewed_once_after_expiry(simulator, client):
    since = last_request_id(simulator)
    first = client.campaigns()
    assert client.campaigns() == first
    assert client.calls == 3 and token_calls(simulator, since) == 1
    simulator.control.advance(1801)  # Ozon's clock: the cached token is dead there, not here
    assert client.campaigns() == first
    assert client.calls == 6  # the refused call, a new token, the repeat
    assert token_calls(simulator, since) == 2


def test_tokens_are_shared_through_the_django_cache(simulator, settings, perf_url, keys):
    settings.OZON_PERFORMANCE_BASE_URL = perf_url
    since = last_request_id(simulator)
    for _ in range(2):
        with OzonPerformanceClient.from_settings(client_id=keys[0], client_secret=keys[1]) as one:
            one.campaigns()
    assert token_calls(simulator, since) == 1


def test_refused_secret_is_invalid_credentials_without_the_secret(perf_url, keys):
    with OzonPerformanceClient(
        client_id=keys[0], client_secret="wrong-secret-1234", base_url=perf_url, retry=NO_RETRY
    ) as bad:
        with pytest.raises(InvalidCredentials) as caught:
            bad.campaigns()
    assert "invalid_client" in str(caught.value) and "wrong-secret-1234" not in str(caught.value)
    assert "wrong-secret-1234" not in repr(bad)


def test_campaigns_parse_budgets_and_filters(client):
    campaigns = client.campaigns()
    assert 3 <= len(campaigns) <= 8
    for c in campaigns:
        assert isinstance(c.id, int) and c.state.startswith("CAMPAIGN_STATE_")
        assert isinstance(c.weekly_budget, Decimal) and c.payment_type in ("CPC", "CPM", "CPO")
        raw = c.raw["weeklyBudget"] if c.budget_type.endswith("WEEKLY") else c.raw["budget"]
        assert (c.weekly_budget if c.budget_type.endswith("WEEKLY") else c.budget) * 1_000_000 == int(raw)
    ids = [campaigns[0].id, campaigns[2].id]
    assert [c.id for c in client.campaigns(ids)] == ids  # repeated campaignIds, never a comma list


def test_daily_and_expense_statistics_are_parsed(simulator, client, perf_url):
    today = moscow_today(simulator) - timedelta(days=1)  # closed days: today's figures grow with real time
    rows = client.daily_statistics(None, today - timedelta(days=6), today)
    assert rows and all(isinstance(r, DailyRow) for r in rows)
    token = client.access_token()
    raw = httpx.get(
        f"{perf_url}/api/client/statistics/daily/json",
        params={"dateFrom": (today - timedelta(days=6)).isoformat(), "dateTo": today.isoformat()},
        headers={"Authorization": f"Bearer {token}"},
    ).json()["rows"]
    assert [(r.campaign_id, r.date.isoformat(), r.money_spent, r.views, r.orders_money) for r in rows] == [
        (
            int(r["id"]),
            r["date"],
            Decimal(r["moneySpent"].replace(",", ".")),
            int(r["views"]),
            rub(r["ordersMoney"], "x"),
        )
        for r in raw
    ]
    expense = client.expense_statistics([rows[0].campaign_id], today - timedelta(days=6), today)
    spent = {(r.campaign_id, r.date): r.money_spent for r in rows if r.campaign_id == rows[0].campaign_id}
    assert {(r.campaign_id, r.date): r.money_spent for r in expense} == spent


def test_amounts_with_a_decimal_comma():
    assert rub("2764,63", "x") == Decimal("2764.63")
    assert rub("0,00", "x") == Decimal(0)
    assert rub("1 234,5", "x") == Decimal("1234.5")
    with pytest.raises(Exception, match="expected an amount"):
        rub("12,3,4", "x")


def test_report_flow_one_at_a_time(simulator, client):
    today = moscow_today(simulator)
    ids = [c.id for c in client.campaigns()][:2]
    uuid = client.order_report(ids, today - timedelta(days=7), today - timedelta(days=1))
    with pytest.raises(ReportInProgress) as busy:
        client.order_report(ids[:1], today - timedelta(days=2), today - timedelta(days=1))
    assert busy.value.retryable and busy.value.retry_after
    assert client.report_state(uuid).state == "NOT_STARTED"
    simulator.control.advance(11)
    state = client.report_state(uuid)
    assert state.ready and state.link
    reports = client.report(uuid)
    assert sorted(r.campaign_id for r in reports) == sorted(ids)
    daily = client.daily_statistics(ids, today - timedelta(days=7), today - timedelta(days=1))
    for report in reports:
        assert all(row.date is not None and row.models == 0 for row in report.rows)  # omitted zero fields read 0
        spent = sum((row.money_spent for row in report.rows), Decimal(0))
        assert spent == sum((r.money_spent for r in daily if r.campaign_id == report.campaign_id), Decimal(0))
    with pytest.raises(NotFound):
        client.report_state("00000000-0000-0000-0000-000000000000")
    with pytest.raises(ValueError):
        client.order_report(range(1, 12), today - timedelta(days=1), today)


# --- the adapter ----------------------------------------------------------------------------------------


@pytest.fixture
def ozon_store(db, settings, perf_url, keys):
    settings.OZON_PERFORMANCE_BASE_URL = perf_url
    store = StoreFactory(platform="ozon", site="RU", shop_id=str(keys[2]))
    OzonPerformanceCredential.objects.create(store=store, client_id=keys[0], client_secret=keys[1])
    return store


def test_adapter_without_keys_is_not_connected(db):
    store = StoreFactory(platform="ozon", site="RU")
    with pytest.raises(NotConnected):
        ozon.read(store, today=date(2026, 12, 5), closed_days=[])


def test_adapter_refused_keys_is_authorization_lost(ozon_store):
    OzonPerformanceCredential.objects.filter(store=ozon_store).update(client_secret="refused-secret-9876")
    with pytest.raises(AuthorizationLost) as caught:
        ozon.read(ozon_store, today=date(2026, 12, 5), closed_days=[])
    assert "refused-secret-9876" not in str(caught.value)


def test_adapter_reads_campaigns_today_and_closed_days(simulator, ozon_store, keys):
    today = moscow_today(simulator)
    closed = [today - timedelta(days=n) for n in (3, 2, 1)]
    reading = ozon.read(ozon_store, today=today, closed_days=closed)
    assert reading.complete_days == [*closed, today]
    assert reading.hours == [] and reading.balance is None
    assert reading.calls == 3  # token, campaigns, one statistics call covering closed days and today
    assert {c.state for c in reading.campaigns} <= set(CampaignState.ALL)
    assert any(
        c.budget is not None and c.budget_period in (BudgetPeriod.WEEKLY, BudgetPeriod.DAILY) for c in reading.campaigns
    )
    store_days = {f.day: f for f in reading.days if f.campaign_id == ""}
    assert sorted(store_days) == reading.complete_days
    for day, total in store_days.items():
        parts = [f for f in reading.days if f.day == day and f.campaign_id]
        assert total.spend == sum((p.spend for p in parts), Decimal(0))
        assert total.sales == sum((p.sales for p in parts), Decimal(0))
        assert total.impressions == sum(p.impressions for p in parts)
    with OzonPerformanceClient(
        client_id=keys[0], client_secret=keys[1], base_url=f"{simulator.base_url}/ozon-performance"
    ) as check:
        rows = check.daily_statistics(None, closed[0], today)
    # closed days agree with the statistics to the kopeck (today's grow with real time)
    assert {(f.campaign_id, f.day): f.spend for f in reading.days if f.campaign_id and f.day < today} == {
        (str(r.campaign_id), r.date): r.money_spent for r in rows if r.date < today
    }


def test_adapter_maps_states_and_budgets(simulator, ozon_store, keys):
    today = moscow_today(simulator)
    seller = keys[2]
    ids = [c.platform_id for c in ozon.read(ozon_store, today=today, closed_days=[]).campaigns]
    control = simulator.control
    control._call(
        "POST",
        f"ozon-performance/{seller}/campaigns/{ids[0]}",
        {"state": "RUNNING", "budget": "1", "budgetType": "DAILY"},
    )
    control._call("POST", f"ozon-performance/{seller}/campaigns/{ids[1]}", {"state": "INACTIVE", "budget": "0"})
    control._call(
        "POST",
        f"ozon-performance/{seller}/campaigns/{ids[2]}",
        {"state": "ARCHIVED", "budget": "7000", "budgetType": "WEEKLY"},
    )
    control.advance(3600)
    campaigns = {c.platform_id: c for c in ozon.read(ozon_store, today=today, closed_days=[]).campaigns}
    assert campaigns[ids[0]].state == CampaignState.OUT_OF_BUDGET
    assert campaigns[ids[0]].platform_state == "CAMPAIGN_STATE_STOPPED"
    assert (campaigns[ids[0]].budget, campaigns[ids[0]].budget_period) == (Decimal(1), BudgetPeriod.DAILY)
    assert campaigns[ids[1]].state == CampaignState.PAUSED
    assert (campaigns[ids[1]].budget, campaigns[ids[1]].budget_period) == (None, BudgetPeriod.NONE)
    assert campaigns[ids[2]].state == CampaignState.ENDED
    assert (campaigns[ids[2]].budget, campaigns[ids[2]].budget_period) == (Decimal(7000), BudgetPeriod.WEEKLY)


def test_malformed_rows_are_skipped_with_a_log_line(caplog):
    good = DailyRow(1, "a", date(2026, 12, 1), 10, 1, Decimal("1.50"), 0, Decimal(0))
    bad = DailyRow(2, "b", date(2026, 12, 1), 10, 1, Decimal("-1"), 0, Decimal(0))
    with caplog.at_level(logging.WARNING):
        rows = safe_rows([good, bad], ozon.campaign_figures, store_id=7, what="Ozon ads day")
    assert [r.campaign_id for r in rows] == ["1"]
    assert "skipped a malformed Ozon ads day" in caplog.text


def test_spans_cover_days_in_windows_of_thirty():
    days = [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 30), date(2026, 10, 31), date(2026, 12, 5)]
    assert ozon.spans(days) == [
        (date(2026, 10, 1), date(2026, 10, 30)),
        (date(2026, 10, 31), date(2026, 10, 31)),
        (date(2026, 12, 5), date(2026, 12, 5)),
    ]
