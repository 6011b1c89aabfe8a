"""Ozon Performance API client, read-only (contract: ../shared/platform-ads-apis.md, section 2).

`OzonPerformanceClient(client_id=..., client_secret=...)` talks to the Performance host (its own keys, not the
Seller API's). It trades the client credentials for a bearer token (`POST /api/client/token`, JSON body) and
keeps the token in a shared cache (Django's cache through `from_settings`, so the workers of one deployment
share it) under a key made of the client id and a fingerprint of the secret, until shortly before it expires;
a 401 on a call drops it, fetches a new one and repeats the call once. The token and the secret never reach a
log line or an error text.

Errors are `{"error": "<text>"}` bodies: a refused secret is `InvalidCredentials`, a token refused again after
a renewal too; 429 is `RateLimited` (the daily quota), and ordering a report while another one of the account
is generating is `ReportInProgress` (retryable: order again once that one is done); 404 `NotFound`; other 4xx
`InvalidRequest`; 5xx `ServerError`.

Values come back typed: the statistics' strings with a decimal comma ("2764,63") as Decimal roubles, counts as
int, dates as `date`; budgets in millionths of a rouble as Decimal roubles. `calls` counts the platform calls
made (token calls and repeats after a renewal included). Imports no models.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import httpx

from .errors import (
    AuthExpired,
    InvalidCredentials,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
)
from .http import BaseClient, RetryPolicy, expect_dict, get_dict, get_list, get_str, parse_retry_after, rows_or_skip

DEFAULT_BASE_URL = "https://api-performance.ozon.ru"
TOKEN_PATH = "/api/client/token"
CAMPAIGNS_PATH = "/api/client/campaign"
DAILY_PATH = "/api/client/statistics/daily/json"
EXPENSE_PATH = "/api/client/statistics/expense/json"
REPORT_ORDER_PATH = "/api/client/statistics/json"
REPORT_PATH = "/api/client/statistics/report"
TOKEN_MARGIN_SECONDS = 120  # a cached token is dropped this long before Ozon says it expires
REPORT_RETRY_SECONDS = 30.0  # reports take 3–60 s; longer than the retry policy waits, so the caller decides
RATE_LIMIT_HINT_SECONDS = 1.0
MAX_REPORT_CAMPAIGNS = 10
MAX_REPORT_DAYS = 62
MILLION = Decimal(1_000_000)


class ReportInProgress(RateLimited):
    """Another report of this account is still generating (one at a time per account): order again later."""


class TokenCache(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any, timeout: float | None = None) -> Any: ...

    def delete(self, key: str) -> Any: ...


class LocalTokenCache:
    """A per-instance cache for clients built without Django (tests of the client alone, scripts)."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        self._values[key] = value

    def delete(self, key: str) -> None:
        self._values.pop(key, None)


# --------------------------------------------------------------------------------------------
# Typed results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PerformanceCampaign:
    """A row of GET /api/client/campaign; budgets in roubles (0 = none), `raw` keeps Ozon's dict."""

    id: int
    title: str
    state: str  # CAMPAIGN_STATE_*
    adv_object_type: str
    payment_type: str
    budget: Decimal
    daily_budget: Decimal
    weekly_budget: Decimal
    budget_type: str  # PRODUCT_CAMPAIGN_BUDGET_TYPE_WEEKLY / _DAILY, or ""
    from_date: date | None
    to_date: date | None  # None: open
    raw: dict = field(repr=False, compare=False)


@dataclass(frozen=True)
class DailyRow:
    """A campaign's day from /statistics/daily/json (a Moscow day; today's row is partial)."""

    campaign_id: int
    title: str
    date: date
    views: int
    clicks: int
    money_spent: Decimal
    orders: int
    orders_money: Decimal


@dataclass(frozen=True)
class ExpenseRow:
    campaign_id: int
    title: str
    date: date
    money_spent: Decimal
    bonus_spent: Decimal
    prepayment_spent: Decimal


@dataclass(frozen=True)
class ReportState:
    uuid: str
    state: str  # NOT_STARTED, IN_PROGRESS, OK, ERROR
    link: str
    error: str

    @property
    def ready(self) -> bool:
        return self.state == "OK"

    @property
    def failed(self) -> bool:
        return self.state == "ERROR"


