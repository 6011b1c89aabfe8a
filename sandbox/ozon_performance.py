"""Ozon Performance API simulator, read-only (contract: platform-ads-apis.md §2 and §3 "Ozon Performance").

Its own host, as the real `api-performance.ozon.ru`: mounted at `ozon-performance/` beside the Seller API.
Errors answer `{"error": "<text>"}` (rpcStatus), unlike the Seller API.

Accounts. Every Ozon seller of the world has one Performance account (one key = one cabinet):
`client_id` = `<seller Client-Id>@advertising.performance.ozon.ru`, `client_secret` = `account_secret(...)`: the
first 40 hex characters of sha256("ozon-performance:<seller Client-Id>:<seller Api-Key>"). The console's demo
data derives the same pair from the demo world's Ozon keys (stores/demo.py), so the demo polls ads out of the box
while someone who knows only a Client-Id cannot guess the secret.

Token. `POST /api/client/token` with a JSON body and the exact `grant_type` "client_credentials" answers
`{"access_token","expires_in":1800,"token_type":"Bearer"}`; a wrong secret is 401 `invalid_client`. A bearer
token dies `ozon.performance_token_ttl` simulated seconds after it was issued (advance the clock to expire it);
a bad or expired one is 401 `{"error":"Запрос не аутентифицирован"}`.

The model, per account (built on first use, kept beside the seller object, so a reset drops it): 3–8 campaigns
drawn from a generator seeded with the seller's Client-Id (the same campaigns in every run; times anchored to
the Moscow midnight of the day they were first asked for). A campaign's figures for a Moscow hour (views,
clicks, spend, orders, ordersMoney) are a pure function of (campaign, day, hour), so a day is the sum of its
hours and closed days never change; today's current hour counts its elapsed part. A campaign spends only while
its owner's state is RUNNING and only up to its budget (daily, or weekly from Monday); once spent, its state
reads `CAMPAIGN_STATE_STOPPED` until the period ends (`ozon.performance_stop_on_budget`, default on).

Statistics: `/statistics/daily/json` and `/statistics/expense/json` (GET; strings, decimal comma, Moscow days,
omitted dates = the last 7 days, rows only for days with figures); ids repeated (`campaignIds`, `campaign_ids`
or `campaigns`), a comma list is 400. The asynchronous report (`POST /statistics/json`, ≤10 campaigns, ≤62 days,
one in flight per account else 429) is NOT_STARTED for `performance_report_start_seconds`, IN_PROGRESS until
`performance_report_ready_seconds`, then OK; its figures are those at the moment it became ready.

Quota: `ozon.performance_daily_quota` authenticated calls per account per Moscow day (100 000), then 429.
Faults armed for service "ozon" apply here too (target the Performance client_id or "*"; `path` e.g.
"/api/client/statistics").

Control (sandbox/control_api.py): `spike` multiplies today's spend, views and clicks from the current hour on
by a factor; `campaign_set` changes a campaign's owner state and/or budget (roubles) from now on.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
import uuid
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.views.decorators.csrf import csrf_exempt

from .faults import Fault, malformed_body
from .http import finish, gateway_error, json_response, log_call, mask, parse_json, raw_response, read_body
from .state import DAY, DEFAULT_CONFIG, Seller, World, get_world, plan_step

CONFIG = {
    "performance_token_ttl": 1800,
    "performance_daily_quota": 100_000,  # authenticated calls per account per Moscow day; 0 = off
    "performance_stop_on_budget": True,  # a spent budget reads CAMPAIGN_STATE_STOPPED
    "performance_report_start_seconds": 3,  # NOT_STARTED this long after the order
    "performance_report_ready_seconds": 10,  # IN_PROGRESS until then, then OK
}
for _key, _value in CONFIG.items():  # the keys join the Ozon config (configurable, restored on reset)
    DEFAULT_CONFIG["ozon"].setdefault(_key, _value)
    get_world().config["ozon"].setdefault(_key, _value)

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")
DOMAIN = "@advertising.performance.ozon.ru"
UNAUTHENTICATED = "Запрос не аутентифицирован"
MAX_REPORT_CAMPAIGNS = 10
MAX_REPORT_DAYS = 62
GROUP_BY = ("NO_GROUP_BY", "DATE", "START_OF_WEEK", "START_OF_MONTH")
ID_PARAMS = ("campaignIds", "campaign_ids", "campaigns")
STATE = "CAMPAIGN_STATE_"
OWNER_STATES = tuple(
    STATE + s
    for s in (
        "RUNNING",
        "PLANNED",
        "STOPPED",
        "INACTIVE",
        "ARCHIVED",
        "MODERATION_DRAFT",
        "MODERATION_IN_PROGRESS",
        "MODERATION_FAILED",
        "FINISHED",
    )
)
WEEKLY, DAILY = "PRODUCT_CAMPAIGN_BUDGET_TYPE_WEEKLY", "PRODUCT_CAMPAIGN_BUDGET_TYPE_DAILY"
ADV_TYPES = {"SKU": "CPC", "SEARCH_PROMO": "CPO", "BANNER": "CPM"}
# Share of a campaign's hourly spend by Moscow hour: quiet nights, busy evenings.
HOUR_WEIGHTS = (
    0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.4, 0.7, 0.9, 1.0, 1.1, 1.1,
    1.2, 1.2, 1.1, 1.0, 1.0, 1.1, 1.3, 1.5, 1.6, 1.4, 1.0, 0.6,
)  # fmt: skip


class PerformanceError(Exception):
    def __init__(self, status: int, error: str, **extra):
        super().__init__(error)
        self.status = status
        self.payload = {"error": error, **extra}


def bad(message: str) -> PerformanceError:
    return PerformanceError(400, message)


# --- accounts and the model -----------------------------------------------------------------------------


def account_client_id(seller_client_id: int) -> str:
    return f"{seller_client_id}{DOMAIN}"


def account_secret(seller_client_id: int, api_key: str) -> str:
    """The Performance client_secret of a seller's account (see the module docstring)."""
    return hashlib.sha256(f"ozon-performance:{seller_client_id}:{api_key}".encode()).hexdigest()[:40]


