"""Reads for the ads pages and the board: only the stores where the viewer holds ads_view, a fixed number of
queries whatever their number."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from core.permissions import ALL_STORES, permissions_of
from stores.models import Store

from .choices import STOPPED_STATES, CampaignState
from .models import AdsDay, AdsStore, Campaign
from .polling import platform_now
from .services import roas

VIEW = "ads_view"
OPERATE = "ads_operate"
CHART_DAYS = 14


def ads_stores(*, viewer, permission: str = VIEW) -> QuerySet[Store]:
    """The stores whose ads the viewer may see (ads_view there, or on every store)."""
    stores = permissions_of(viewer).stores_with(permission)
    if stores is ALL_STORES:
        return Store.objects.all()
    return Store.objects.filter(pk__in=stores)


def ads_store_ids(*, viewer, store_ids) -> set[int] | None:
    """Among `store_ids`, those whose ads the viewer may see; None meaning all of them."""
    stores = permissions_of(viewer).stores_with(VIEW)
    return None if stores is ALL_STORES else set(stores) & set(store_ids)


@dataclass
class Totals:
    spend: Decimal = Decimal(0)
    sales: Decimal = Decimal(0)
    impressions: int = 0
    clicks: int = 0
    orders: int = 0

    @property
    def roas(self) -> Decimal | None:
        return roas(self.sales, self.spend)

    @property
    def acos(self) -> Decimal | None:
        """Spend as a share of sales from ads, in % (ACOS)."""
        return (100 * self.spend / self.sales).quantize(Decimal("0.1")) if self.sales else None

    @property
    def ctr(self) -> Decimal | None:
        return (100 * Decimal(self.clicks) / self.impressions).quantize(Decimal("0.01")) if self.impressions else None


@dataclass
class OverviewRow:
    store: Store
    ads: AdsStore | None
    today: Totals = field(default_factory=Totals)
    week: Totals = field(default_factory=Totals)
    running: int = 0
    stopped: int = 0


def overview_rows(stores: list[Store], *, now=None) -> list[OverviewRow]:
    """Per store: today's figures so far (the platform's day), the last 7 closed days', campaigns running and
    stopped (four queries)."""
    now = now or timezone.now()
    ids = [s.pk for s in stores]
    ads = {a.store_id: a for a in AdsStore.objects.filter(store_id__in=ids)}
    rows = {s.pk: OverviewRow(store=s, ads=ads.get(s.pk)) for s in stores}
    today = {s.pk: platform_now(s, now).date() for s in stores}
    first = min(today.values(), default=now.date()) - timedelta(days=7)
    recent = AdsDay.objects.filter(store_id__in=ids, campaign_ref="", day__gte=first)
    for store_id, day, spend, sales in recent.filter(final=False).values_list("store_id", "day", "spend", "sales"):
        if day == today[store_id]:
            rows[store_id].today = Totals(spend=spend, sales=sales)
    week = (
        recent.filter(final=True)
        .values("store_id")
        .annotate(spend=Sum("spend"), sales=Sum("sales"), clicks=Sum("clicks"), orders=Sum("orders"))
        .order_by()
    )
    for s in week:
        rows[s["store_id"]].week = Totals(spend=s["spend"], sales=s["sales"], clicks=s["clicks"], orders=s["orders"])
    counts = (
        Campaign.objects.filter(store_id__in=ids)
        .values("store_id")
        .annotate(
            running=Count("pk", filter=Q(state=CampaignState.RUNNING)),
            stopped=Count("pk", filter=Q(state__in=list(STOPPED_STATES))),
        )
        .order_by()
    )
    for c in counts:
        rows[c["store_id"]].running, rows[c["store_id"]].stopped = c["running"], c["stopped"]
    return [rows[s.pk] for s in stores]


@dataclass
class CampaignRow:
    campaign: Campaign
    today: Totals
    period: Totals

    @property
    def budget_used(self) -> Decimal | None:
        """Today's spend as a share of a daily budget, in %."""
        if not self.campaign.budget or self.campaign.budget_period != "daily":
            return None
        return (100 * self.today.spend / self.campaign.budget).quantize(Decimal("1"))


def store_page(store: Store, *, now=None) -> dict:
    """One store's ads page: the AdsStore, the chart's 14 closed days and today, campaigns with today's and the
    14 days' figures (three queries)."""
    now = now or timezone.now()
    today = platform_now(store, now).date()
    start = today - timedelta(days=CHART_DAYS)
    ads = AdsStore.objects.filter(store=store).first()
    per_day: dict[date, Totals] = {}
    per_campaign: dict[str, dict[str, Totals]] = defaultdict(lambda: {"today": Totals(), "period": Totals()})
    for row in AdsDay.objects.filter(store=store, day__gte=start, day__lte=today).order_by("day", "campaign_ref"):
        totals = Totals(row.spend, row.sales, row.impressions, row.clicks, row.orders)
        if not row.campaign_ref:
            per_day[row.day] = totals
            continue
        bucket = per_campaign[row.campaign_ref]
        if row.day == today:
            bucket["today"] = totals
        elif row.day < today:
            p = bucket["period"]
            p.spend += row.spend
            p.sales += row.sales
            p.impressions += row.impressions
            p.clicks += row.clicks
            p.orders += row.orders
    days = [start + timedelta(days=n) for n in range(CHART_DAYS + 1)]
    campaigns = [
        CampaignRow(c, per_campaign[c.platform_id]["today"], per_campaign[c.platform_id]["period"])
        for c in Campaign.objects.filter(store=store).order_by("state", "name", "platform_id")
    ]
    closed = [per_day.get(d, Totals()) for d in days[:-1]]
    period = Totals(
        spend=sum((t.spend for t in closed), Decimal(0)),
        sales=sum((t.sales for t in closed), Decimal(0)),
        impressions=sum(t.impressions for t in closed),
        clicks=sum(t.clicks for t in closed),
        orders=sum(t.orders for t in closed),
    )
    return {
        "ads": ads,
        "today": today,
        "days": [(d, per_day.get(d)) for d in days],
        "today_totals": per_day.get(today, Totals()),
        "period": period,
        "campaigns": campaigns,
    }


def board_ads(*, viewer, store_ids: list[int], start: date, end: date) -> dict[int, tuple[str, Decimal, Decimal]]:
    """{store id: (currency, spend, sales from ads)} over the period, for the stores among `store_ids` whose ads
    the viewer may see (one query)."""
    allowed = ads_store_ids(viewer=viewer, store_ids=store_ids)
    days = AdsDay.objects.filter(campaign_ref="", day__gte=start, day__lte=end)
    if allowed is not None:
        if not allowed:
            return {}
        days = days.filter(store_id__in=allowed)
    elif len(store_ids) < 1000:
        days = days.filter(store_id__in=store_ids)
    rows = days.values("store_id", "store__ads__currency").annotate(spend=Sum("spend"), sales=Sum("sales")).order_by()
    wanted = set(store_ids)
    return {
        r["store_id"]: (r["store__ads__currency"] or "", r["spend"], r["sales"])
        for r in rows
        if r["store_id"] in wanted
    }
