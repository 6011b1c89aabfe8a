"""Ozon Performance simulator, control (sandbox/control_api.py): a spend spike for the rest of today's Moscow
day, a change of a campaign's owner state or budget from now on, and the account's summary, secret included
(the control API is the operator's).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ..state import Seller, World
from .common import DAILY, OWNER_STATES, STATE, WEEKLY
from .formats import campaign_item
from .model import account_of, account_secret, hour_start, today_of


def spike(world: World, seller: Seller, factor: float) -> dict:
    """Multiply today's spend (views, clicks) from the current hour to Moscow midnight by `factor`."""
    model = account_of(world, seller)
    now = world.now()
    until = hour_start(today_of(now) + timedelta(days=1), 0)
    model.spikes.append((now, until, float(factor)))
    model.cache.clear()
    return {"client_id": model.client_id, "factor": float(factor), "from": now, "until": until}


def campaign_set(world: World, seller: Seller, campaign_id: int, changes: dict) -> dict:
    """Change a campaign's owner state and/or budget (roubles, "0" = none; `budgetType` WEEKLY or DAILY)."""
    model = account_of(world, seller)
    campaign = model.campaigns.get(campaign_id)
    if campaign is None:
        raise KeyError(campaign_id)
    now = world.now()
    state, budget, kind = campaign.owner(now)
    if "state" in changes:
        state = str(changes["state"])
        state = state if state.startswith(STATE) else STATE + state
        if state not in OWNER_STATES:
            raise ValueError(f"state must be one of {', '.join(OWNER_STATES)}")
    if "budget" in changes:
        try:
            roubles = Decimal(str(changes["budget"]).replace(",", "."))
        except ArithmeticError:
            raise ValueError("budget must be a number of roubles") from None
        if not roubles.is_finite() or roubles < 0:
            raise ValueError("budget must be a number of roubles >= 0")
        budget = int(roubles * 100)
    if "budgetType" in changes:
        kind = {"WEEKLY": WEEKLY, "DAILY": DAILY, WEEKLY: WEEKLY, DAILY: DAILY}.get(str(changes["budgetType"]), "")
        if not kind:
            raise ValueError("budgetType must be WEEKLY or DAILY")
    campaign.plan = [entry for entry in campaign.plan if entry[0] < now] + [(now, state, budget, kind)]
    campaign.updated_at = now
    model.cache.clear()
    return campaign_item(model, campaign, now, world.config["ozon"])


def summary(world: World, seller: Seller) -> dict:
    """The account as the control API shows it (the secret included: the control API is the operator's)."""
    model = account_of(world, seller)
    now = world.now()
    return {
        "client_id": model.client_id,
        "client_secret": account_secret(seller.client_id, seller.api_key),
        "today": today_of(now).isoformat(),
        "campaigns": [campaign_item(model, c, now, world.config["ozon"]) for c in model.campaigns.values()],
    }
