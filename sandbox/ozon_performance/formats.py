"""Ozon Performance simulator, formats: roubles and ratios with a decimal comma, budgets in millionths,
RFC 3339 times, and a campaign as `/api/client/campaign` lists it (its state as the API shows it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from .common import ADV_TYPES, DAILY
from .model import Account, Campaign, state_of


def money(kopecks: int | Decimal) -> str:
    """Roubles with a decimal comma: 276463 → "2764,63"."""
    value = (Decimal(kopecks) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value:.2f}".replace(".", ",")


def ratio(numerator: float, denominator: float, scale: float = 1.0) -> str:
    value = Decimal(numerator * scale / denominator if denominator else 0).quantize(Decimal("0.01"))
    return f"{value:.2f}".replace(".", ",")


def millionths(kopecks: int) -> str:
    return str(kopecks * 10_000)


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def campaign_item(model: Account, campaign: Campaign, now: float, config: dict) -> dict:
    _, budget, kind = campaign.owner(now)
    daily = kind == DAILY
    return {
        "id": str(campaign.id),
        "title": campaign.title,
        "state": state_of(model, campaign, now, config),
        "advObjectType": campaign.adv_object_type,
        "fromDate": campaign.from_date.isoformat(),
        "toDate": campaign.to_date.isoformat() if campaign.to_date else "",
        "budget": millionths(budget) if daily else "0",
        "dailyBudget": millionths(budget) if daily else "0",
        "weeklyBudget": "0" if daily else millionths(budget),
        "budgetType": kind,
        "startWeekDay": "MONDAY",
        "endWeekDay": "SUNDAY",
        "expenseStrategy": "DAILY_BUDGET",
        "PaymentType": ADV_TYPES[campaign.adv_object_type],
        "placement": ["PLACEMENT_TOP_PROMOTION"] if campaign.adv_object_type == "SEARCH_PROMO" else ["PLACEMENT_PDP"],
        "productAutopilotStrategy": campaign.autopilot,
        "productCampaignMode": "PRODUCT_CAMPAIGN_MODE_AUTO",
        "autopilot": None,
        "autoIncrease": None,
        "isAutocreated": False,
        "autostopStatus": "AUTOSTOP_STATUS_NONE",
        "createdAt": rfc3339(campaign.created_at),
        "updatedAt": rfc3339(max(campaign.updated_at, campaign.plan[-1][0])),
    }
