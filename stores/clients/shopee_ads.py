"""Shopee Ads client, read-only (contract: ../shared/platform-ads-apis.md, section 1).

`ShopeeAdsClient` is a `ShopeeShopClient` (same signing, retries, redaction and common error mapping) with one
method per `/api/v2/ads/` GET: money comes back as Decimal in the shop's currency, `DD-MM-YYYY` dates as `date`,
campaign id lists are sent 100 at a time. The shop-level performance answers are bare arrays under `response`,
so they are checked here rather than by the shop client's object check.

Ads errors on top of the common ones: `ads.rate_limit.*` is `RateLimited` (retried with backoff like
`error_rate_limit`), the `ads.performance.*` date rules are `AdsDateError`, `ads.shop.campaign_not_match` is
`AdsCampaignNotMatch`, and `error_api_permission` (the app type may not use ads) is `AdsPermissionDenied`.
`calls` counts the platform calls made (a retry counts once). Imports no models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx

from .errors import InvalidCredentials, InvalidRequest, MalformedResponse, NotFound, PlatformError, RateLimited
from .http import (
    as_int,
    chunked,
    get_bool,
    get_decimal,
    get_dict,
    get_int,
    get_list,
    get_str,
    get_unix_time,
    rows_or_skip,
)
from .shopee import RATE_LIMIT_HINT_SECONDS, ShopeeClient, ShopeeShopClient

ADS = "/api/v2/ads/"
BALANCE_PATH = ADS + "get_total_balance"
TOGGLE_PATH = ADS + "get_shop_toggle_info"
SHOP_DAILY_PATH = ADS + "get_all_cpc_ads_daily_performance"
SHOP_HOURLY_PATH = ADS + "get_all_cpc_ads_hourly_performance"
CAMPAIGN_IDS_PATH = ADS + "get_product_level_campaign_id_list"
CAMPAIGN_SETTINGS_PATH = ADS + "get_product_level_campaign_setting_info"
CAMPAIGN_DAILY_PATH = ADS + "get_product_campaign_daily_performance"
CAMPAIGN_HOURLY_PATH = ADS + "get_product_campaign_hourly_performance"
CAMPAIGN_BATCH = 100
ID_PAGE_SIZE = 5000
DATE_FORMAT = "%d-%m-%Y"

# info_type_list values of get_product_level_campaign_setting_info
COMMON_INFO, MANUAL_BIDDING_INFO, AUTO_BIDDING_INFO, AUTO_PRODUCT_ADS_INFO = 1, 2, 3, 4


class AdsDateError(InvalidRequest):
    """A date rule of the performance APIs refused the request (future, older than 6 months, range longer than a
    month, start equal to or later than end); the code says which."""


class AdsCampaignNotMatch(NotFound):
    """A campaign id does not belong to the shop (`ads.shop.campaign_not_match`)."""


class AdsPermissionDenied(InvalidCredentials):
    """The app type has no permission to the ads APIs (`error_api_permission`); a person has to act."""


def ads_error(exc: PlatformError) -> PlatformError:
    """The ads-specific error type for a Shopee error the common mapping typed generically."""
    common: dict[str, Any] = {"code": exc.code, "status": exc.status, "request_id": exc.request_id}
    if exc.code.startswith("ads.rate_limit."):
        return RateLimited(exc.message, retry_after=exc.retry_after or RATE_LIMIT_HINT_SECONDS, **common)
    if exc.code.startswith("ads.performance."):
        return AdsDateError(exc.message, **common)
    if exc.code == "ads.shop.campaign_not_match":
        return AdsCampaignNotMatch(exc.message, **common)
    if exc.code.rsplit(".", 1)[-1] == "error_api_permission":
        return AdsPermissionDenied(exc.message, **common)
    return exc


def ads_date(day: date) -> str:
    return day.strftime(DATE_FORMAT)


def parse_date(obj: Any, key: str, where: str) -> date:
    text = get_str(obj, key, where)
    try:
        return datetime.strptime(text, DATE_FORMAT).date()
    except ValueError:
        raise MalformedResponse(f"{where}.{key}: expected a DD-MM-YYYY date", maybe_applied=True) from None


def _money(obj: Any, key: str, where: str) -> Decimal:
    value = get_decimal(obj, key, where)
    assert value is not None  # not optional
    return value


def _count(obj: Any, key: str, where: str) -> int:
    value = get_int(obj, key, where)
    assert value is not None  # not optional
    return value


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdsBalance:
    data_timestamp: datetime | None
    total_balance: Decimal  # ads credit, paid + free, in the shop's currency


@dataclass(frozen=True)
class AdsToggles:
    data_timestamp: datetime | None
    auto_top_up: bool
    campaign_surge: bool


@dataclass(frozen=True)
class ShopPerformance:
    """One day (or, with `hour`, one hour) of the whole shop's CPC ads. `ctr` is clicks ÷ impressions."""

    date: date
    hour: int | None
    impression: int
    clicks: int
    ctr: Decimal
    direct_order: int
    broad_order: int
    direct_conversions: int
    broad_conversions: int
    direct_item_sold: int
    broad_item_sold: int
    direct_gmv: Decimal
    broad_gmv: Decimal
    expense: Decimal
    cost_per_conversion: Decimal
    direct_roas: Decimal
    broad_roas: Decimal


