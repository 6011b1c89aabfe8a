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

Sections, each importing only those above it: common (constants) · model (campaigns, their hourly figures, the
balance) · rows · params (permission, rate limit, dates, ids; `ads_endpoint`) · endpoints · control. Callers
import from `sandbox.shopee_ads`; the names below are its public surface.
"""

from .common import (
    ADS_PATH,
    DATE_IN_FUTURE,
    DATE_TOO_OLD,
    HOUR_WEIGHTS,
    MONEY_SCALE,
    RANGE_TOO_LONG,
    RATE_MESSAGES,
    REGION_TIMEZONES,
    SAME_DATES,
    START_AFTER_END,
    STATUSES,
)
from .control import campaign_set, spike, summary
from .endpoints import (
    campaign_performance,
    get_all_cpc_ads_daily_performance,
    get_all_cpc_ads_hourly_performance,
    get_product_campaign_daily_performance,
    get_product_campaign_hourly_performance,
    get_product_level_campaign_id_list,
    get_product_level_campaign_setting_info,
    get_shop_toggle_info,
    get_total_balance,
    setting_info,
)
from .model import ZERO, AdsCampaign, Hour, ShopAds, balance_cents, build, campaign_hours, shop_ads, spike_factor, total
from .params import (
    ads_call,
    ads_endpoint,
    check_dates,
    date_param,
    date_range,
    int_list,
    method_not_allowed,
    months_before,
    owned_campaigns,
)
from .rows import money, product_row, ratio, shop_row

__all__ = [
    "REGION_TIMEZONES",
    "MONEY_SCALE",
    "STATUSES",
    "RATE_MESSAGES",
    "DATE_IN_FUTURE",
    "DATE_TOO_OLD",
    "RANGE_TOO_LONG",
    "SAME_DATES",
    "START_AFTER_END",
    "HOUR_WEIGHTS",
    "ADS_PATH",
    "AdsCampaign",
    "ShopAds",
    "Hour",
    "ZERO",
    "shop_ads",
    "build",
    "spike_factor",
    "campaign_hours",
    "total",
    "balance_cents",
    "money",
    "ratio",
    "shop_row",
    "product_row",
    "ads_call",
    "date_param",
    "months_before",
    "check_dates",
    "date_range",
    "int_list",
    "owned_campaigns",
    "ads_endpoint",
    "method_not_allowed",
    "get_total_balance",
    "get_shop_toggle_info",
    "get_all_cpc_ads_daily_performance",
    "get_all_cpc_ads_hourly_performance",
    "get_product_level_campaign_id_list",
    "get_product_level_campaign_setting_info",
    "setting_info",
    "campaign_performance",
    "get_product_campaign_daily_performance",
    "get_product_campaign_hourly_performance",
    "spike",
    "campaign_set",
    "summary",
]
