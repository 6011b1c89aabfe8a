"""Shopee Ads, read-only (v2 `ads`), inside the Shopee simulator (contract: platform-ads-apis.md §1 and §3).

Registered on the Shopee endpoint table (sandbox/shopee.py imports this module), so signing, timestamps, the
access token and the envelope are the common ones; every path here is a GET shop API and a POST answers
`ads.api.http_method_not_allowed`.

One model per shop, built on first use and kept beside the shop (`world.shopee_ads`, dropped with the shop on a
reset): 3–8 campaigns drawn from a generator seeded with the shop id (the same campaigns in every run; their
times are anchored to the local midnight of the day they were first asked for). Each campaign's figures for a
local hour are a pure function of (campaign, day, hour), so a day is the sum of its hours, the shop the sum of
its campaigns, and closed days never change. A campaign spends only while `ongoing`; a limited one
(`campaign_budget` > 0, a daily budget) stops spending for the day once the budget is used. Today's current
hour counts the part of it already elapsed. The balance is the starting credit minus everything spent since the
model was built (no top-ups are simulated; it stops at 0).

"Today" is the shop's local date: the region's time zone (SG Asia/Singapore, VN Asia/Ho_Chi_Minh, BR
America/Sao_Paulo, … as the console's sites), on the simulated clock. "6 months" and "1 month" are calendar
months (a date may go back to the same day six months ago; a range may end on the same day a month later).

Control (sandbox/control_api.py): a spend spike (`spike`) multiplies spend, impressions and clicks of today's
remaining hours, the current one included, by a factor; `campaign_set` changes a campaign's status or budget from
now on. Config keys in the `shopee` section: `ads_permission`, `ads_rate_limit` (ads calls per
`ads_rate_window` seconds, 0 = off) and `ads_rate_limit_error` (`exceed_shop_api`, `exceed_partner_api` or
`exceed_api`: which limit is said to be hit).
"""

import random
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .limits import WindowLimiter
from .shopee import Call, ShopeeError, endpoint, wrong
from .state import DAY, Shop, World, plan_step

REGION_TIMEZONES = {
    "SG": "Asia/Singapore",
    "MY": "Asia/Kuala_Lumpur",
    "TH": "Asia/Bangkok",
    "TW": "Asia/Taipei",
    "VN": "Asia/Ho_Chi_Minh",
    "PH": "Asia/Manila",
    "ID": "Asia/Jakarta",
    "BR": "America/Sao_Paulo",
    "MX": "America/Mexico_City",
    "CO": "America/Bogota",
    "CL": "America/Santiago",
    "CN": "Asia/Shanghai",
}
MONEY_SCALE = {"VN": 1000, "ID": 1000, "CO": 100, "CL": 100}  # currencies with large unit numbers
STATUSES = ("ongoing", "scheduled", "ended", "paused", "deleted", "closed")
RATE_MESSAGES = {
    "exceed_shop_api": "Too many requests for the shop at the moment, please try again later.",
    "exceed_partner_api": "Too many requests for the partner at the moment, please try again later.",
    "exceed_api": "Too many requests for the API at the moment, please try again later.",
}
DATE_IN_FUTURE = "The date must be today or earlier than today up to 6 months ago."
DATE_TOO_OLD = "The date can't be earlier than 6 months ago."
RANGE_TOO_LONG = "Date range can't be longer than 1 month."
SAME_DATES = (
    "Start date can't be equal to end date. For single date's hourly performance data, please query hourly api."
)
START_AFTER_END = "The start date can't be later than the end date."
# Share of a campaign's hourly spend by local hour: quiet nights, busy evenings.
HOUR_WEIGHTS = (
    0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.4, 0.7, 0.9, 1.0, 1.1, 1.1,
    1.2, 1.2, 1.1, 1.0, 1.0, 1.1, 1.3, 1.5, 1.6, 1.4, 1.0, 0.6,
)  # fmt: skip
ADS_PATH = "/api/v2/ads/"


# --- the model ------------------------------------------------------------------------------------------


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


# --- rows -----------------------------------------------------------------------------------------------


def money(cents: int) -> float:
    return round(cents / 100, 2)


def ratio(numerator: float, denominator: float, scale: float = 1.0) -> float:
    return round(numerator / denominator * scale, 4) if denominator else 0.0


