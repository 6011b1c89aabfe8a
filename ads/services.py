"""Storing what a poll read (`reading_store`) and the alerts it raises, in one transaction per poll.

A reading replaces the store's figures for the days it holds completely (delete and insert, two statements),
upserts its campaigns (one statement) and today's running totals per hour (one statement), then checks:

- `ads.spend_spike`: today's spend so far against the usual spend by the same hour — the average over the last
  7 days of the running total at that hour (AdsHour), or, for a day without hourly totals, that day's spend ×
  the share of the day gone — or this hour's spend against the usual of this hour (a burst late in the day);
  at least `spike_ratio` times it and `spike_min_spend` more; once a day.
- `ads.budget_nearly_used`: a running campaign past `budget_share` % of its budget (a daily budget against
  today's spend, a weekly one against the spend since Monday); once per campaign and budget period.
- `ads.campaign_stopped`: a campaign seen running that is now paused or out of budget (Ozon's
  CAMPAIGN_STATE_STOPPED means out of budget since 2024-10-11; the message names the platform's own state);
  once per campaign, day and state.
- `ads.roas_drop`: yesterday's ROAS `roas_drop` % or more below that of the 7 days before (with at least 3 of
  them spending, and yesterday spending at least `spike_min_spend`); once per store and day.

Events go through the outbox (events.emit_many) in the same transaction; the routes send them to the
广告/运营 robot, mentioning the store's ads role holders.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

import events
from audit.services import record
from events.choices import EventKind
from events.services import EventRow

from .choices import STOPPED_STATES, BudgetPeriod, CampaignState
from .models import AdsDay, AdsHour, AdsStore, Campaign
from .readings import AdsReading, Figures

ZERO = Decimal(0)
CENT = Decimal("0.01")
BASELINE_DAYS = 7
MIN_BASELINE_DAYS = 3
STOPPED_REASON = {CampaignState.PAUSED: "已暂停", CampaignState.OUT_OF_BUDGET: "预算用尽"}
PERIOD_WORDS = {BudgetPeriod.DAILY: "日预算", BudgetPeriod.WEEKLY: "周预算", BudgetPeriod.TOTAL: "总预算"}


def money(value: Decimal | None, currency: str) -> str:
    if value is None:
        return "-"
    return f"{value.quantize(CENT, ROUND_HALF_UP):,.2f} {currency}".strip()


def roas(sales: Decimal, spend: Decimal) -> Decimal | None:
    """Sales from ads per unit of spend (ROAS); None without spend."""
    return (sales / spend).quantize(CENT, ROUND_HALF_UP) if spend else None


def ads_store_for(store) -> AdsStore:
    ads, _ = AdsStore.objects.get_or_create(store=store, defaults={"next_poll_at": timezone.now()})
    return ads


@transaction.atomic
def reading_store(
    *,
    store,
    reading: AdsReading,
    today: date,
    hour: int,
    currency: str,
    minute: int = 59,
    now: datetime | None = None,
) -> list[int]:
    """Store `reading` for `store` (see the module) and emit its alerts; the ids of the new events. `today` and
    `hour` are the platform's day and hour at the poll (the shop's time for Shopee, Moscow's for Ozon)."""
    now = now or timezone.now()
    ads = AdsStore.objects.select_for_update().get(store=store)
    previous = dict(Campaign.objects.filter(store=store).values_list("platform_id", "state"))
    if reading.campaigns:
        Campaign.objects.bulk_create(
            [
                Campaign(
                    store=store,
                    platform_id=c.platform_id,
                    name=c.name[:300],
                    state=c.state,
                    platform_state=c.platform_state[:64],
                    budget=c.budget,
                    budget_period=c.budget_period,
                    seen_at=now,
                )
                for c in reading.campaigns
            ],
            update_conflicts=True,
            unique_fields=["store", "platform_id"],
            update_fields=["name", "state", "platform_state", "budget", "budget_period", "seen_at"],
        )
    complete = set(reading.complete_days)
    if complete:
        AdsDay.objects.filter(store=store, day__in=complete).delete()
        AdsDay.objects.bulk_create(
            [
                AdsDay(
                    store=store,
                    day=f.day,
                    campaign_ref=f.campaign_id,
                    spend=f.spend,
                    impressions=f.impressions,
                    clicks=f.clicks,
                    orders=f.orders,
                    sales=f.sales,
                    final=f.day < today,
                )
                for f in _summed(reading)
                if f.day in complete
            ]
        )
    today_spend = sum((f.spend for f in reading.days if f.day == today and not f.campaign_id), ZERO)
    marks = _hour_marks(reading, today=today, hour=hour, today_spend=today_spend)
    if marks:
        AdsHour.objects.bulk_create(
            [AdsHour(store=store, day=today, hour=h, spend_to_date=v) for h, v in marks.items()],
            update_conflicts=True,
            unique_fields=["store", "day", "hour"],
            update_fields=["spend_to_date"],
        )
    rows = []
    base = {"currency": currency, "day": today.isoformat()}
    if hour and hour - 1 not in marks:  # the last hour's running total from an earlier poll (Ozon), if any
        last = (
            AdsHour.objects.filter(store=store, day=today, hour=hour - 1)
            .values_list("spend_to_date", flat=True)
            .first()
        )
        if last is not None:
            marks = {**marks, hour - 1: last}
    spike = _spike(
        ads, store=store, today=today, hour=hour, minute=minute, spend=today_spend, marks=marks, currency=currency
    )
    if spike:
        rows.append(EventRow(EventKind.ADS_SPEND_SPIKE, store.pk, f"ads.spend_spike:{store.pk}:{today}", base | spike))
    rows += _budget_rows(ads, store=store, reading=reading, today=today, currency=currency, base=base)
    for c in reading.campaigns:
        was = previous.get(c.platform_id)
        if c.state in STOPPED_STATES and was is not None and was not in STOPPED_STATES:
            spent = next((f.spend for f in reading.days if f.day == today and f.campaign_id == c.platform_id), ZERO)
            payload = base | {
                "campaign": c.name or c.platform_id,
                "campaign_id": c.platform_id,
                "reason": STOPPED_REASON[c.state],
                "platform_state": c.platform_state,
                "spend": money(spent, currency),
            }
            key = f"ads.campaign_stopped:{store.pk}:{c.platform_id}:{today}:{c.state}"
            rows.append(EventRow(EventKind.ADS_CAMPAIGN_STOPPED, store.pk, key[:200], payload))
    yesterday = today - timedelta(days=1)
    if yesterday in complete:
        drop = _roas_drop(ads, store=store, day=yesterday, currency=currency)
        if drop:
            rows.append(
                EventRow(EventKind.ADS_ROAS_DROP, store.pk, f"ads.roas_drop:{store.pk}:{yesterday}", base | drop)
            )
    closed = [d for d in complete if d < today]
    AdsStore.objects.filter(pk=ads.pk).update(
        currency=currency,
        balance=reading.balance,
        last_polled_at=now,
        failures=0,
        last_error="",
        connected=True,
        closed_through=max([*closed, ads.closed_through] if ads.closed_through else closed, default=None),
    )
    return events.emit_many(rows) if rows else []