def seller_of(world: World, client_id: str) -> Seller | None:
    if not isinstance(client_id, str) or not client_id.endswith(DOMAIN) or not client_id[: -len(DOMAIN)].isdigit():
        return None
    return world.sellers.get(int(client_id[: -len(DOMAIN)]))


@dataclass
class Sku:
    sku: int
    title: str
    price_kop: int
    share: float


@dataclass
class Campaign:
    id: int
    title: str
    adv_object_type: str
    from_date: date
    to_date: date | None
    created_at: float
    plan: list  # [(time, owner state, budget in kopecks, budget type)], ascending
    hourly_kop: int
    cpc_kop: int
    ctr: float
    cr: float
    skus: list[Sku]
    autopilot: str
    updated_at: float = 0.0

    def owner(self, at: float) -> tuple[str, int, str]:
        _, state, budget, kind = plan_step(self.plan, at)
        return state, budget, kind


@dataclass
class Account:
    seller: Seller  # the model belongs to this very object: a reset replaces the seller and drops the model
    anchor: float
    campaigns: dict[int, Campaign]
    spikes: list = field(default_factory=list)  # [(from, until, factor)]
    reports: dict = field(default_factory=dict)  # UUID -> Report
    cache: dict = field(default_factory=dict)  # (campaign id, day) -> hours of a closed day

    @property
    def client_id(self) -> str:
        return account_client_id(self.seller.client_id)


@dataclass
class Report:
    uuid: str
    created_at: float
    request: dict
    campaigns: list[int]
    date_from: date
    date_to: date
    group_by: str


# (views, clicks, spend, orders, ordersMoney), money in kopecks
Hour = tuple[int, int, int, int, int]
ZERO: Hour = (0, 0, 0, 0, 0)


def today_of(now: float) -> date:
    return datetime.fromtimestamp(now, MOSCOW).date()


def hour_start(day: date, hour: int) -> float:
    return datetime(day.year, day.month, day.day, hour, tzinfo=MOSCOW).timestamp()


def account_of(world: World, seller: Seller) -> Account:
    """The seller's Performance model, built from its Client-Id on first use."""
    models = world.__dict__.setdefault("ozon_performance", {})
    model = models.get(seller.client_id)
    if model is None or model.seller is not seller:
        model = build(seller, hour_start(today_of(world.now()), 0))
        models[seller.client_id] = model
    return model