@dataclass(frozen=True)
class ReportRow:
    """A row of a JSON report; Ozon leaves out the fields that are zero, so each reads as 0 when absent."""

    date: date | None  # None with groupBy NO_GROUP_BY
    sku: str
    title: str
    views: int
    clicks: int
    to_cart: int
    money_spent: Decimal
    orders: int
    orders_money: Decimal
    models: int
    models_money: Decimal


@dataclass(frozen=True)
class CampaignReport:
    campaign_id: int
    title: str
    rows: list[ReportRow]


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def rub(value: Any, where: str) -> Decimal:
    """Roubles from Ozon's text with a decimal comma ("2764,63", "0,00"; a point or spaces are accepted)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if not isinstance(value, str) or not re.fullmatch(r"-?[\d \u00a0]+([.,]\d+)?", value.strip()):
        raise MalformedResponse(f"unexpected response shape at {where}: expected an amount")
    try:
        return Decimal(re.sub(r"[ \u00a0]", "", value.strip()).replace(",", "."))
    except InvalidOperation:
        raise MalformedResponse(f"unexpected response shape at {where}: expected an amount") from None


def count(value: Any, where: str) -> int:
    """A count sent as a string ("1234") or a number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise MalformedResponse(f"unexpected response shape at {where}: expected a count")


def millionths(value: Any, where: str) -> Decimal:
    """Roubles from a budget in millionths of a rouble ("18000000000" → 18000)."""
    return Decimal(count(value, where)) / MILLION


def iso_day(value: Any, where: str, *, optional: bool = False) -> date | None:
    if optional and value in (None, ""):
        return None
    if not isinstance(value, str):
        raise MalformedResponse(f"unexpected response shape at {where}: expected a date")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise MalformedResponse(f"unexpected response shape at {where}: expected a date") from None


def parse_campaign(row: Any, where: str) -> PerformanceCampaign:
    row = expect_dict(row, where)
    payment = row.get("PaymentType", row.get("paymentType", ""))
    return PerformanceCampaign(
        id=count(row.get("id"), f"{where}.id"),
        title=get_str(row, "title", where, optional=True),
        state=get_str(row, "state", where),
        adv_object_type=get_str(row, "advObjectType", where, optional=True),
        payment_type=payment if isinstance(payment, str) else "",
        budget=millionths(row.get("budget", "0"), f"{where}.budget"),
        daily_budget=millionths(row.get("dailyBudget", "0"), f"{where}.dailyBudget"),
        weekly_budget=millionths(row.get("weeklyBudget", "0"), f"{where}.weeklyBudget"),
        budget_type=get_str(row, "budgetType", where, optional=True),
        from_date=iso_day(row.get("fromDate"), f"{where}.fromDate", optional=True),
        to_date=iso_day(row.get("toDate"), f"{where}.toDate", optional=True),
        raw=row,
    )


def parse_daily(row: Any, where: str) -> DailyRow:
    row = expect_dict(row, where)
    return DailyRow(
        campaign_id=count(row.get("id"), f"{where}.id"),
        title=get_str(row, "title", where, optional=True),
        date=iso_day(row.get("date"), f"{where}.date"),  # type: ignore[arg-type]
        views=count(row.get("views", "0"), f"{where}.views"),
        clicks=count(row.get("clicks", "0"), f"{where}.clicks"),
        money_spent=rub(row.get("moneySpent"), f"{where}.moneySpent"),
        orders=count(row.get("orders", "0"), f"{where}.orders"),
        orders_money=rub(row.get("ordersMoney", "0,00"), f"{where}.ordersMoney"),
    )


def parse_expense(row: Any, where: str) -> ExpenseRow:
    row = expect_dict(row, where)
    return ExpenseRow(
        campaign_id=count(row.get("id"), f"{where}.id"),
        title=get_str(row, "title", where, optional=True),
        date=iso_day(row.get("date"), f"{where}.date"),  # type: ignore[arg-type]
        money_spent=rub(row.get("moneySpent"), f"{where}.moneySpent"),
        bonus_spent=rub(row.get("bonusSpent", "0,00"), f"{where}.bonusSpent"),
        prepayment_spent=rub(row.get("prepaymentSpent", "0,00"), f"{where}.prepaymentSpent"),
    )