def _summed(reading: AdsReading):
    """The reading's daily figures, with the store's own row made from its campaigns' when the platform gave
    none for a day (so every day read has a store total)."""
    figures = list(reading.days)
    have_total = {f.day for f in figures if not f.campaign_id}
    totals: dict[date, list] = defaultdict(list)
    for f in figures:
        if f.campaign_id and f.day not in have_total:
            totals[f.day].append(f)
    for day, parts in totals.items():
        figures.append(
            Figures(
                day=day,
                campaign_id="",
                spend=sum((p.spend for p in parts), ZERO),
                impressions=sum(p.impressions for p in parts),
                clicks=sum(p.clicks for p in parts),
                orders=sum(p.orders for p in parts),
                sales=sum((p.sales for p in parts), ZERO),
            )
        )
    for day in set(reading.complete_days) - have_total - set(totals):
        figures.append(Figures(day=day, campaign_id="", spend=ZERO))  # a day read with no spend at all
    return figures


def _hour_marks(reading: AdsReading, *, today: date, hour: int, today_spend: Decimal) -> dict[int, Decimal]:
    """Today's running totals by hour: from the hourly figures when the platform gives them, else the spend seen
    now as this hour's."""
    hourly = [f for f in reading.hours if f.day == today and not f.campaign_id and f.hour is not None]
    if not hourly:
        return {hour: today_spend} if any(f.day == today for f in reading.days) or reading.complete_days else {}
    per_hour: dict[int, Decimal] = defaultdict(Decimal)
    for f in hourly:
        per_hour[int(f.hour or 0)] += f.spend
    marks, running = {}, ZERO
    for h in range(0, hour + 1):
        running += per_hour.get(h, ZERO)
        marks[h] = running
    return marks


