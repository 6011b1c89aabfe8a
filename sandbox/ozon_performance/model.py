"""Ozon Performance simulator, accounts and the model: the Performance client id and secret of a seller, one
`Account` per seller built from its Client-Id on first use (its campaigns, spikes, reports and the cache of
closed days), and each campaign's figures per Moscow hour, a pure function of (campaign, day, hour) that spends
only while the owner's state is RUNNING and only up to its budget.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..state import DAY, Seller, World, plan_step
from .common import DAILY, DOMAIN, HOUR_WEIGHTS, MOSCOW, STATE, WEEKLY


def account_client_id(seller_client_id: int) -> str:
    return f"{seller_client_id}{DOMAIN}"


def account_secret(seller_client_id: int, api_key: str) -> str:
    """The Performance client_secret of a seller's account (see the module docstring)."""
    return hashlib.sha256(f"ozon-performance:{seller_client_id}:{api_key}".encode()).hexdigest()[:40]


def seller_of(world: World, client_id: str) -> Seller | None:
    if not isinstance(client_id, str) or not client_id.endswith(DOMAIN) or not client_id[: -len(DOMAIN)].isdigit():
        return None
    return world.sellers.get(int(client_id[: -len(DOMAIN)]))


@dataclass
class Sku:
    sku: int
    title: str
    price_kop: int
    share: float


@dataclass
class Campaign:
    id: int
    title: str
    adv_object_type: str
    from_date: date
    to_date: date | None
    created_at: float
    plan: list  # [(time, owner state, budget in kopecks, budget type)], ascending
    hourly_kop: int
    cpc_kop: int
    ctr: float
    cr: float
    skus: list[Sku]
    autopilot: str
    updated_at: float = 0.0

    def owner(self, at: float) -> tuple[str, int, str]:
        _, state, budget, kind = plan_step(self.plan, at)
        return state, budget, kind


@dataclass
class Account:
    seller: Seller  # the model belongs to this very object: a reset replaces the seller and drops the model
    anchor: float
    campaigns: dict[int, Campaign]
    spikes: list = field(default_factory=list)  # [(from, until, factor)]
    reports: dict = field(default_factory=dict)  # UUID -> Report
    cache: dict = field(default_factory=dict)  # (campaign id, day) -> hours of a closed day

    @property
    def client_id(self) -> str:
        return account_client_id(self.seller.client_id)


@dataclass
class Report:
    uuid: str
    created_at: float
    request: dict
    campaigns: list[int]
    date_from: date
    date_to: date
    group_by: str


# (views, clicks, spend, orders, ordersMoney), money in kopecks
Hour = tuple[int, int, int, int, int]
ZERO: Hour = (0, 0, 0, 0, 0)


def today_of(now: float) -> date:
    return datetime.fromtimestamp(now, MOSCOW).date()


def hour_start(day: date, hour: int) -> float:
    return datetime(day.year, day.month, day.day, hour, tzinfo=MOSCOW).timestamp()


def account_of(world: World, seller: Seller) -> Account:
    """The seller's Performance model, built from its Client-Id on first use."""
    models = world.__dict__.setdefault("ozon_performance", {})
    model = models.get(seller.client_id)
    if model is None or model.seller is not seller:
        model = build(seller, hour_start(today_of(world.now()), 0))
        models[seller.client_id] = model
    return model


