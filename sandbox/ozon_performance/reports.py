"""Ozon Performance simulator, the asynchronous report: ordering one (`POST /statistics/json`, at most 10
campaigns and 62 days, one in flight per account), its status (NOT_STARTED, IN_PROGRESS, then OK on the
configured delays) and its body, rows per SKU and date bucket with their totals, as they stood when it became
ready.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from .common import GROUP_BY, MAX_REPORT_CAMPAIGNS, MAX_REPORT_DAYS, MOSCOW, PerformanceError, bad
from .endpoints import Call
from .formats import money, ratio, rfc3339
from .model import Account, Campaign, Report, campaign_hours, total
from .params import parse_day


def report_state(report: Report, now: float, config: dict) -> tuple[str, float]:
    start = report.created_at + float(config["performance_report_start_seconds"])
    ready = report.created_at + float(config["performance_report_ready_seconds"])
    if now >= ready:
        return "OK", ready
    if now >= start:
        return "IN_PROGRESS", start
    return "NOT_STARTED", report.created_at


def report_order(call: Call) -> dict:
    body = call.body
    if not isinstance(body, dict):
        raise bad("invalid request body")
    raw = body.get("campaigns")
    if not isinstance(raw, list) or not raw:
        raise bad("campaigns: value must contain at least 1 item(s)")
    if len(raw) > MAX_REPORT_CAMPAIGNS:
        raise bad(f"campaigns: value must contain at most {MAX_REPORT_CAMPAIGNS} item(s)")
    if not all(isinstance(v, str | int) and not isinstance(v, bool) and str(v).isdigit() for v in raw):
        raise bad("campaigns: value must be a list of campaign ids")
    ids = list(dict.fromkeys(int(v) for v in raw))
    unknown = [i for i in ids if i not in call.model.campaigns]
    if unknown:
        raise PerformanceError(404, f"campaign {unknown[0]} not found")
    start, end = report_dates(body)
    if start > end:
        raise bad("dateFrom must not be later than dateTo")
    if (end - start).days + 1 > MAX_REPORT_DAYS:
        raise bad(f"the period must not exceed {MAX_REPORT_DAYS} days")
    group_by = body.get("groupBy") or "NO_GROUP_BY"
    if group_by not in GROUP_BY:
        raise bad(f"groupBy: value must be one of {', '.join(GROUP_BY)}")
    if any(report_state(r, call.now, call.config)[0] != "OK" for r in call.model.reports.values()):
        raise PerformanceError(429, "another report is being generated: wait until it is ready")
    report = Report(
        uuid=str(uuid.uuid4()),
        created_at=call.now,
        request={
            "campaigns": [str(i) for i in ids],
            "dateFrom": start.isoformat(),
            "dateTo": end.isoformat(),
            "groupBy": group_by,
        },
        campaigns=ids,
        date_from=start,
        date_to=end,
        group_by=group_by,
    )
    call.model.reports[report.uuid] = report
    return {"UUID": report.uuid, "vendor": False}


def report_dates(body: dict) -> tuple[date, date]:
    """dateFrom/dateTo (YYYY-MM-DD) win over RFC 3339 from/to (their Moscow days)."""
    days = []
    for short, long in (("dateFrom", "from"), ("dateTo", "to")):
        value = body.get(short)
        if isinstance(value, str) and value:
            days.append(parse_day(value))
            continue
        value = body.get(long)
        if not isinstance(value, str) or not value:
            raise bad(f"{short} or {long} is required")
        try:
            days.append(datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(MOSCOW).date())
        except ValueError:
            raise bad(f'parsing time "{value}" as RFC 3339: invalid') from None
    return days[0], days[1]


def find_report(call: Call, report_uuid: str | None) -> Report:
    report = call.model.reports.get(report_uuid or "")
    if report is None:
        raise PerformanceError(404, "report not found")
    return report


def report_status(call: Call, report_uuid: str) -> dict:
    report = find_report(call, report_uuid)
    state, changed = report_state(report, call.now, call.config)
    answer = {
        "UUID": report.uuid,
        "state": state,
        "createdAt": rfc3339(report.created_at),
        "updatedAt": rfc3339(changed),
        "request": report.request,
        "kind": "STATS",
    }
    if state == "OK":
        answer["link"] = f"/api/client/statistics/report?UUID={report.uuid}"
    return answer


def report_body(call: Call) -> dict:
    report = find_report(call, call.request.GET.get("UUID"))
    state, ready = report_state(report, call.now, call.config)
    if state != "OK":
        raise bad("report is not ready yet")
    answer = {}
    for campaign_id in report.campaigns:
        campaign = call.model.campaigns[campaign_id]
        rows = report_rows(call.model, campaign, report, ready)
        answer[str(campaign_id)] = {"title": campaign.title, "report": {"rows": rows, "totals": report_totals(rows)}}
    return answer


def bucket(day: date, group_by: str) -> date | None:
    if group_by == "DATE":
        return day
    if group_by == "START_OF_WEEK":
        return day - timedelta(days=day.weekday())
    if group_by == "START_OF_MONTH":
        return day.replace(day=1)
    return None


def report_rows(model: Account, campaign: Campaign, report: Report, at: float) -> list[dict]:
    """Per SKU (and per date bucket unless NO_GROUP_BY); a campaign's day split over its SKUs by fixed shares."""
    sums: dict[tuple, list[int]] = {}
    day = report.date_from
    while day <= report.date_to:
        figures = total(campaign_hours(model, campaign, day, at))
        key_day = bucket(day, report.group_by)
        parts = [[int(v * sku.share) for v in figures] for sku in campaign.skus[1:]]
        first = [v - sum(p[i] for p in parts) for i, v in enumerate(figures)]
        for sku, part in zip(campaign.skus, [first, *parts], strict=True):
            acc = sums.setdefault((key_day, sku.sku), [0, 0, 0, 0, 0])
            for i, value in enumerate(part):
                acc[i] += value
        day += timedelta(days=1)
    by_sku = {sku.sku: sku for sku in campaign.skus}
    rows = []
    for (key_day, sku_id), (views, clicks, spend, orders, orders_money) in sorted(
        sums.items(), key=lambda item: (item[0][0] or date.min, item[0][1])
    ):
        if not (views or spend or orders):
            continue
        sku = by_sku[sku_id]
        row = {
            "date": key_day.strftime("%d.%m.%Y") if key_day else "",
            "sku": str(sku.sku),
            "title": sku.title,
            "price": money(sku.price_kop),
            "views": str(views),
            "clicks": str(clicks),
            "ctr": ratio(clicks, views, 100) if views else "",
            "toCart": str(clicks // 9),
            "avgBid": money(spend // clicks) if clicks else "",
            "moneySpent": money(spend),
            "orders": str(orders),
            "ordersMoney": money(orders_money),
            "models": "0",
            "modelsMoney": "0,00",
            "drr": ratio(spend, orders_money, 100) if orders_money else "",
        }
        rows.append(omit_zeros(row))
    return rows


def omit_zeros(row: dict) -> dict:
    """The live report leaves out every field whose value is zero (or empty)."""
    return {k: v for k, v in row.items() if v not in ("", "0", "0,00")}


def report_totals(rows: list[dict]) -> dict:
    def number(row: dict, name: str) -> int:
        return int(row.get(name, "0"))

    def kopecks(row: dict, name: str) -> int:
        return int(row.get(name, "0,00").replace(",", ""))

    views, clicks = sum(number(r, "views") for r in rows), sum(number(r, "clicks") for r in rows)
    spend, money_ = sum(kopecks(r, "moneySpent") for r in rows), sum(kopecks(r, "ordersMoney") for r in rows)
    totals = {
        "views": str(views),
        "clicks": str(clicks),
        "ctr": ratio(clicks, views, 100) if views else "",
        "toCart": str(sum(number(r, "toCart") for r in rows)),
        "moneySpent": money(spend),
        "orders": str(sum(number(r, "orders") for r in rows)),
        "ordersMoney": money(money_),
        "drr": ratio(spend, money_, 100) if money_ else "",
    }
    return omit_zeros(totals)