def build(seller: Seller, anchor: float) -> Account:
    rng = random.Random(f"ozon-performance:{seller.client_id}")
    count = rng.randint(3, 8)
    kinds = ["RUNNING", "RUNNING"] + rng.choices(
        ["RUNNING", "INACTIVE", "FINISHED", "ARCHIVED", "PLANNED", "MODERATION_IN_PROGRESS"],
        weights=[5, 2, 1, 1, 1, 1],
        k=count - 2,
    )
    day0 = datetime.fromtimestamp(anchor, MOSCOW).date()
    campaigns = {}
    for index, kind in enumerate(kinds):
        campaign_id = int(f"{seller.client_id % 100_000}{index + 1:02d}") + 1_000_000
        adv = "SKU" if index % 3 != 2 else rng.choice(["SEARCH_PROMO", "BANNER"])
        hourly = int(rng.uniform(40, 400)) * 100
        budget, budget_type = 0, WEEKLY
        if index == 1:  # a tight daily budget: spent by the evening on most days
            budget, budget_type = int(hourly * rng.uniform(10, 16)) // 10000 * 10000 or 10000, DAILY
        elif index > 1 and rng.random() < 0.5:
            budget = int(hourly * 24 * 7 * rng.uniform(0.7, 1.3)) // 100000 * 100000 or 100000
        created = anchor - 200 * DAY
        from_date, to_date = day0 - timedelta(days=200), None
        plan = [(created, STATE + "RUNNING", budget, budget_type)]
        if kind == "INACTIVE":
            plan.append((anchor - 3 * DAY, STATE + "INACTIVE", budget, budget_type))
        elif kind in ("FINISHED", "ARCHIVED"):
            to_date = day0 - timedelta(days=20)
            plan.append((hour_start(to_date + timedelta(days=1), 0), STATE + kind, budget, budget_type))
        elif kind == "PLANNED":
            from_date = day0 + timedelta(days=2)
            plan = [
                (0, STATE + "PLANNED", budget, budget_type),
                (hour_start(from_date, 0), STATE + "RUNNING", budget, budget_type),
            ]
        elif kind == "MODERATION_IN_PROGRESS":
            from_date = day0
            plan = [(0, STATE + kind, budget, budget_type)]
        skus = [
            Sku(
                sku=int(f"{campaign_id}{n}") * 10 + 7,
                title=f"Товар {index + 1}-{n + 1}",
                price_kop=int(rng.uniform(300, 5000)) * 100,
                share=rng.uniform(0.5, 1.5),
            )
            for n in range(rng.randint(1, 3))
        ]
        total_share = sum(s.share for s in skus)
        for sku in skus:
            sku.share /= total_share
        campaigns[campaign_id] = Campaign(
            id=campaign_id,
            title=f"{'Трафареты' if adv == 'SKU' else 'Вывод в топ' if adv == 'SEARCH_PROMO' else 'Баннер'} {index + 1}",
            adv_object_type=adv,
            from_date=from_date,
            to_date=to_date,
            created_at=created,
            plan=plan,
            hourly_kop=hourly,
            cpc_kop=int(rng.uniform(5, 40)) * 100,
            ctr=rng.uniform(0.01, 0.05),
            cr=rng.uniform(0.02, 0.08),
            skus=skus,
            autopilot=rng.choice(["TARGET_BIDS", "TARGET_CIR"]),
            updated_at=created,
        )
    return Account(seller=seller, anchor=anchor, campaigns=campaigns)


def spike_factor(model: Account, start: float, end: float) -> float:
    factor = 1.0
    for since, until, value in model.spikes:
        if end > since and start < until:
            factor *= value
    return factor


def period_start(day: date, budget_type: str) -> date:
    return day - timedelta(days=day.weekday()) if budget_type == WEEKLY else day


def spent_before(model: Account, campaign: Campaign, day: date, budget_type: str, now: float) -> int:
    """Kopecks the campaign spent in `day`'s budget period before `day` (weekly budgets run from Monday)."""
    first, spent = period_start(day, budget_type), 0
    while first < day:
        spent += total(campaign_hours(model, campaign, first, now))[2]
        first += timedelta(days=1)
    return spent