@dataclass(frozen=True)
class CampaignRef:
    campaign_id: int
    ad_type: str  # "auto" or "manual"


@dataclass(frozen=True)
class CampaignSetting:
    """A campaign's settings (common info; `roas_target` when auto bidding info was asked for)."""

    campaign_id: int
    ad_type: str
    ad_name: str
    campaign_status: str  # ongoing, scheduled, ended, paused, deleted, closed
    bidding_method: str
    campaign_placement: str  # search, discovery, all
    campaign_budget: Decimal  # daily; 0 = unlimited
    start_time: datetime | None
    end_time: datetime | None  # None = no end
    item_ids: tuple[int, ...]
    roas_target: Decimal | None = None


@dataclass(frozen=True)
class CampaignMetrics:
    """One day (or hour) of one campaign. `cpc` is cost per conversion; `ctr`, `cr`, `*_cir` are percentages;
    `*_order_amount` are units."""

    date: date
    hour: int | None
    impression: int
    clicks: int
    ctr: Decimal
    expense: Decimal
    broad_gmv: Decimal
    broad_order: int
    broad_order_amount: int
    broad_roi: Decimal
    broad_cir: Decimal
    cr: Decimal
    cpc: Decimal
    direct_order: int
    direct_order_amount: int
    direct_gmv: Decimal
    direct_roi: Decimal
    direct_cir: Decimal
    direct_cr: Decimal
    cpdc: Decimal


@dataclass(frozen=True)
class CampaignPerformance:
    campaign_id: int
    ad_type: str
    campaign_placement: str
    ad_name: str
    metrics: tuple[CampaignMetrics, ...]


def _hour(row: Any, where: str, hourly: bool) -> int | None:
    if not hourly:
        return None
    hour = _count(row, "hour", where)
    if not 0 <= hour <= 23:
        raise MalformedResponse(f"{where}.hour: expected 0..23", maybe_applied=True)
    return hour


def shop_performance(row: Any, where: str, *, hourly: bool = False) -> ShopPerformance:
    def n(key: str) -> int:
        return _count(row, key, where)

    def d(key: str) -> Decimal:
        return _money(row, key, where)

    return ShopPerformance(
        date=parse_date(row, "date", where),
        hour=_hour(row, where, hourly),
        impression=n("impression"),
        clicks=n("clicks"),
        ctr=d("ctr"),
        direct_order=n("direct_order"),
        broad_order=n("broad_order"),
        direct_conversions=n("direct_conversions"),
        broad_conversions=n("broad_conversions"),
        direct_item_sold=n("direct_item_sold"),
        broad_item_sold=n("broad_item_sold"),
        direct_gmv=d("direct_gmv"),
        broad_gmv=d("broad_gmv"),
        expense=d("expense"),
        cost_per_conversion=d("cost_per_conversion"),
        direct_roas=d("direct_roas"),
        broad_roas=d("broad_roas"),
    )


