"""Shopee Ads simulator, control (sandbox/control_api.py): a spend spike for today's remaining hours, a change
of a campaign's status or budget from now on, and the shop's campaigns as the control API shows them.
"""

from datetime import timedelta

from ..state import Shop, World
from .common import STATUSES
from .model import shop_ads
from .rows import money


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
