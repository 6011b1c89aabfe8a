"""Ozon Performance simulator, query parameters: repeated campaign ids (a comma list is 400), Moscow days and
day ranges (omitted = the last 7 days, at most a year), and the campaigns they select, each refusal worded as
the live API words it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from .common import ID_PARAMS, bad
from .model import Account, Campaign, today_of


def ids_param(request) -> list[int] | None:
    raw = [v for name in ID_PARAMS for v in request.GET.getlist(name)]
    if not raw:
        return None
    for value in raw:
        if not value.isdigit():
            raise bad(f'parsing list "campaign_ids": strconv.ParseUint: parsing "{value}": invalid syntax')
    return [int(v) for v in raw]


def parse_day(value: str) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise bad(f'parsing time "{value}" as "2006-01-02": cannot parse "{value}" as "2006"') from None


def day_range(request, now: float) -> list[date]:
    """dateFrom/dateTo (or date_from/date_to), Moscow days; omitted = the last 7 days."""
    raw_from = request.GET.get("dateFrom") or request.GET.get("date_from")
    raw_to = request.GET.get("dateTo") or request.GET.get("date_to")
    end = parse_day(raw_to) if raw_to else today_of(now)
    start = parse_day(raw_from) if raw_from else end - timedelta(days=6)
    if start > end:
        raise bad("dateFrom must not be later than dateTo")
    if (end - start).days > 366:
        raise bad("the period must not exceed one year")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def selected(model: Account, ids: list[int] | None) -> list[Campaign]:
    if ids is None:
        return list(model.campaigns.values())
    return [model.campaigns[i] for i in dict.fromkeys(ids) if i in model.campaigns]
