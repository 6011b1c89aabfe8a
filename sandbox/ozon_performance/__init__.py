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

Sections, each importing only those above it: common (config keys, constants, `PerformanceError`) · model
(accounts, campaigns, their hourly figures) · formats · params · endpoints (campaigns, daily and expense
statistics) · reports (the asynchronous report) · auth (token, bearer check, quota) · views (routes, faults, the
`api` view) · control. Callers import from `sandbox.ozon_performance`; the names below are its public surface.
"""

from .auth import authenticate, count_call, issue_token
from .common import (
    ADV_TYPES,
    CONFIG,
    DOMAIN,
    GROUP_BY,
    HOUR_WEIGHTS,
    ID_PARAMS,
    MAX_REPORT_CAMPAIGNS,
    MAX_REPORT_DAYS,
    MOSCOW,
    OWNER_STATES,
    STATE,
    UNAUTHENTICATED,
    PerformanceError,
    bad,
)
from .control import campaign_set, spike, summary
from .endpoints import Call, campaigns, daily, day_rows, expense, int_param
from .formats import campaign_item, millionths, money, ratio, rfc3339
from .model import (
    ZERO,
    Account,
    Campaign,
    Hour,
    Report,
    Sku,
    account_client_id,
    account_of,
    account_secret,
    build,
    campaign_hours,
    hour_start,
    period_start,
    seller_of,
    spent_before,
    spike_factor,
    state_of,
    today_of,
    total,
)
from .params import day_range, ids_param, parse_day, selected
from .reports import (
    bucket,
    find_report,
    omit_zeros,
    report_body,
    report_dates,
    report_order,
    report_rows,
    report_state,
    report_status,
    report_totals,
)
from .views import ROUTES, TOKEN_PATH, Route, api, fault_answer, logged_body, match

__all__ = [
    "CONFIG",
    "MOSCOW",
    "DOMAIN",
    "UNAUTHENTICATED",
    "MAX_REPORT_CAMPAIGNS",
    "MAX_REPORT_DAYS",
    "GROUP_BY",
    "ID_PARAMS",
    "STATE",
    "OWNER_STATES",
    "ADV_TYPES",
    "HOUR_WEIGHTS",
    "PerformanceError",
    "bad",
    "account_client_id",
    "account_secret",
    "seller_of",
    "Sku",
    "Campaign",
    "Account",
    "Report",
    "Hour",
    "ZERO",
    "today_of",
    "hour_start",
    "account_of",
    "build",
    "spike_factor",
    "period_start",
    "spent_before",
    "campaign_hours",
    "total",
    "state_of",
    "money",
    "ratio",
    "millionths",
    "rfc3339",
    "campaign_item",
    "ids_param",
    "parse_day",
    "day_range",
    "selected",
    "Call",
    "campaigns",
    "int_param",
    "day_rows",
    "daily",
    "expense",
    "report_state",
    "report_order",
    "report_dates",
    "find_report",
    "report_status",
    "report_body",
    "bucket",
    "report_rows",
    "omit_zeros",
    "report_totals",
    "issue_token",
    "authenticate",
    "count_call",
    "Route",
    "ROUTES",
    "TOKEN_PATH",
    "match",
    "fault_answer",
    "logged_body",
    "api",
    "spike",
    "campaign_set",
    "summary",
]