def campaign_metrics(row: Any, where: str, *, hourly: bool = False) -> CampaignMetrics:
    def n(key: str) -> int:
        return _count(row, key, where)

    def d(key: str) -> Decimal:
        return _money(row, key, where)

    return CampaignMetrics(
        date=parse_date(row, "date", where),
        hour=_hour(row, where, hourly),
        impression=n("impression"),
        clicks=n("clicks"),
        ctr=d("ctr"),
        expense=d("expense"),
        broad_gmv=d("broad_gmv"),
        broad_order=n("broad_order"),
        broad_order_amount=n("broad_order_amount"),
        broad_roi=d("broad_roi"),
        broad_cir=d("broad_cir"),
        cr=d("cr"),
        cpc=d("cpc"),
        direct_order=n("direct_order"),
        direct_order_amount=n("direct_order_amount"),
        direct_gmv=d("direct_gmv"),
        direct_roi=d("direct_roi"),
        direct_cir=d("direct_cir"),
        direct_cr=d("direct_cr"),
        cpdc=d("cpdc"),
    )


def campaign_setting(row: Any, where: str) -> CampaignSetting:
    info = get_dict(row, "common_info", where)
    at = f"{where}.common_info"
    duration = get_dict(info, "campaign_duration", at, optional=True)
    auto = get_dict(row, "auto_bidding_info", where, optional=True)
    return CampaignSetting(
        campaign_id=_count(row, "campaign_id", where),
        ad_type=get_str(info, "ad_type", at),
        ad_name=get_str(info, "ad_name", at, optional=True),
        campaign_status=get_str(info, "campaign_status", at),
        bidding_method=get_str(info, "bidding_method", at, optional=True),
        campaign_placement=get_str(info, "campaign_placement", at, optional=True),
        campaign_budget=_money(info, "campaign_budget", at),
        start_time=get_unix_time(duration, "start_time", f"{at}.campaign_duration", optional=True),
        end_time=get_unix_time(duration, "end_time", f"{at}.campaign_duration", optional=True),
        item_ids=tuple(
            as_int(v, f"{at}.item_id_list[{n}]")
            for n, v in enumerate(get_list(info, "item_id_list", at, optional=True))
        ),
        roas_target=get_decimal(auto, "roas_target", f"{where}.auto_bidding_info", optional=True) if auto else None,
    )


# --------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------