def _spike(
    ads: AdsStore, *, store, today: date, hour: int, minute: int, spend: Decimal, marks: dict, currency: str
) -> dict | None:
    """A spend spike, by either measure: today's spend so far against the usual spend by this hour, or this hour's
    spend against the usual spend of this hour (scaled to the part of it gone, a quarter at least) — a burst late
    in the day is not lost in the day's total. The usual is the average over the last 7 days (at least 3 of them)
    of their running totals (AdsHour), or of their day's spend spread evenly over its hours."""
    days = [today - timedelta(days=n) for n in range(1, BASELINE_DAYS + 1)]
    hours = [h for h in (hour - 1, hour) if h >= 0]
    past: dict[tuple[date, int], Decimal] = {
        (d, h): v
        for d, h, v in AdsHour.objects.filter(store=store, day__in=days, hour__in=hours).values_list(
            "day", "hour", "spend_to_date"
        )
    }
    totals = dict(AdsDay.objects.filter(store=store, day__in=days, campaign_ref="").values_list("day", "spend"))

    def by_hour(d: date, h: int) -> Decimal | None:
        if h < 0:
            return ZERO
        if (d, h) in past:
            return past[(d, h)]
        return totals[d] * Decimal(h + 1) / Decimal(24) if d in totals else None

    by_now = [v for d in days if (v := by_hour(d, hour)) is not None]
    if len(by_now) < MIN_BASELINE_DAYS:
        return None
    usual = sum(by_now, ZERO) / len(by_now)
    if spend >= usual * ads.spike_ratio and spend - usual >= ads.spike_min_spend:
        return _spike_payload(f"今日截至{hour:02d}:59", spend, usual, hour, currency)
    before = marks.get(hour - 1) if hour else ZERO
    if before is None:  # no running total from the last hour to tell this hour's spend
        return None
    in_hour = [a - b for d in days if (a := by_hour(d, hour)) is not None and (b := by_hour(d, hour - 1)) is not None]
    usual_hour = sum(in_hour, ZERO) / len(in_hour) * Decimal(max(minute + 1, 15)) / Decimal(60)
    this_hour = spend - before
    if this_hour >= usual_hour * ads.spike_ratio and this_hour - usual_hour >= ads.spike_min_spend:
        return _spike_payload(f"{hour:02d}:00–{hour:02d}:{minute:02d}", this_hour, usual_hour, hour, currency)
    return None


def _spike_payload(period: str, spend: Decimal, usual: Decimal, hour: int, currency: str) -> dict:
    ratio = (spend / usual).quantize(Decimal("0.1"), ROUND_HALF_UP) if usual else None
    return {
        "period": period,
        "hour": f"{hour:02d}:59",
        "spend": money(spend, currency),
        "usual": money(usual, currency),
        "ratio": f"{ratio}" if ratio is not None else "∞",
        "spend_amount": str(spend),
        "usual_amount": str(usual.quantize(CENT, ROUND_HALF_UP)),
    }