def build(seller: Seller, anchor: float) -> Account:
    rng = random.Random(f"ozon-performance:{seller.client_id}")
    count = rng.randint(3, 8)
    kinds = ["RUNNING", "RUNNING"] + rng.choices(
        ["RUNNING", "INACTIVE", "FINISHED", "ARCHIVED", "PLANNED", "MODERATION_IN_PROGRESS"],
        weights=[5, 2, 1, 1, 1, 1],
        k=count - 2,
    )
    day0 = datetime.fromtimestamp(anchor, MOSCOW).date()
    campaigns = {}
    for index, kind in enumerate(kinds):
        campaign_id = int(f"{seller.client_id % 100_000}{index + 1:02d}") + 1_000_000
        adv = "SKU" if index % 3 != 2 else rng.choice(["SEARCH_PROMO", "BANNER"])
        hourly = int(rng.uniform(40, 400)) * 100
        budget, budget_type = 0, WEEKLY
        if index == 1:  # a tight daily budget: spent by the evening on most days
            budget, budget_type = int(hourly * rng.uniform(10, 16)) // 10000 * 10000 or 10000, DAILY
        elif index > 1 and rng.random() < 0.5:
            budget = int(hourly * 24 * 7 * rng.uniform(0.7, 1.3)) // 100000 * 100000 or 100000
        created = anchor - 200 * DAY
        from_date, to_date = day0 - timedelta(days=200), None
        plan = [(created, STATE + "RUNNING", budget, budget_type)]
        if kind == "INACTIVE":
            plan.append((anchor - 3 * DAY, STATE + "INACTIVE", budget, budget_type))
        elif kind in ("FINISHED", "ARCHIVED"):
            to_date = day0 - timedelta(days=20)
            plan.append((hour_start(to_date + timedelta(days=1), 0), STATE + kind, budget, budget_type))
        elif kind == "PLANNED":
            from_date = day0 + timedelta(days=2)
            plan = [
                (0, STATE + "PLANNED", budget, budget_type),
                (hour_start(from_date, 0), STATE + "RUNNING", budget, budget_type),
            ]
        elif kind == "MODERATION_IN_PROGRESS":
            from_date = day0
            plan = [(0, STATE + kind, budget, budget_type)]
        skus = [
            Sku(
                sku=int(f"{campaign_id}{n}") * 10 + 7,
                title=f"Товар {index + 1}-{n + 1}",
                price_kop=int(rng.uniform(300, 5000)) * 100,
                share=rng.uniform(0.5, 1.5),
            )
            for n in range(rng.randint(1, 3))
        ]
        total_share = sum(s.share for s in skus)
        for sku in skus:
            sku.share /= total_share
        campaigns[campaign_id] = Campaign(
            id=campaign_id,
            title=f"{'Трафареты' if adv == 'SKU' else 'Вывод в топ' if adv == 'SEARCH_PROMO' else 'Баннер'} {index + 1}",
            adv_object_type=adv,
            from_date=from_date,
            to_date=to_date,
            created_at=created,
            plan=plan,
            hourly_kop=hourly,
            cpc_kop=int(rng.uniform(5, 40)) * 100,
            ctr=rng.uniform(0.01, 0.05),
            cr=rng.uniform(0.02, 0.08),
            skus=skus,
            autopilot=rng.choice(["TARGET_BIDS", "TARGET_CIR"]),
            updated_at=created,
        )
    return Account(seller=seller, anchor=anchor, campaigns=campaigns)


def spike_factor(model: Account, start: float, end: float) -> float:
    factor = 1.0
    for since, until, value in model.spikes:
        if end > since and start < until:
            factor *= value
    return factor


def period_start(day: date, budget_type: str) -> date:
    return day - timedelta(days=day.weekday()) if budget_type == WEEKLY else day


def spent_before(model: Account, campaign: Campaign, day: date, budget_type: str, now: float) -> int:
    """Kopecks the campaign spent in `day`'s budget period before `day` (weekly budgets run from Monday)."""
    first, spent = period_start(day, budget_type), 0
    while first < day:
        spent += total(campaign_hours(model, campaign, first, now))[2]
        first += timedelta(days=1)
    return spent


def campaign_hours(model: Account, campaign: Campaign, day: date, now: float) -> list[Hour]:
    """The campaign's figures for each elapsed hour of the Moscow `day` (24 for a closed day)."""
    closed = hour_start(day + timedelta(days=1), 0) <= now
    key = (campaign.id, day)
    if closed and key in model.cache:
        return model.cache[key]
    rng = random.Random(f"{campaign.id}:{day.isoformat()}")
    hours: list[Hour] = []
    spent: int | None = None
    for hour in range(24):
        noise = (rng.uniform(0.6, 1.4), rng.uniform(0.5, 1.5), rng.uniform(0.8, 1.2))
        start = hour_start(day, hour)
        if start >= now or start < campaign.created_at:
            if start >= now:
                break
            hours.append(ZERO)
            continue
        state, budget, kind = campaign.owner(start)
        if spent is None:
            spent = spent_before(model, campaign, day, kind, now) if budget else 0
        if state != STATE + "RUNNING" or (budget and spent >= budget):
            hours.append(ZERO)
            continue
        share = min(1.0, (now - start) / 3600)
        spend = campaign.hourly_kop * HOUR_WEIGHTS[hour] * noise[0] * share * spike_factor(model, start, start + 3600)
        scale = share
        if budget and spent + spend > budget:
            scale *= (budget - spent) / spend
            spend = budget - spent
        spend_kop = int(round(spend))
        spent += spend_kop
        clicks = int(spend_kop / campaign.cpc_kop)
        views = int(clicks / campaign.ctr)
        orders = int(campaign.hourly_kop * HOUR_WEIGHTS[hour] / campaign.cpc_kop * campaign.cr * noise[1] * scale)
        price = sum(s.price_kop * s.share for s in campaign.skus)
        hours.append((views, clicks, spend_kop, orders, int(orders * price * noise[2])))
    if closed:
        model.cache[key] = hours
    return hours


def total(hours) -> Hour:
    return tuple(sum(values) for values in zip(*hours, strict=True)) if hours else ZERO  # type: ignore[return-value]


def state_of(model: Account, campaign: Campaign, now: float, config: dict) -> str:
    """The state the API shows: the owner's, or STOPPED once a running campaign's budget period is spent."""
    state, budget, kind = campaign.owner(now)
    if state != STATE + "RUNNING" or not budget or not config["performance_stop_on_budget"]:
        return state
    today = today_of(now)
    spent = spent_before(model, campaign, today, kind, now) + total(campaign_hours(model, campaign, today, now))[2]
    return STATE + "STOPPED" if spent >= budget else state