class ShopeeAdsClient(ShopeeShopClient):
    """The read-only ads calls of one authorized shop."""

    def __init__(self, partner: ShopeeClient, *, shop_id: int, access_token: str) -> None:
        super().__init__(partner, shop_id=shop_id, access_token=access_token)
        self.calls = 0  # platform calls made (a retried call counts once)

    @classmethod
    def for_shop(cls, shop: ShopeeShopClient) -> ShopeeAdsClient:
        """The ads client of a shop client (same partner, pool, token and retry policy)."""
        return cls(shop.partner, shop_id=shop.shop_id, access_token=shop._access_token)

    def _ads_get(self, path: str, params: list[tuple[str, Any]], parse: Callable[[Any], Any]) -> Any:
        """One signed ads GET, retried as a read; `parse` gets the `response` value (object or array)."""

        def query() -> list[tuple[str, Any]]:
            common = self.partner.signed_params(path, access_token=self._access_token, shop_id=self.shop_id)
            return list(common.items()) + [(k, v) for k, v in params if v is not None]

        def interpret(response: httpx.Response) -> Any:
            failure: PlatformError | None = None
            try:
                body = self.partner._check(response, kind="shop", flat=True, where=path)
            except PlatformError as exc:
                failure = ads_error(exc)
            if failure is not None:
                raise failure
            if "response" not in body:
                raise MalformedResponse(f"{path}: no response in the answer", maybe_applied=True)
            return parse(body["response"])

        self.calls += 1
        return self.partner._call("GET", path, interpret=interpret, safe=True, params=query, redact=self._redact)

    # Shop level ----------------------------------------------------------------------------

    def get_total_balance(self) -> AdsBalance:
        """The shop's ads credit now (paid + free)."""

        def parse(payload: Any) -> AdsBalance:
            return AdsBalance(
                data_timestamp=get_unix_time(payload, "data_timestamp", BALANCE_PATH, optional=True),
                total_balance=_money(payload, "total_balance", BALANCE_PATH),
            )

        return self._ads_get(BALANCE_PATH, [], parse)

    def get_shop_toggle_info(self) -> AdsToggles:
        def parse(payload: Any) -> AdsToggles:
            return AdsToggles(
                data_timestamp=get_unix_time(payload, "data_timestamp", TOGGLE_PATH, optional=True),
                auto_top_up=get_bool(payload, "auto_top_up", TOGGLE_PATH),
                campaign_surge=get_bool(payload, "campaign_surge", TOGGLE_PATH),
            )

        return self._ads_get(TOGGLE_PATH, [], parse)

    def get_all_cpc_ads_daily_performance(
        self, start_date: date, end_date: date, *, skipped: list[str] | None = None
    ) -> list[ShopPerformance]:
        """The shop's figures per day of [start_date, end_date]: start must be before end (a single day is only
        available by the hour), at most a month, not older than 6 months. With `skipped`, malformed rows are
        described there and left out instead of failing the answer."""
        params = [("start_date", ads_date(start_date)), ("end_date", ads_date(end_date))]
        return self._ads_get(SHOP_DAILY_PATH, params, lambda rows: self._rows(rows, SHOP_DAILY_PATH, False, skipped))

    def get_all_cpc_ads_hourly_performance(
        self, performance_date: date, *, skipped: list[str] | None = None
    ) -> list[ShopPerformance]:
        """The shop's figures per hour of one day (today allowed: the hours so far)."""
        params = [("performance_date", ads_date(performance_date))]
        return self._ads_get(SHOP_HOURLY_PATH, params, lambda rows: self._rows(rows, SHOP_HOURLY_PATH, True, skipped))

    def _rows(self, rows: Any, path: str, hourly: bool, skipped: list[str] | None) -> list[ShopPerformance]:
        if not isinstance(rows, list):
            raise MalformedResponse(f"{path}.response: expected an array", maybe_applied=True)
        return rows_or_skip(rows, lambda row, where: shop_performance(row, where, hourly=hourly), path, skipped)

    # Campaigns -----------------------------------------------------------------------------

    def get_product_level_campaign_id_list(
        self, ad_type: str = "all", *, page_size: int = ID_PAGE_SIZE
    ) -> list[CampaignRef]:
        """Every product-level campaign of the shop (all pages)."""
        refs: list[CampaignRef] = []
        offset = 0
        while True:
            params = [("ad_type", ad_type), ("offset", offset), ("limit", page_size)]
            page, more = self._ads_get(CAMPAIGN_IDS_PATH, params, self._id_page)
            refs.extend(page)
            if not more:
                return refs
            if not page:
                raise MalformedResponse(f"{CAMPAIGN_IDS_PATH}: has_next_page with an empty page", maybe_applied=True)
            offset += len(page)

    @staticmethod
    def _id_page(payload: Any) -> tuple[list[CampaignRef], bool]:
        where = CAMPAIGN_IDS_PATH
        rows = get_list(payload, "campaign_list", where, optional=True)
        refs = [
            CampaignRef(
                campaign_id=_count(row, "campaign_id", f"{where}[{i}]"),
                ad_type=get_str(row, "ad_type", f"{where}[{i}]"),
            )
            for i, row in enumerate(rows)
        ]
        return refs, get_bool(payload, "has_next_page", where)

    def get_product_level_campaign_setting_info(
        self,
        campaign_ids: Iterable[int],
        *,
        info_types: Iterable[int] = (COMMON_INFO, AUTO_BIDDING_INFO),
        skipped: list[str] | None = None,
    ) -> list[CampaignSetting]:
        """Settings of any number of the shop's campaigns, 100 per call (common info is always asked for)."""
        types = ",".join(str(t) for t in sorted({COMMON_INFO, *info_types}))
        settings: list[CampaignSetting] = []
        for batch in chunked(dict.fromkeys(int(i) for i in campaign_ids), CAMPAIGN_BATCH):
            params = [("info_type_list", types), ("campaign_id_list", ",".join(map(str, batch)))]

            def parse(payload: Any) -> list[CampaignSetting]:
                rows = get_list(payload, "campaign_list", CAMPAIGN_SETTINGS_PATH, optional=True)
                return rows_or_skip(rows, campaign_setting, f"{CAMPAIGN_SETTINGS_PATH}.campaign_list", skipped)

            settings.extend(self._ads_get(CAMPAIGN_SETTINGS_PATH, params, parse))
        return settings

    def get_product_campaign_daily_performance(
        self, campaign_ids: Iterable[int], start_date: date, end_date: date, *, skipped: list[str] | None = None
    ) -> list[CampaignPerformance]:
        """Per campaign, its figures per day of [start_date, end_date] (the daily date rules); 100 campaigns a call."""
        dates = [("start_date", ads_date(start_date)), ("end_date", ads_date(end_date))]
        return self._campaigns(CAMPAIGN_DAILY_PATH, campaign_ids, dates, False, skipped)

    def get_product_campaign_hourly_performance(
        self, campaign_ids: Iterable[int], performance_date: date, *, skipped: list[str] | None = None
    ) -> list[CampaignPerformance]:
        """Per campaign, its figures per hour of one day (today allowed); 100 campaigns a call."""
        dates = [("performance_date", ads_date(performance_date))]
        return self._campaigns(CAMPAIGN_HOURLY_PATH, campaign_ids, dates, True, skipped)

    def _campaigns(self, path, campaign_ids, dates, hourly: bool, skipped) -> list[CampaignPerformance]:
        found: list[CampaignPerformance] = []
        for batch in chunked(dict.fromkeys(int(i) for i in campaign_ids), CAMPAIGN_BATCH):
            params = [*dates, ("campaign_id_list", ",".join(map(str, batch)))]
            found.extend(self._ads_get(path, params, lambda payload: _performance(payload, path, hourly, skipped)))
        return found


