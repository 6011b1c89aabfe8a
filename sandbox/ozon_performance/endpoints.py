"""Ozon Performance simulator, the synchronous endpoints: `Call` (what a handler is given), the campaign list
(`/api/client/campaign`) and the daily and expense statistics (`/statistics/daily/json`,
`/statistics/expense/json`), rows only for days with figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..state import World
from .common import STATE, bad
from .formats import campaign_item, money
from .model import Account, campaign_hours, total
from .params import day_range, ids_param, selected


@dataclass
class Call:
    world: World
    request: object
    model: Account
    now: float
    body: dict | None = None

    @property
    def config(self) -> dict:
        return self.world.config["ozon"]


def campaigns(call: Call) -> dict:
    request = call.request
    ids = ids_param(request)
    adv = request.GET.get("advObjectType") or ""
    state = request.GET.get("state") or ""
    rows = [
        campaign_item(call.model, c, call.now, call.config)
        for c in selected(call.model, ids)
        if not adv or c.adv_object_type == adv
    ]
    if state and state != STATE + "UNKNOWN":
        rows = [r for r in rows if r["state"] == state]
    page_size = int_param(request, "pageSize", 0)
    if page_size:
        page = max(1, int_param(request, "page", 1))
        rows = rows[(page - 1) * page_size : page * page_size]
    return {"list": rows}


def int_param(request, name: str, default: int) -> int:
    value = request.GET.get(name)
    if value in (None, ""):
        return default
    if not value.isdigit():
        raise bad(f'strconv.ParseInt: parsing "{value}": invalid syntax')
    return int(value)


def day_rows(call: Call):
    ids = ids_param(call.request)
    days = day_range(call.request, call.now)
    for campaign in selected(call.model, ids):
        for day in days:
            figures = total(campaign_hours(call.model, campaign, day, call.now))
            if any(figures):
                yield campaign, day, figures


def daily(call: Call) -> dict:
    rows = []
    for campaign, day, (views, clicks, spend, orders, orders_money) in day_rows(call):
        rows.append(
            {
                "id": str(campaign.id),
                "title": campaign.title,
                "date": day.isoformat(),
                "views": str(views),
                "clicks": str(clicks),
                "moneySpent": money(spend),
                "orders": str(orders),
                "ordersMoney": money(orders_money),
            }
        )
    return {"rows": rows}


def expense(call: Call) -> dict:
    rows = []
    for campaign, day, figures in day_rows(call):
        rows.append(
            {
                "id": str(campaign.id),
                "date": day.isoformat(),
                "title": campaign.title,
                "moneySpent": money(figures[2]),
                "bonusSpent": "0,00",
                "prepaymentSpent": money(figures[2]),
            }
        )
    return {"rows": rows}
