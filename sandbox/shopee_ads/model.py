"""Shopee Ads simulator, the model: one `ShopAds` per shop, built from its shop id on first use and kept beside
the shop (3–8 campaigns, times anchored to the local midnight), each campaign's figures per local hour as a pure
function of (campaign, day, hour) that spends only while `ongoing` and within its daily budget, and the balance
left of the starting credit.
"""

import random
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..state import DAY, Shop, World, plan_step
from .common import HOUR_WEIGHTS, MONEY_SCALE, REGION_TIMEZONES


@dataclass
class AdsCampaign:
    campaign_id: int
    ad_type: str  # "auto" or "manual"
    ad_name: str
    placement: str
    start_time: int
    end_time: int  # 0 = none
    plan: list  # [(time, status, budget in cents)], ascending; the entry in force at an hour's start applies
    seed: str
    hourly_cents: int  # mean spend of an hour of weight 1
    cpc_cents: int
    ctr: float
    cr: float
    price_cents: int
    item_ids: list
    roas_target: float

    def state(self, at: float) -> tuple[str, int]:
        _, status, budget = plan_step(self.plan, at)
        return status, budget


@dataclass
class ShopAds:
    shop: Shop  # the model belongs to this very object: a reset replaces the shop and drops the model
    tz: zoneinfo.ZoneInfo
    anchor: float
    start_balance_cents: int
    campaigns: dict[int, AdsCampaign]
    auto_top_up: bool
    campaign_surge: bool
    spikes: list = field(default_factory=list)  # [(from, until, factor)]
    cache: dict = field(default_factory=dict)  # (campaign_id, day) -> hours of a closed day

    def today(self, now: float) -> date:
        return datetime.fromtimestamp(now, self.tz).date()

    def hour_start(self, day: date, hour: int) -> float:
        return datetime(day.year, day.month, day.day, hour, tzinfo=self.tz).timestamp()

    def changed(self) -> None:
        self.cache.clear()


# (impressions, clicks, spend, direct_order, broad_order, direct_items, broad_items, direct_gmv, broad_gmv),
# money in cents
Hour = tuple[int, int, int, int, int, int, int, int, int]
ZERO: Hour = (0, 0, 0, 0, 0, 0, 0, 0, 0)


def shop_ads(world: World, shop: Shop) -> ShopAds:
    """The shop's ads model, built from its id on first use."""
    models = world.__dict__.setdefault("shopee_ads", {})
    model = models.get(shop.shop_id)
    if model is None or model.shop is not shop:
        model = models[shop.shop_id] = build(shop, world.now())
    return model


def build(shop: Shop, now: float) -> ShopAds:
    rng = random.Random(f"shopee-ads:{shop.shop_id}")
    tz = zoneinfo.ZoneInfo(REGION_TIMEZONES.get(shop.region, "Asia/Singapore"))
    local = datetime.fromtimestamp(now, tz)
    anchor = datetime(local.year, local.month, local.day, tzinfo=tz).timestamp()
    scale = MONEY_SCALE.get(shop.region, 1)
    count = rng.randint(3, 8)
    kinds = ["ongoing", "ongoing"] + rng.choices(
        ["ongoing", "paused", "ended", "scheduled", "closed"], weights=[5, 2, 1, 1, 1], k=count - 2
    )
    campaigns = {}
    for index, kind in enumerate(kinds):
        campaign_id = int(f"{shop.shop_id}{index + 1:03d}")
        hourly = int(rng.uniform(80, 600) * scale)
        limited = index == 1 or (index > 1 and rng.random() < 0.4)
        budget = int(hourly * rng.uniform(12, 20)) // 100 * 100 if limited else 0
        created = int(anchor - 200 * DAY)
        start, end = created, 0
        plan = [(created, "ongoing", budget)]
        if kind == "paused":
            plan.append((int(anchor - 3 * DAY), "paused", budget))
        elif kind == "ended":
            end = int(anchor - 20 * DAY)
            plan.append((end, "ended", budget))
        elif kind == "closed":
            plan.append((int(anchor - 40 * DAY), "closed", budget))
        elif kind == "scheduled":
            start = int(anchor + 2 * DAY)
            plan = [(0, "scheduled", budget), (start, "ongoing", budget)]
        ad_type = "auto" if index % 2 == 0 else "manual"
        campaigns[campaign_id] = AdsCampaign(
            campaign_id=campaign_id,
            ad_type=ad_type,
            ad_name=f"{'Auto' if ad_type == 'auto' else 'Manual'} ads {index + 1}",
            placement="all" if ad_type == "auto" else rng.choice(["search", "discovery", "all"]),
            start_time=start,
            end_time=end,
            plan=plan,
            seed=f"{campaign_id}",
            hourly_cents=hourly,
            cpc_cents=max(1, int(rng.uniform(5, 40) * scale)),
            ctr=rng.uniform(0.01, 0.05),
            cr=rng.uniform(0.02, 0.08),
            price_cents=int(rng.uniform(300, 2500) * scale),
            item_ids=[int(f"{shop.shop_id}{index + 1:03d}{n}") for n in range(rng.randint(1, 3))],
            roas_target=round(rng.uniform(2, 8), 1) if ad_type == "auto" else 0.0,
        )
    return ShopAds(
        shop=shop,
        tz=tz,
        anchor=anchor,
        start_balance_cents=int(rng.uniform(2_000_000, 8_000_000) * scale),
        campaigns=campaigns,
        auto_top_up=rng.random() < 0.5,
        campaign_surge=rng.random() < 0.3,
    )