def _performance(payload: Any, path: str, hourly: bool, skipped: list[str] | None) -> list[CampaignPerformance]:
    if not isinstance(payload, list):
        raise MalformedResponse(f"{path}.response: expected an array", maybe_applied=True)
    found: list[CampaignPerformance] = []
    for i, shop in enumerate(payload):
        where = f"{path}.response[{i}].campaign_list"
        campaigns = get_list(shop, "campaign_list", f"{path}.response[{i}]", optional=True)
        found += rows_or_skip(campaigns, lambda row, at: _campaign(row, at, hourly, skipped), where, skipped)
    return found


def _campaign(row: Any, where: str, hourly: bool, skipped: list[str] | None) -> CampaignPerformance:
    metrics = get_list(row, "metrics_list", where, optional=True)
    parse = lambda metric, at: campaign_metrics(metric, at, hourly=hourly)  # noqa: E731
    return CampaignPerformance(
        campaign_id=_count(row, "campaign_id", where),
        ad_type=get_str(row, "ad_type", where, optional=True),
        campaign_placement=get_str(row, "campaign_placement", where, optional=True),
        ad_name=get_str(row, "ad_name", where, optional=True),
        metrics=tuple(rows_or_skip(metrics, parse, f"{where}.metrics_list", skipped)),
    )
