"""Shopee's side of an ads poll: one `AdsReading` from the shop's read-only ads API (stores.clients.shopee_ads).

`read(session, today=..., closed_days=...)` asks, through the store's session (a token Shopee calls expired is
refreshed once): the campaign list and their settings (100 per call), the balance, today's hours for the whole
shop (`get_all_cpc_ads_hourly_performance`) and per campaign (`get_product_campaign_hourly_performance`, summed
into today's figure of each campaign), and the closed days by day for the shop and per campaign.

The daily APIs refuse a range whose start equals its end, and ranges longer than a month or older than six
months: closed days are read in runs of consecutive days, at most 28 a call (a month by any reckoning); a lone
day is asked as a two-day range (the day and the next, never later than today) and only the days asked for are
kept; a day older than six months cannot be read and is left out of `complete_days`. Sales are `broad_gmv`,
orders `broad_order`, spend `expense`. Rows the client finds malformed, and campaigns it cannot convert, are
skipped with a log line.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from orders.platforms import ShopeeSession, safe_rows
from stores.clients.shopee_ads import CampaignMetrics, CampaignSetting, ShopeeAdsClient, ShopPerformance

from .readings import AdsReading, BudgetPeriod, Campaign, CampaignState, Figures

logger = logging.getLogger(__name__)

MAX_SPAN_DAYS = 28  # days per daily call: within "1 month" however the platform counts it
STATES = {
    "ongoing": CampaignState.RUNNING,
    "scheduled": CampaignState.SCHEDULED,
    "paused": CampaignState.PAUSED,
    "ended": CampaignState.ENDED,
    "closed": CampaignState.ENDED,
    "deleted": CampaignState.ENDED,
}


def read(session: ShopeeSession, *, today: date, closed_days: list[date]) -> AdsReading:
    """The shop's campaigns, balance, today's figures so far (by hour for the shop, by day per campaign) and the
    closed days' figures (shop and campaigns). `calls` counts every platform call, a repeat after a token
    refresh included."""
    made: list[int] = []

    def work(shop_client) -> AdsReading:
        client = ShopeeAdsClient.for_shop(shop_client)
        try:
            return _read(client, store_id=session.store.pk, today=today, closed_days=closed_days)
        finally:
            made.append(client.calls)

    reading = session.run(work)
    reading.calls = sum(made)
    return reading


def _read(client: ShopeeAdsClient, *, store_id: int, today: date, closed_days: list[date]) -> AdsReading:
    reading = AdsReading()
    ids = [ref.campaign_id for ref in client.get_product_level_campaign_id_list()]
    if ids:
        skipped: list[str] = []
        settings = client.get_product_level_campaign_setting_info(ids, skipped=skipped)
        _log_skipped(store_id, skipped)
        reading.campaigns = safe_rows(settings, campaign, store_id=store_id, what="Shopee ads campaign")
    reading.balance = client.get_total_balance().total_balance
    _today(client, reading, store_id=store_id, today=today, ids=ids)
    days = _readable(store_id, today, closed_days)
    for start, end, wanted in spans(days, today=today):
        _closed(client, reading, store_id=store_id, start=start, end=end, wanted=wanted, ids=ids)
    reading.complete_days = sorted(days) + [today]
    return reading


def _today(client: ShopeeAdsClient, reading: AdsReading, *, store_id: int, today: date, ids: list[int]) -> None:
    skipped: list[str] = []
    hours = client.get_all_cpc_ads_hourly_performance(today, skipped=skipped)
    reading.hours = safe_rows(hours, lambda row: figures(row, ""), store_id=store_id, what="Shopee ads hour")
    reading.days.append(_summed(today, "", reading.hours))
    if ids:
        for performance in client.get_product_campaign_hourly_performance(ids, today, skipped=skipped):
            cid = str(performance.campaign_id)
            rows = safe_rows(performance.metrics, lambda m, c=cid: figures(m, c), store_id=store_id, what="ads hour")
            reading.days.append(_summed(today, cid, rows))
    _log_skipped(store_id, skipped)


def _closed(client, reading: AdsReading, *, store_id: int, start: date, end: date, wanted: set, ids) -> None:
    skipped: list[str] = []
    rows = client.get_all_cpc_ads_daily_performance(start, end, skipped=skipped)
    for row in safe_rows(rows, lambda r: figures(r, ""), store_id=store_id, what="Shopee ads day"):
        if row.day in wanted:
            reading.days.append(row)
    if ids:
        for performance in client.get_product_campaign_daily_performance(ids, start, end, skipped=skipped):
            cid = str(performance.campaign_id)
            for row in safe_rows(performance.metrics, lambda m, c=cid: figures(m, c), store_id=store_id, what="day"):
                if row.day in wanted:
                    reading.days.append(row)
    _log_skipped(store_id, skipped)


def spans(days: Iterable[date], *, today: date) -> list[tuple[date, date, set[date]]]:
    """(start, end, days wanted) per daily call: runs of consecutive days, at most MAX_SPAN_DAYS each; a lone
    day becomes the two-day range (day, day + 1), since start == end is refused."""
    ordered = sorted(set(days))
    runs: list[list[date]] = []
    for day in ordered:
        if runs and day - runs[-1][-1] == timedelta(days=1) and len(runs[-1]) < MAX_SPAN_DAYS:
            runs[-1].append(day)
        else:
            runs.append([day])
    result = []
    for run in runs:
        start, end = run[0], run[-1]
        if start == end:
            end = min(start + timedelta(days=1), today)
            if end == start:  # only when the "closed" day is today; the hourly call already covers it
                continue
        result.append((start, end, set(run)))
    return result


def _readable(store_id: int, today: date, closed_days: list[date]) -> list[date]:
    oldest = six_months_before(today)
    days = sorted({d for d in closed_days if oldest <= d < today})
    left_out = sorted(set(closed_days) - set(days))
    if left_out:
        logger.info("store %s: ads days %s not read (older than six months, or not closed)", store_id, left_out)
    return days


def six_months_before(day: date) -> date:
    """The same day six calendar months earlier (the month's last day when it is shorter)."""
    month = day.month - 6
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def campaign(setting: CampaignSetting) -> Campaign:
    budget = setting.campaign_budget
    return Campaign(
        platform_id=str(setting.campaign_id),
        name=setting.ad_name,
        state=STATES.get(setting.campaign_status, CampaignState.OTHER),
        platform_state=setting.campaign_status,
        budget=None if budget == 0 else budget,
        budget_period=BudgetPeriod.NONE if budget == 0 else BudgetPeriod.DAILY,
    )


def figures(row: ShopPerformance | CampaignMetrics, campaign_id: str) -> Figures:
    if row.expense < 0 or row.broad_gmv < 0:
        raise ValueError("negative ads figures")
    return Figures(
        day=row.date,
        campaign_id=campaign_id,
        spend=row.expense,
        impressions=row.impression,
        clicks=row.clicks,
        orders=row.broad_order,
        sales=row.broad_gmv,
        hour=row.hour,
    )


def _summed(day: date, campaign_id: str, hours: list[Figures]) -> Figures:
    return Figures(
        day=day,
        campaign_id=campaign_id,
        spend=sum((h.spend for h in hours), Decimal(0)),
        impressions=sum(h.impressions for h in hours),
        clicks=sum(h.clicks for h in hours),
        orders=sum(h.orders for h in hours),
        sales=sum((h.sales for h in hours), Decimal(0)),
    )


def _log_skipped(store_id: int, skipped: list[str]) -> None:
    for what in skipped:
        logger.warning("store %s: skipped a malformed Shopee ads row (%s)", store_id, what)