def spike_factor(model: ShopAds, start: float, end: float) -> float:
    factor = 1.0
    for since, until, value in model.spikes:
        if end > since and start < until:
            factor *= value
    return factor


def campaign_hours(model: ShopAds, campaign: AdsCampaign, day: date, now: float) -> list[Hour]:
    """The campaign's figures for each elapsed hour of the local `day` (24 for a closed day)."""
    closed = model.hour_start(day + timedelta(days=1), 0) <= now
    key = (campaign.campaign_id, day)
    if closed and key in model.cache:
        return model.cache[key]
    rng = random.Random(f"{campaign.seed}:{day.isoformat()}")
    hours: list[Hour] = []
    spent = 0
    for hour in range(24):
        noise = [rng.uniform(0.6, 1.4), rng.uniform(0.5, 1.5), rng.uniform(0.8, 1.2), rng.random()]
        start = model.hour_start(day, hour)
        if start >= now:
            break
        status, budget = campaign.state(start)
        if status != "ongoing" or (budget and spent >= budget):
            hours.append(ZERO)
            continue
        share = min(1.0, (now - start) / 3600)
        spend = campaign.hourly_cents * HOUR_WEIGHTS[hour] * noise[0] * share * spike_factor(model, start, start + 3600)
        orders_scale = share
        if budget and spent + spend > budget:
            orders_scale *= (budget - spent) / spend
            spend = budget - spent
        spend_cents = int(round(spend))
        spent += spend_cents
        clicks = int(spend_cents / campaign.cpc_cents)
        impressions = int(clicks / campaign.ctr)
        broad = int(
            campaign.hourly_cents * HOUR_WEIGHTS[hour] / campaign.cpc_cents * campaign.cr * noise[1] * orders_scale
        )
        direct = int(broad * (0.5 + 0.3 * noise[3]))
        broad_gmv = int(broad * campaign.price_cents * noise[2])
        direct_gmv = int(direct * campaign.price_cents * noise[2])
        hours.append(
            (impressions, clicks, spend_cents, direct, broad, direct, broad + broad // 3, direct_gmv, broad_gmv)
        )
    if closed:
        model.cache[key] = hours
    return hours


def total(hours) -> Hour:
    return tuple(sum(values) for values in zip(*hours, strict=True)) if hours else ZERO


def balance_cents(model: ShopAds, now: float) -> int:
    spent, day = 0, datetime.fromtimestamp(model.anchor, model.tz).date()
    today = model.today(now)
    while day <= today:
        for campaign in model.campaigns.values():
            spent += total(campaign_hours(model, campaign, day, now))[2]
        day += timedelta(days=1)
    return max(0, model.start_balance_cents - spent)
