"""Shopee Ads simulator, parameters and checks: the permission switch and the ads rate limit of every call, the
DD-MM-YYYY dates (today or earlier, at most 6 calendar months back, a range of at most a month), the id lists,
the campaigns a shop owns, and `ads_endpoint`, which registers a GET shop API on the Shopee endpoint table.
"""

from datetime import date, datetime, timedelta

from ..limits import WindowLimiter
from ..shopee import Call, ShopeeError, endpoint, wrong
from .common import (
    ADS_PATH,
    DATE_IN_FUTURE,
    DATE_TOO_OLD,
    RANGE_TOO_LONG,
    RATE_MESSAGES,
    SAME_DATES,
    START_AFTER_END,
)
from .model import AdsCampaign, ShopAds, shop_ads


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
