"""Shopee Ads simulator, rows: money in the shop's currency, ratios, and one day's or hour's figures as the
shop-level (`get_all_cpc_ads_*`) and the product-campaign-level (`get_product_campaign_*`) endpoints answer them.
"""

from datetime import date

from .model import Hour


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