def campaign_hours(model: Account, campaign: Campaign, day: date, now: float) -> list[Hour]:
    """The campaign's figures for each elapsed hour of the Moscow `day` (24 for a closed day)."""
    closed = hour_start(day + timedelta(days=1), 0) <= now
    key = (campaign.id, day)
    if closed and key in model.cache:
        return model.cache[key]
    rng = random.Random(f"{campaign.id}:{day.isoformat()}")
    hours: list[Hour] = []
    spent: int | None = None
    for hour in range(24):
        noise = (rng.uniform(0.6, 1.4), rng.uniform(0.5, 1.5), rng.uniform(0.8, 1.2))
        start = hour_start(day, hour)
        if start >= now or start < campaign.created_at:
            if start >= now:
                break
            hours.append(ZERO)
            continue
        state, budget, kind = campaign.owner(start)
        if spent is None:
            spent = spent_before(model, campaign, day, kind, now) if budget else 0
        if state != STATE + "RUNNING" or (budget and spent >= budget):
            hours.append(ZERO)
            continue
        share = min(1.0, (now - start) / 3600)
        spend = campaign.hourly_kop * HOUR_WEIGHTS[hour] * noise[0] * share * spike_factor(model, start, start + 3600)
        scale = share
        if budget and spent + spend > budget:
            scale *= (budget - spent) / spend
            spend = budget - spent
        spend_kop = int(round(spend))
        spent += spend_kop
        clicks = int(spend_kop / campaign.cpc_kop)
        views = int(clicks / campaign.ctr)
        orders = int(campaign.hourly_kop * HOUR_WEIGHTS[hour] / campaign.cpc_kop * campaign.cr * noise[1] * scale)
        price = sum(s.price_kop * s.share for s in campaign.skus)
        hours.append((views, clicks, spend_kop, orders, int(orders * price * noise[2])))
    if closed:
        model.cache[key] = hours
    return hours


def total(hours) -> Hour:
    return tuple(sum(values) for values in zip(*hours, strict=True)) if hours else ZERO  # type: ignore[return-value]


def state_of(model: Account, campaign: Campaign, now: float, config: dict) -> str:
    """The state the API shows: the owner's, or STOPPED once a running campaign's budget period is spent."""
    state, budget, kind = campaign.owner(now)
    if state != STATE + "RUNNING" or not budget or not config["performance_stop_on_budget"]:
        return state
    today = today_of(now)
    spent = spent_before(model, campaign, today, kind, now) + total(campaign_hours(model, campaign, today, now))[2]
    return STATE + "STOPPED" if spent >= budget else state


# --- formats --------------------------------------------------------------------------------------------


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


# --- parameters -----------------------------------------------------------------------------------------


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


# --- endpoints ------------------------------------------------------------------------------------------


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


# --- the view -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    method: str
    handler: object
    pattern: re.Pattern


ROUTES = [
    Route("GET", campaigns, re.compile(r"^/api/client/campaign$")),
    Route("GET", daily, re.compile(r"^/api/client/statistics/daily/json$")),
    Route("GET", expense, re.compile(r"^/api/client/statistics/expense/json$")),
    Route("POST", report_order, re.compile(r"^/api/client/statistics/json$")),
    Route("GET", report_body, re.compile(r"^/api/client/statistics/report$")),
    Route("GET", report_status, re.compile(r"^/api/client/statistics/(?P<report_uuid>[0-9a-fA-F-]{36})$")),
]
TOKEN_PATH = "/api/client/token"


def issue_token(world: World, body, now: float) -> dict:
    if not isinstance(body, dict):
        raise PerformanceError(400, "invalid_request", error_description="the body must be a JSON object")
    if body.get("grant_type") != "client_credentials":
        raise PerformanceError(400, "unsupported_grant_type", error_description="grant_type must be client_credentials")
    client_id, secret = body.get("client_id"), body.get("client_secret")
    seller = seller_of(world, client_id) if isinstance(client_id, str) else None
    if seller is None or not isinstance(secret, str) or secret != account_secret(seller.client_id, seller.api_key):
        raise PerformanceError(401, "invalid_client", error_description="Client authentication failed")
    token = uuid.uuid4().hex + uuid.uuid4().hex
    ttl = int(world.config["ozon"]["performance_token_ttl"])
    tokens = world.__dict__.setdefault("ozon_performance_tokens", {})
    for old, (_, _, expires) in list(tokens.items()):
        if expires <= now:
            del tokens[old]
    tokens[token] = (seller, seller.client_id, now + ttl)
    return {"access_token": token, "expires_in": ttl, "token_type": "Bearer"}