def shop_row(day: date, hour: Hour) -> dict:
    impressions, clicks, spend, direct, broad, direct_items, broad_items, direct_gmv, broad_gmv = hour
    return {
        "date": day.strftime("%d-%m-%Y"),
        "impression": impressions,
        "clicks": clicks,
        "ctr": ratio(clicks, impressions),
        "direct_order": direct,
        "broad_order": broad,
        "direct_conversions": direct,
        "broad_conversions": broad,
        "direct_item_sold": direct_items,
        "broad_item_sold": broad_items,
        "direct_gmv": money(direct_gmv),
        "broad_gmv": money(broad_gmv),
        "expense": money(spend),
        "cost_per_conversion": round(ratio(spend, broad) / 100, 2),
        "direct_roas": ratio(direct_gmv, spend),
        "broad_roas": ratio(broad_gmv, spend),
    }


def product_row(day: date, hour: Hour) -> dict:
    impressions, clicks, spend, direct, broad, direct_items, broad_items, direct_gmv, broad_gmv = hour
    return {
        "date": day.strftime("%d-%m-%Y"),
        "impression": impressions,
        "clicks": clicks,
        "ctr": ratio(clicks, impressions, 100),
        "expense": money(spend),
        "broad_gmv": money(broad_gmv),
        "broad_order": broad,
        "broad_order_amount": broad_items,
        "broad_roi": ratio(broad_gmv, spend),
        "broad_cir": ratio(spend, broad_gmv, 100),
        "cr": ratio(broad, clicks, 100),
        "cpc": round(ratio(spend, broad) / 100, 2),
        "direct_order": direct,
        "direct_order_amount": direct_items,
        "direct_gmv": money(direct_gmv),
        "direct_roi": ratio(direct_gmv, spend),
        "direct_cir": ratio(spend, direct_gmv, 100),
        "direct_cr": ratio(direct, clicks, 100),
        "cpdc": round(ratio(spend, direct) / 100, 2),
    }


# --- parameters and checks ------------------------------------------------------------------------------


def ads_call(call: Call) -> ShopAds:
    """The permission switch and the ads rate limit, then the shop's model."""
    config = call.config
    if not config["ads_permission"]:
        raise ShopeeError("error_api_permission", "This app type has no permission to this API.", kind="auth")
    limit = int(config["ads_rate_limit"])
    if limit > 0:
        which = config["ads_rate_limit_error"] if config["ads_rate_limit_error"] in RATE_MESSAGES else "exceed_shop_api"
        scope = {"exceed_shop_api": f"shop:{call.shop_id}", "exceed_partner_api": f"partner:{call.partner_id}"}
        limiter = call.world.__dict__.setdefault("shopee_ads_limiter", WindowLimiter(limit=limit, window=1.0))
        limiter.limit, limiter.window = limit, float(config["ads_rate_window"])
        if not limiter.hit(f"{which}:{scope.get(which, call.api_path)}", call.now):
            raise ShopeeError(f"ads.rate_limit.{which}", RATE_MESSAGES[which], kind="rate")
    return shop_ads(call.world, call.shop)


def date_param(call: Call, name: str) -> date:
    raw = call.query.get(name)
    if not raw:
        raise wrong(f"{name} is required")
    try:
        return datetime.strptime(raw, "%d-%m-%Y").date()
    except ValueError:
        raise wrong(f"{name} should be in the format DD-MM-YYYY") from None


def months_before(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, min(day.day, _month_days(year, month)))