def parse_report_row(row: Any, where: str) -> ReportRow:
    row = expect_dict(row, where)
    raw_date = row.get("date")
    day = None
    if raw_date:
        try:
            day = datetime.strptime(str(raw_date), "%d.%m.%Y").date()
        except ValueError:
            raise MalformedResponse(f"unexpected response shape at {where}.date: expected DD.MM.YYYY") from None
    return ReportRow(
        date=day,
        sku=str(row.get("sku", "")),
        title=str(row.get("title", "")),
        views=count(row.get("views", "0"), f"{where}.views"),
        clicks=count(row.get("clicks", "0"), f"{where}.clicks"),
        to_cart=count(row.get("toCart", "0"), f"{where}.toCart"),
        money_spent=rub(row.get("moneySpent", "0"), f"{where}.moneySpent"),
        orders=count(row.get("orders", "0"), f"{where}.orders"),
        orders_money=rub(row.get("ordersMoney", "0"), f"{where}.ordersMoney"),
        models=count(row.get("models", "0"), f"{where}.models"),
        models_money=rub(row.get("modelsMoney", "0"), f"{where}.modelsMoney"),
    )


# --------------------------------------------------------------------------------------------


class OzonPerformanceClient(BaseClient):
    """One Performance account (client_id + client_secret)."""

    platform = "ozon_performance"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        base_url: str = DEFAULT_BASE_URL,
        token_cache: TokenCache | None = None,
        timeout: httpx.Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        if not client_id or not client_secret:
            raise ValueError("client_id and client_secret are required")
        super().__init__(
            base_url=base_url, timeout=timeout, retry=retry, http_client=http_client, secrets=[client_secret]
        )
        self.client_id = client_id
        self._secret = client_secret
        self._cache: TokenCache = token_cache if token_cache is not None else LocalTokenCache()
        self.calls = 0

    @classmethod
    def from_settings(cls, *, client_id: str, client_secret: str, **kwargs: Any) -> OzonPerformanceClient:
        """A client on settings.OZON_PERFORMANCE_BASE_URL whose tokens live in Django's default cache."""
        from django.conf import settings
        from django.core.cache import cache

        kwargs.setdefault("base_url", getattr(settings, "OZON_PERFORMANCE_BASE_URL", DEFAULT_BASE_URL))
        kwargs.setdefault("token_cache", cache)
        return cls(client_id=client_id, client_secret=client_secret, **kwargs)

    def __repr__(self) -> str:
        return f"OzonPerformanceClient(client_id={self.client_id!r}, client_secret='***', base_url={self.base_url!r})"

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        self.calls += 1
        return super()._call(method, path, **kwargs)

    # Token ---------------------------------------------------------------------------------

    @property
    def cache_key(self) -> str:
        fingerprint = hashlib.sha256(f"{self.client_id}\n{self._secret}".encode()).hexdigest()[:16]
        return f"shopcrew:ozon-performance:token:{self.client_id}:{fingerprint}"

    def fetch_token(self) -> tuple[str, int]:
        """A new bearer token and its lifetime in seconds, straight from Ozon (nothing cached)."""
        body = {"client_id": self.client_id, "client_secret": self._secret, "grant_type": "client_credentials"}

        def interpret(response: httpx.Response) -> tuple[str, int]:
            payload = expect_dict(self._check(response, TOKEN_PATH, token_call=True), TOKEN_PATH)
            token = get_str(payload, "access_token", TOKEN_PATH)
            if not token:
                raise MalformedResponse(f"{TOKEN_PATH}: empty access_token")
            return token, count(payload.get("expires_in", 1800), f"{TOKEN_PATH}.expires_in")

        token, lifetime = self._call("POST", TOKEN_PATH, interpret=interpret, safe=True, json=body)
        self._redact = self._redact.extended(token)
        return token, lifetime

    def access_token(self) -> str:
        """The cached bearer token, or a new one (cached until TOKEN_MARGIN_SECONDS before it expires)."""
        token = self._cache.get(self.cache_key)
        if isinstance(token, str) and token:
            self._redact = self._redact.extended(token)
            return token
        token, lifetime = self.fetch_token()
        keep = lifetime - min(TOKEN_MARGIN_SECONDS, lifetime // 2)
        if keep > 0:
            self._cache.set(self.cache_key, token, keep)
        return token

    def forget_token(self) -> None:
        self._cache.delete(self.cache_key)

    def verify(self) -> None:
        """Fetch a fresh token: the credentials form's "test" (InvalidCredentials when Ozon refuses them)."""
        token, lifetime = self.fetch_token()
        keep = lifetime - min(TOKEN_MARGIN_SECONDS, lifetime // 2)
        if keep > 0:
            self._cache.set(self.cache_key, token, keep)

    # Transport -----------------------------------------------------------------------------

    def _authorized(self, method: str, path: str, parse: Callable[[Any], Any], **kwargs: Any) -> Any:
        """One call with the bearer token; a 401 renews the token once and repeats the call."""
        for renewed in (False, True):
            headers = {"Authorization": f"Bearer {self.access_token()}"}

            def interpret(response: httpx.Response) -> Any:
                return parse(self._check(response, path))

            try:
                return self._call(method, path, interpret=interpret, headers=headers, **kwargs)
            except AuthExpired as exc:
                self.forget_token()
                if renewed:
                    raise InvalidCredentials(exc.message, platform=self.platform, status=exc.status) from None
        raise AssertionError("unreachable")

    def _check(self, response: httpx.Response, where: str, *, token_call: bool = False) -> Any:
        """The decoded body of a 200 answer, else the typed error for the status and `{"error": ...}` body."""
        try:
            body = response.json()
        except ValueError:
            body = None
        status = response.status_code
        if status == 200:
            if body is None:
                raise MalformedResponse(f"{where}: response body is not JSON", status=status)
            return body
        error = body.get("error") if isinstance(body, dict) else None
        text = f"{where}: {error}" if isinstance(error, str) and error else f"{where}: HTTP {status}"
        code = error if isinstance(error, str) and len(error) <= 40 else ""
        common: dict[str, Any] = {"code": code, "status": status}
        if status == 401:
            raise (InvalidCredentials if token_call else AuthExpired)(text, **common)
        if status == 403:
            raise InvalidCredentials(text, **common)
        if status == 429:
            if where == REPORT_ORDER_PATH:
                raise ReportInProgress(text, retry_after=REPORT_RETRY_SECONDS, **common)
            retry_after = parse_retry_after(response.headers.get("retry-after")) or RATE_LIMIT_HINT_SECONDS
            raise RateLimited(text, retry_after=retry_after, **common)
        if status == 404:
            raise NotFound(text, **common)
        if status >= 500:
            raise ServerError(text, maybe_applied=True, **common)
        raise InvalidRequest(text, **common)

    # Campaigns -----------------------------------------------------------------------------

    def campaigns(
        self,
        campaign_ids: Iterable[int] | None = None,
        *,
        adv_object_type: str = "",
        state: str = "",
        skipped: list[str] | None = None,
    ) -> list[PerformanceCampaign]:
        """The account's campaigns (all, or the ids named; repeated `campaignIds`, never a comma list)."""
        params: list[tuple[str, str]] = [("campaignIds", str(int(i))) for i in campaign_ids or ()]
        params += [(name, value) for name, value in (("advObjectType", adv_object_type), ("state", state)) if value]

        def parse(payload: Any) -> list[PerformanceCampaign]:
            rows = get_list(expect_dict(payload, CAMPAIGNS_PATH), "list", CAMPAIGNS_PATH)
            return rows_or_skip(rows, parse_campaign, f"{CAMPAIGNS_PATH}.list", skipped)

        return self._authorized("GET", CAMPAIGNS_PATH, parse, safe=True, params=params)

    # Statistics ----------------------------------------------------------------------------

    def _statistics_params(self, campaign_ids: Iterable[int] | None, date_from: date, date_to: date) -> list:
        if date_from > date_to:
            raise ValueError("date_from must not be later than date_to")
        params = [("campaignIds", str(int(i))) for i in campaign_ids or ()]
        return params + [("dateFrom", date_from.isoformat()), ("dateTo", date_to.isoformat())]

    def daily_statistics(
        self,
        campaign_ids: Iterable[int] | None,
        date_from: date,
        date_to: date,
        *,
        skipped: list[str] | None = None,
    ) -> list[DailyRow]:
        """Per campaign and Moscow day (omit ids = every campaign); days without figures have no row."""
        params = self._statistics_params(campaign_ids, date_from, date_to)

        def parse(payload: Any) -> list[DailyRow]:
            rows = get_list(expect_dict(payload, DAILY_PATH), "rows", DAILY_PATH)
            return rows_or_skip(rows, parse_daily, f"{DAILY_PATH}.rows", skipped)

        return self._authorized("GET", DAILY_PATH, parse, safe=True, params=params)

    def expense_statistics(
        self,
        campaign_ids: Iterable[int] | None,
        date_from: date,
        date_to: date,
        *,
        skipped: list[str] | None = None,
    ) -> list[ExpenseRow]:
        params = self._statistics_params(campaign_ids, date_from, date_to)

        def parse(payload: Any) -> list[ExpenseRow]:
            rows = get_list(expect_dict(payload, EXPENSE_PATH), "rows", EXPENSE_PATH)
            return rows_or_skip(rows, parse_expense, f"{EXPENSE_PATH}.rows", skipped)

        return self._authorized("GET", EXPENSE_PATH, parse, safe=True, params=params)

    # The asynchronous report ---------------------------------------------------------------

    def order_report(
        self, campaign_ids: Iterable[int], date_from: date, date_to: date, *, group_by: str = "DATE"
    ) -> str:
        """Order a JSON report (≤10 campaigns, ≤62 days); its UUID. `ReportInProgress` while another one of the
        account is generating (one at a time per account)."""
        ids = [str(int(i)) for i in dict.fromkeys(campaign_ids)]
        if not 1 <= len(ids) <= MAX_REPORT_CAMPAIGNS:
            raise ValueError(f"a report covers 1 to {MAX_REPORT_CAMPAIGNS} campaigns")
        if date_from > date_to or (date_to - date_from).days + 1 > MAX_REPORT_DAYS:
            raise ValueError(f"a report covers 1 to {MAX_REPORT_DAYS} days")
        body = {"campaigns": ids, "dateFrom": date_from.isoformat(), "dateTo": date_to.isoformat(), "groupBy": group_by}

        def parse(payload: Any) -> str:
            return get_str(expect_dict(payload, REPORT_ORDER_PATH), "UUID", REPORT_ORDER_PATH)

        # not safe: a timeout after sending may have ordered it (and repeating would meet the 429)
        return self._authorized("POST", REPORT_ORDER_PATH, parse, safe=False, json=body)

    def report_state(self, uuid: str) -> ReportState:
        path = f"/api/client/statistics/{uuid}"

        def parse(payload: Any) -> ReportState:
            payload = expect_dict(payload, path)
            return ReportState(
                uuid=get_str(payload, "UUID", path),
                state=get_str(payload, "state", path),
                link=get_str(payload, "link", path, optional=True),
                error=get_str(payload, "error", path, optional=True),
            )

        return self._authorized("GET", path, parse, safe=True)

    def report(self, uuid: str, *, skipped: list[str] | None = None) -> list[CampaignReport]:
        """A ready JSON report: per campaign, its rows (zero fields read as 0)."""

        def parse(payload: Any) -> list[CampaignReport]:
            reports = []
            for key, part in expect_dict(payload, REPORT_PATH).items():
                where = f"{REPORT_PATH}.{key}"
                body = get_dict(expect_dict(part, where), "report", where)
                rows = rows_or_skip(get_list(body, "rows", f"{where}.report"), parse_report_row, where, skipped)
                reports.append(
                    CampaignReport(campaign_id=count(key, where), title=str(part.get("title", "")), rows=rows)
                )
            return reports

        return self._authorized("GET", REPORT_PATH, parse, safe=True, params={"UUID": uuid})