def authenticate(world: World, request, now: float) -> Seller:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    found = world.__dict__.setdefault("ozon_performance_tokens", {}).get(token) if token else None
    if found is None:
        raise PerformanceError(401, UNAUTHENTICATED)
    seller, seller_id, expires = found
    if now >= expires or world.sellers.get(seller_id) is not seller:
        raise PerformanceError(401, UNAUTHENTICATED)
    return seller


def count_call(world: World, seller: Seller, now: float) -> None:
    quota = int(world.config["ozon"]["performance_daily_quota"])
    if quota <= 0:
        return
    key = (f"ozon_performance:{seller.client_id}", today_of(now).toordinal())
    used = world.daily_calls.get(key, 0)  # type: ignore[call-overload]
    if used >= quota:
        raise PerformanceError(429, f"daily request limit of {quota} exceeded")
    world.daily_calls[key] = used + 1  # type: ignore[index]


def match(path: str) -> tuple[Route | None, dict, list[str]]:
    allowed, found, kwargs = [], None, {}
    for route in ROUTES:
        m = route.pattern.match(path)
        if m is None:
            continue
        allowed.append(route.method)
        if found is None or route.method == found.method:
            found, kwargs = route, m.groupdict()
    return found, kwargs, allowed


def fault_answer(fault: Fault):
    if fault.kind == "timeout":
        time.sleep(fault.delay)  # the simulated platform hangs (a fault a test armed on purpose)
        return None if fault.then == "process" else gateway_error(504)
    if fault.kind == "http_error":
        if fault.status == 500:
            return json_response({"error": "internal error"}, status=500)
        return gateway_error(fault.status)
    if fault.kind == "rate_limit":
        return json_response({"error": "too many requests"}, status=429, headers={"Retry-After": "1"})
    return None


def logged_body(body):
    if isinstance(body, dict) and "client_secret" in body:
        return {**body, "client_secret": mask(body["client_secret"])}
    return body


@csrf_exempt
def api(request, rest: str = ""):
    """Every Performance method: route, method, token (or the token call), quota, then the handler."""
    world = get_world()
    path = "/" + rest.rstrip("/")
    raw = read_body(request) if request.method == "POST" else b""
    try:
        body = parse_json(raw) if raw else None
    except ValueError:
        body = ValueError
    entry = log_call(world, request, "ozon_performance", path, logged_body(None if body is ValueError else body))
    status, headers, fault = 200, {}, None
    try:
        if path == TOKEN_PATH:
            if request.method != "POST":
                raise PerformanceError(405, "Method Not Allowed")
            with world.lock:
                payload = issue_token(world, None if body is ValueError else body, world.now())
            return finish(entry, json_response(payload), "ok")
        route, kwargs, allowed = match(path)
        if route is None:
            raise PerformanceError(404, "Not Found")
        if route.method != request.method:
            headers = {"Allow": ", ".join(allowed)}
            raise PerformanceError(405, "Method Not Allowed")
        with world.lock:
            now = world.now()
            seller = authenticate(world, request, now)
            fault = world.faults.take("ozon", {account_client_id(seller.client_id)}, path)
        if fault is not None:
            replaced = fault_answer(fault)
            if replaced is not None:
                return finish(entry, replaced, f"fault:{fault.kind}")
        with world.lock:
            now = world.now()
            count_call(world, seller, now)
            model = account_of(world, seller)
            call = Call(world=world, request=request, model=model, now=now, body=None if body is ValueError else body)
            payload = route.handler(call, **kwargs)  # type: ignore[operator]
    except PerformanceError as exc:
        payload, status = exc.payload, exc.status
        if status == 429:
            headers = {"Retry-After": "1"}
    if fault is not None and fault.kind == "malformed_json":
        return finish(entry, raw_response(malformed_body(payload), status=status), "fault:malformed_json")
    outcome = "ok" if status == 200 else f"error:{status}"
    return finish(entry, json_response(payload, status=status, headers=headers), outcome)


# --- control (sandbox/control_api.py) -------------------------------------------------------------------


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