def _month_days(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def check_dates(model: ShopAds, call: Call, *dates: date) -> None:
    today = model.today(call.now)
    if any(d > today for d in dates):
        raise ShopeeError("ads.performance.error_date_in_future", DATE_IN_FUTURE)
    if any(d < months_before(today, 6) for d in dates):
        raise ShopeeError("ads.performance.error_date_too_old", DATE_TOO_OLD)


def date_range(model: ShopAds, call: Call) -> list[date]:
    start, end = date_param(call, "start_date"), date_param(call, "end_date")
    check_dates(model, call, start, end)
    if start > end:
        raise ShopeeError("ads.performance.error_start_later_than_end", START_AFTER_END)
    if start == end:
        raise ShopeeError("ads.performance.error_same_start_end_dates", SAME_DATES)
    if months_before(end, 1) > start:
        raise ShopeeError("ads.performance.error_date_range_too_long", RANGE_TOO_LONG)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def int_list(call: Call, name: str, *, most: int) -> list[int]:
    raw = call.list_param(name)
    if not raw:
        raise wrong(f"{name} is required")
    try:
        values = list(dict.fromkeys(int(v) for v in raw))
    except ValueError:
        raise wrong(f"{name} should contain integers") from None
    if len(values) > most:
        raise wrong(f"{name} should contain 1 to {most} values")
    return values


def owned_campaigns(model: ShopAds, call: Call) -> list[AdsCampaign]:
    ids = int_list(call, "campaign_id_list", most=100)
    found = [model.campaigns.get(i) for i in ids]
    if any(c is None or c.state(call.now)[0] == "deleted" for c in found):
        raise ShopeeError("ads.shop.campaign_not_match", "Invalid campaign ID for this shop.")
    return [c for c in found if c is not None]


def ads_endpoint(name: str):
    return endpoint(ADS_PATH + name, "GET", "shop", method_error=method_not_allowed)


def method_not_allowed() -> ShopeeError:
    return ShopeeError("ads.api.http_method_not_allowed", "Only the supported HTTP method for the API is allowed.")


# --- endpoints ------------------------------------------------------------------------------------------


@ads_endpoint("get_total_balance")
def get_total_balance(call: Call) -> dict:
    model = ads_call(call)
    return {"data_timestamp": int(call.now), "total_balance": money(balance_cents(model, call.now))}


@ads_endpoint("get_shop_toggle_info")
def get_shop_toggle_info(call: Call) -> dict:
    model = ads_call(call)
    return {"data_timestamp": int(call.now), "auto_top_up": model.auto_top_up, "campaign_surge": model.campaign_surge}


@ads_endpoint("get_all_cpc_ads_daily_performance")
def get_all_cpc_ads_daily_performance(call: Call) -> list:
    model = ads_call(call)
    days = date_range(model, call)
    rows = []
    for day in days:
        hours = [total(campaign_hours(model, c, day, call.now)) for c in model.campaigns.values()]
        rows.append(shop_row(day, total(hours)))
    return rows


@ads_endpoint("get_all_cpc_ads_hourly_performance")
def get_all_cpc_ads_hourly_performance(call: Call) -> list:
    model = ads_call(call)
    day = date_param(call, "performance_date")
    check_dates(model, call, day)
    per_campaign = [campaign_hours(model, c, day, call.now) for c in model.campaigns.values()]
    rows = []
    for hour in range(max((len(h) for h in per_campaign), default=0)):
        figures = total([hours[hour] for hours in per_campaign if hour < len(hours)])
        rows.append({"hour": hour, **shop_row(day, figures)})
    return rows


@ads_endpoint("get_product_level_campaign_id_list")
def get_product_level_campaign_id_list(call: Call) -> dict:
    model = ads_call(call)
    ad_type = call.query.get("ad_type", "")
    if ad_type not in ("", "all", "auto", "manual"):
        raise wrong("ad_type should be one of all, auto, manual")
    offset = call.int_param("offset", required=False, default=0, hi=10**7)
    limit = call.int_param("limit", required=False, default=5000, lo=1, hi=5000)
    listed = [
        c for c in model.campaigns.values() if ad_type in ("", "all", c.ad_type) and c.state(call.now)[0] != "deleted"
    ]
    page = listed[offset : offset + limit]
    return {
        "shop_id": call.shop_id,
        "region": call.shop.region,
        "has_next_page": offset + limit < len(listed),
        "campaign_list": [{"ad_type": c.ad_type, "campaign_id": c.campaign_id} for c in page],
    }


@ads_endpoint("get_product_level_campaign_setting_info")
def get_product_level_campaign_setting_info(call: Call) -> dict:
    model = ads_call(call)
    info_types = set(int_list(call, "info_type_list", most=4))
    if not info_types <= {1, 2, 3, 4}:
        raise wrong("info_type_list should contain 1, 2, 3 or 4")
    campaigns = owned_campaigns(model, call)
    return {
        "shop_id": call.shop_id,
        "region": call.shop.region,
        "campaign_list": [setting_info(c, info_types, call.now) for c in campaigns],
    }


def setting_info(campaign: AdsCampaign, info_types: set[int], now: float) -> dict:
    status, budget = campaign.state(now)
    manual = campaign.ad_type == "manual"
    row: dict = {"campaign_id": campaign.campaign_id}
    if 1 in info_types:
        row["common_info"] = {
            "ad_type": campaign.ad_type,
            "ad_name": campaign.ad_name,
            "campaign_status": status,
            "bidding_method": "manual" if manual else "auto",
            "campaign_placement": campaign.placement,
            "campaign_budget": money(budget),
            "campaign_duration": {"start_time": campaign.start_time, "end_time": campaign.end_time},
            "item_id_list": list(campaign.item_ids),
        }
    if 2 in info_types:
        row["manual_bidding_info"] = {
            "enhanced_cpc": manual,
            "selected_keywords": [
                {"keyword": f"keyword {n}", "status": "normal", "match_type": "broad", "bid_price_per_click": 0.5}
                for n in range(2 if manual else 0)
            ],
            "discovery_ads_locations": [],
        }
    if 3 in info_types:
        row["auto_bidding_info"] = {"roas_target": campaign.roas_target}
    if 4 in info_types:
        row["auto_product_ads_info"] = [
            {"product_name": f"Product {item_id}", "status": "ongoing", "item_id": item_id}
            for item_id in (campaign.item_ids if not manual else [])
        ]
    return row


def campaign_performance(call: Call, *, hourly: bool) -> list:
    model = ads_call(call)
    if hourly:
        day = date_param(call, "performance_date")
        check_dates(model, call, day)
        days = [day]
    else:
        days = date_range(model, call)
    campaigns = owned_campaigns(model, call)
    listed = []
    for campaign in campaigns:
        metrics = []
        for day in days:
            hours = campaign_hours(model, campaign, day, call.now)
            if hourly:
                metrics += [{"hour": hour, **product_row(day, figures)} for hour, figures in enumerate(hours)]
            else:
                metrics.append(product_row(day, total(hours)))
        listed.append(
            {
                "campaign_id": campaign.campaign_id,
                "ad_type": campaign.ad_type,
                "campaign_placement": campaign.placement,
                "ad_name": campaign.ad_name,
                "metrics_list": metrics,
            }
        )
    return [{"shop_id": call.shop_id, "region": call.shop.region, "campaign_list": listed}]


@ads_endpoint("get_product_campaign_daily_performance")
def get_product_campaign_daily_performance(call: Call) -> list:
    return campaign_performance(call, hourly=False)


@ads_endpoint("get_product_campaign_hourly_performance")
def get_product_campaign_hourly_performance(call: Call) -> list:
    return campaign_performance(call, hourly=True)


# --- control (sandbox/control_api.py) -------------------------------------------------------------------


def spike(world: World, shop: Shop, factor: float) -> dict:
    """Multiply the spend of today's remaining hours (the current one included) by `factor`."""
    model = shop_ads(world, shop)
    now = world.now()
    today = model.today(now)
    until = model.hour_start(today + timedelta(days=1), 0)
    model.spikes.append((now, until, float(factor)))
    model.changed()
    return {"shop_id": shop.shop_id, "factor": float(factor), "from": now, "until": until}


def campaign_set(world: World, shop: Shop, campaign_id: int, changes: dict) -> dict:
    """Change a campaign's status and/or budget (a float in the shop's currency, 0 = unlimited) from now on."""
    model = shop_ads(world, shop)
    campaign = model.campaigns.get(campaign_id)
    if campaign is None:
        raise KeyError(campaign_id)
    now = world.now()
    status, budget = campaign.state(now)
    if "campaign_status" in changes:
        status = str(changes["campaign_status"])
        if status not in STATUSES:
            raise ValueError(f"campaign_status must be one of {', '.join(STATUSES)}")
    if "campaign_budget" in changes:
        value = changes["campaign_budget"]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError("campaign_budget must be a number >= 0")
        budget = int(round(value * 100))
    campaign.plan = [entry for entry in campaign.plan if entry[0] < now] + [(now, status, budget)]
    model.changed()
    return {"campaign_id": campaign_id, "campaign_status": status, "campaign_budget": money(budget)}


def summary(world: World, shop: Shop) -> dict:
    """The shop's campaigns as the control API shows them."""
    model = shop_ads(world, shop)
    now = world.now()
    return {
        "shop_id": shop.shop_id,
        "today": model.today(now).strftime("%d-%m-%Y"),
        "timezone": str(model.tz),
        "campaigns": [
            {
                "campaign_id": c.campaign_id,
                "ad_type": c.ad_type,
                "campaign_status": c.state(now)[0],
                "campaign_budget": money(c.state(now)[1]),
            }
            for c in model.campaigns.values()
        ],  # fmt: skip
    }