def _budget_rows(ads: AdsStore, *, store, reading: AdsReading, today: date, currency: str, base: dict) -> list:
    limited = [
        c
        for c in reading.campaigns
        if c.budget
        and c.state == CampaignState.RUNNING
        and c.budget_period in (BudgetPeriod.DAILY, BudgetPeriod.WEEKLY)
    ]
    if not limited:
        return []
    monday = today - timedelta(days=today.weekday())
    week = dict(
        AdsDay.objects.filter(
            store=store, day__gte=monday, day__lt=today, campaign_ref__in=[c.platform_id for c in limited]
        )
        .values_list("campaign_ref")
        .annotate(s=Sum("spend"))
        .order_by()
    )
    todays = {f.campaign_id: f.spend for f in reading.days if f.day == today and f.campaign_id}
    rows = []
    for c in limited:
        spent = todays.get(c.platform_id, ZERO)
        period = today.isoformat()
        if c.budget_period == BudgetPeriod.WEEKLY:
            spent += week.get(c.platform_id) or ZERO
            period = f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}"
        assert c.budget is not None
        if spent * 100 < c.budget * ads.budget_share:
            continue
        payload = base | {
            "campaign": c.name or c.platform_id,
            "campaign_id": c.platform_id,
            "spent": money(spent, currency),
            "budget": money(c.budget, currency),
            "period": PERIOD_WORDS.get(c.budget_period, ""),
            "share": f"{(100 * spent / c.budget).quantize(Decimal('1'), ROUND_HALF_UP)}%",
        }
        key = f"ads.budget_nearly_used:{store.pk}:{c.platform_id}:{period}"
        rows.append(EventRow(EventKind.ADS_BUDGET_NEARLY_USED, store.pk, key[:200], payload))
    return rows


def _roas_drop(ads: AdsStore, *, store, day: date, currency: str) -> dict | None:
    since = day - timedelta(days=BASELINE_DAYS)
    rows = {
        d: (spend, sales)
        for d, spend, sales in AdsDay.objects.filter(
            store=store, campaign_ref="", day__gte=since, day__lte=day
        ).values_list("day", "spend", "sales")
    }
    spend, sales = rows.get(day, (ZERO, ZERO))
    before = [v for d, v in rows.items() if d < day and v[0] > 0]
    if spend < ads.spike_min_spend or len(before) < MIN_BASELINE_DAYS:
        return None
    usual = roas(sum((s for _, s in before), ZERO), sum((sp for sp, _ in before), ZERO))
    now_roas = roas(sales, spend)
    if not usual or now_roas is None or now_roas * 100 > usual * (100 - ads.roas_drop):
        return None
    return {
        "day": day.isoformat(),
        "roas": f"{now_roas}",
        "usual_roas": f"{usual}",
        "drop": f"-{((1 - now_roas / usual) * 100).quantize(Decimal('1'), ROUND_HALF_UP)}%",
        "spend": money(spend, currency),
        "sales": money(sales, currency),
    }


@transaction.atomic
def ads_settings_update(*, actor, ads: AdsStore, data: dict) -> AdsStore:
    """Change a store's ads alert thresholds (audited; the actor is the request's, from the audit context)."""
    stored = AdsStore.objects.select_for_update().filter(pk=ads.pk).values(*data).first() or {}
    before = {name: str(stored.get(name)) for name in data}  # as saved (a ModelForm has changed `ads` already)
    for name, value in data.items():
        setattr(ads, name, value)
    ads.full_clean()
    ads.save(update_fields=list(data))
    after = {name: str(getattr(ads, name)) for name in data}
    record("ads.settings_update", target=ads, store=ads.store, before=before, after=after)
    return ads


def digest_figures(figures: dict, *, start: date, days: int) -> None:
    """The ads lines of the daily and weekly digests (orders.digests): each store's ads spend and sales over the
    period (the ads' platform days), in its ads currency; two queries."""
    currencies = dict(AdsStore.objects.filter(store_id__in=list(figures)).values_list("store_id", "currency"))
    if not currencies:
        return
    spent = (
        AdsDay.objects.filter(
            store_id__in=list(currencies), campaign_ref="", day__gte=start, day__lt=start + timedelta(days=days)
        )
        .values_list("store_id")
        .annotate(spend=Sum("spend"), sales=Sum("sales"))
        .order_by()
    )
    for store_id, spend, sales in spent:
        currency = currencies[store_id]
        figures[store_id].ads_spend[currency] = spend
        figures[store_id].ads_sales[currency] = sales
