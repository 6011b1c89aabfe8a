"""Ozon's side of an ads poll: one `AdsReading` from the store's Performance API (stores.clients.ozon_performance).

`read(store, today=..., closed_days=...)` uses the store's Performance keys (`OzonPerformanceCredential`, not the
Seller API keys): without them `NotConnected`; when Ozon refuses them (the token call, or a token refused again
after one renewal) `AuthorizationLost`. It asks the campaign list once, then the synchronous
`/statistics/daily/json` for every campaign over windows of at most 30 Moscow days that cover the closed days
asked for and today (today is partial; one call usually covers both). Days without a row have no figures: each
day read gets a store-level figure (the sum of its campaigns', zero when none spent) and one per campaign that
has a row. Sales are `ordersMoney`, orders `orders`, impressions `views`, spend `moneySpent` (roubles with VAT).
No hourly figures and no balance (the Performance API has neither). Malformed rows and campaigns are skipped
with a log line.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date
from decimal import Decimal

from orders.platforms import AuthorizationLost, NotConnected, call_retry, safe_rows
from stores.authorization import shared_http
from stores.clients.errors import InvalidCredentials
from stores.clients.ozon_performance import DailyRow, OzonPerformanceClient, PerformanceCampaign
from stores.credentials import sanitize_error
from stores.models import OzonPerformanceCredential, Store

from .readings import AdsReading, BudgetPeriod, Campaign, CampaignState, Figures

logger = logging.getLogger(__name__)

MAX_SPAN_DAYS = 30  # days per statistics call (the live API answers 30-day calls)
STATES = {
    "CAMPAIGN_STATE_RUNNING": CampaignState.RUNNING,
    "CAMPAIGN_STATE_PLANNED": CampaignState.SCHEDULED,
    "CAMPAIGN_STATE_INACTIVE": CampaignState.PAUSED,
    "CAMPAIGN_STATE_STOPPED": CampaignState.OUT_OF_BUDGET,  # the meaning since 2024-10-11
    "CAMPAIGN_STATE_FINISHED": CampaignState.ENDED,
    "CAMPAIGN_STATE_ARCHIVED": CampaignState.ENDED,
}
WEEKLY, DAILY = "PRODUCT_CAMPAIGN_BUDGET_TYPE_WEEKLY", "PRODUCT_CAMPAIGN_BUDGET_TYPE_DAILY"


def read(store: Store, *, today: date, closed_days: list[date]) -> AdsReading:
    """The store's campaigns, today's figures so far and the closed days' figures (store and campaigns), by
    Moscow day. `calls` counts every platform call, token calls and a repeat after a renewal included."""
    credential = OzonPerformanceCredential.objects.filter(store=store).first()
    if credential is None:
        raise NotConnected("the store has no Ozon Performance API keys", platform="ozon")
    client = OzonPerformanceClient.from_settings(
        client_id=credential.client_id,
        client_secret=credential.client_secret,
        http_client=shared_http(),
        retry=call_retry(),
    )
    try:
        reading = _read(client, store_id=store.pk, today=today, closed_days=closed_days)
    except InvalidCredentials as exc:
        raise AuthorizationLost(sanitize_error(exc, secrets=(credential.client_secret,)), platform="ozon") from None
    reading.calls = client.calls
    return reading


def _read(client: OzonPerformanceClient, *, store_id: int, today: date, closed_days: list[date]) -> AdsReading:
    reading = AdsReading()
    skipped: list[str] = []
    campaigns = client.campaigns(skipped=skipped)
    reading.campaigns = safe_rows(campaigns, campaign, store_id=store_id, what="Ozon ads campaign")
    days = sorted({d for d in closed_days if d < today} | {today})
    for start, end in spans(days):
        rows = client.daily_statistics(None, start, end, skipped=skipped)
        figures = safe_rows(rows, campaign_figures, store_id=store_id, what="Ozon ads day")
        wanted = {d for d in days if start <= d <= end}
        reading.days += [f for f in figures if f.day in wanted]
    reading.days += store_totals(reading.days, days)
    reading.complete_days = days
    for what in skipped:
        logger.warning("store %s: skipped a malformed Ozon ads row (%s)", store_id, what)
    return reading


def spans(days: list[date]) -> list[tuple[date, date]]:
    """(start, end) per statistics call: the sorted days in windows of at most MAX_SPAN_DAYS days (days
    between the ones asked for are read too and dropped: one call is cheaper than several)."""
    result: list[tuple[date, date]] = []
    for day in sorted(days):
        if result and (day - result[-1][0]).days < MAX_SPAN_DAYS:
            result[-1] = (result[-1][0], day)
        else:
            result.append((day, day))
    return result


def campaign(row: PerformanceCampaign) -> Campaign:
    budget, period = budget_of(row)
    return Campaign(
        platform_id=str(row.id),
        name=row.title,
        state=STATES.get(row.state, CampaignState.OTHER),
        platform_state=row.state,
        budget=budget,
        budget_period=period,
    )


def budget_of(row: PerformanceCampaign) -> tuple[Decimal | None, str]:
    """The campaign's budget in roubles and its period: weekly (`weeklyBudget`) or daily (`budget`, else the
    deprecated `dailyBudget`); 0 = none."""
    if row.budget_type == DAILY:
        amount = row.budget or row.daily_budget
        period = BudgetPeriod.DAILY
    elif row.budget_type == WEEKLY or row.weekly_budget:
        amount = row.weekly_budget or row.budget
        period = BudgetPeriod.WEEKLY
    else:
        amount = row.budget or row.daily_budget
        period = BudgetPeriod.DAILY
    if amount < 0:
        raise ValueError("negative budget")
    return (None, BudgetPeriod.NONE) if amount == 0 else (amount, period)


def campaign_figures(row: DailyRow) -> Figures:
    if row.money_spent < 0 or row.orders_money < 0:
        raise ValueError("negative ads figures")
    return Figures(
        day=row.date,
        campaign_id=str(row.campaign_id),
        spend=row.money_spent,
        impressions=row.views,
        clicks=row.clicks,
        orders=row.orders,
        sales=row.orders_money,
    )


def store_totals(figures: list[Figures], days: list[date]) -> list[Figures]:
    """One store-level figure per day read: the sum of its campaigns' (zero on a day without rows)."""
    sums: dict[date, list] = defaultdict(lambda: [Decimal(0), 0, 0, 0, Decimal(0)])
    for f in figures:
        acc = sums[f.day]
        acc[0] += f.spend
        acc[1] += f.impressions
        acc[2] += f.clicks
        acc[3] += f.orders
        acc[4] += f.sales
    totals = []
    for day in days:
        spend, impressions, clicks, orders, sales = sums[day]
        totals.append(
            Figures(
                day=day,
                campaign_id="",
                spend=spend,
                impressions=impressions,
                clicks=clicks,
                orders=orders,
                sales=sales,
            )
        )
    return totals
