"""Shopee Ads simulator, the endpoints under `/api/v2/ads/`: the balance and toggles, the shop's daily and hourly
performance, the product-level campaign list and settings, and each campaign's daily and hourly performance;
importing this module registers them on the Shopee endpoint table.
"""

from ..shopee import Call, wrong
from .model import AdsCampaign, balance_cents, campaign_hours, total
from .params import ads_call, ads_endpoint, check_dates, date_param, date_range, int_list, owned_campaigns
from .rows import money, product_row, shop_row


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
