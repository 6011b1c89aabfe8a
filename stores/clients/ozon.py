"""Ozon Seller API client (contract: ../shared/platform-apis.md, section 2).

`OzonClient(client_id=..., api_key=..., base_url=...)` sends `Client-Id` / `Api-Key` headers and
JSON bodies. FBS postings come from the v4 cursor list by default; `fbs_list_version="v3"` uses
the legacy offset list for sellers who still have it. Every method here is a read and is
retried with backoff on retryable failures. Money in postings is normalized to `Money`
whether the answer used the v3 shape (`"1390.000000"` + `currency_code`) or the v4 shape
(`{"amount": "12990.00", "currency": "RUB"}`). Imports no models.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

import httpx

from .errors import InvalidCredentials, InvalidRequest, MalformedResponse, NotFound, RateLimited, ServerError
from .http import (
    BaseClient,
    RetryPolicy,
    as_decimal,
    as_int,
    expect_dict,
    get_bool,
    get_dict,
    get_int,
    get_list,
    get_str,
    parse_retry_after,
    rows_or_skip,
)

DEFAULT_BASE_URL = "https://api-seller.ozon.ru"

FBS_LIST_V4 = "/v4/posting/fbs/list"
FBS_LIST_V3 = "/v3/posting/fbs/list"
FBS_UNFULFILLED_V4 = "/v4/posting/fbs/unfulfilled/list"
FBS_GET = "/v3/posting/fbs/get"
FBO_LIST_V3 = "/v3/posting/fbo/list"
RETURNS_LIST = "/v1/returns/list"
STOCKS_V4 = "/v4/product/info/stocks"

CURSOR_LIMIT_MAX = 100  # v4 FBS lists and v3 FBO list
OFFSET_LIMIT_MAX = 1000  # legacy v3 FBS list
RETURNS_LIMIT_MAX = 500
STOCKS_LIMIT_MAX = 1000
RATE_LIMIT_HINT_SECONDS = 1.0

FbsListVersion = Literal["v4", "v3"]
ReturnDateField = Literal["logistic_return_date", "storage_tariffication_start_date", "visual_status_change_moment"]

# --------------------------------------------------------------------------------------------
# Typed results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Dimensions:
    """A product's package in the /v3/posting/fbs/get answer: four decimal strings on the wire (mm, g)."""

    height: Decimal
    length: Decimal
    weight: Decimal
    width: Decimal


@dataclass(frozen=True)
class PostingProduct:
    sku: int | None
    offer_id: str
    name: str
    quantity: int
    price: Money | None
    dimensions: Dimensions | None = None  # only the get answer carries them


@dataclass(frozen=True)
class Tariff:
    """One step of a posting's `tariffication` array (the current and the next tariff)."""

    current_rate: Decimal | None
    current_type: str
    next_rate: Decimal | None
    next_type: str
    next_starts_at: datetime | None


@dataclass(frozen=True)
class PrrOption:
    """`prr_option`: the loading service applied to a posting (an object, or absent/null)."""

    code: str
    price: Decimal | None
    currency_code: str
    floor: str


@dataclass(frozen=True)
class OzonPosting:
    """An FBS or FBO posting (`scheme`), from a list or a get; `raw` keeps the platform's dict."""

    scheme: Literal["fbs", "fbo"]
    posting_number: str
    order_id: int | None
    order_number: str
    status: str
    substatus: str
    created_at: datetime | None
    in_process_at: datetime | None
    shipment_date: datetime | None
    delivering_date: datetime | None
    tracking_number: str  # "" until registered
    warehouse_id: int | None
    delivery_method: str
    cancel_reason: str
    products: tuple[PostingProduct, ...]
    raw: dict = field(repr=False, compare=False)
    tariffication: tuple[Tariff, ...] = ()
    prr_option: PrrOption | None = None


@dataclass(frozen=True)
class OzonReturn:
    """A row of /v1/returns/list; `status` is `visual.status.sys_name`."""

    id: int
    type: str
    schema: str
    order_id: int | None
    order_number: str
    posting_number: str
    status: str
    status_name: str
    status_changed_at: datetime | None
    return_reason_name: str
    sku: int | None
    offer_id: str
    product_name: str
    quantity: int | None
    price: Money | None
    return_date: datetime | None
    raw: dict = field(repr=False, compare=False)


@dataclass(frozen=True)
class OzonStock:
    """Stock of one SKU under one scheme (`type`: fbs, fbo, ...). Sellable = present - reserved."""

    sku: int | None
    type: str
    shipment_type: str
    present: int
    reserved: int
    warehouse_ids: tuple[int, ...]

    @property
    def available(self) -> int:
        return self.present - self.reserved


@dataclass(frozen=True)
class OzonStockItem:
    """A product with its stock rows from /v4/product/info/stocks."""

    product_id: int
    offer_id: str
    stocks: tuple[OzonStock, ...]
    raw: dict = field(repr=False, compare=False)


# --------------------------------------------------------------------------------------------
# Client
# --------------------------------------------------------------------------------------------


class OzonClient(BaseClient):
    """One Ozon seller account (Client-Id + Api-Key)."""

    platform = "ozon"

    def __init__(
        self,
        *,
        client_id: int | str,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        fbs_list_version: FbsListVersion = "v4",
        timeout: httpx.Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("api_key is required")
        if fbs_list_version not in ("v4", "v3"):
            raise ValueError("fbs_list_version must be 'v4' or 'v3'")
        super().__init__(base_url=base_url, timeout=timeout, retry=retry, http_client=http_client, secrets=[api_key])
        self.client_id = str(client_id)
        self._api_key = api_key
        self.fbs_list_version = fbs_list_version

    @classmethod
    def from_settings(cls, *, client_id: int | str, api_key: str, **kwargs: Any) -> OzonClient:
        """A client on settings.OZON_BASE_URL; settings.OZON_FBS_LIST_VERSION ("v4" unless set) picks the list."""
        from django.conf import settings

        kwargs.setdefault("base_url", getattr(settings, "OZON_BASE_URL", DEFAULT_BASE_URL))
        kwargs.setdefault("fbs_list_version", getattr(settings, "OZON_FBS_LIST_VERSION", "v4"))
        return cls(client_id=client_id, api_key=api_key, **kwargs)

    def __repr__(self) -> str:
        return f"OzonClient(client_id={self.client_id!r}, api_key='***', base_url={self.base_url!r})"

    def _post(self, path: str, body: dict, parse: Callable[[dict], Any]) -> Any:
        headers = {"Client-Id": self.client_id, "Api-Key": self._api_key}

        def interpret(response: httpx.Response) -> Any:
            return parse(expect_dict(self._check(response, path), path))

        return self._call("POST", path, interpret=interpret, safe=True, json=body, headers=headers)

    def _check(self, response: httpx.Response, where: str) -> Any:
        """The decoded body of a 200 answer, else the typed error for Ozon's status and rpcStatus body."""
        try:
            body = response.json()
        except ValueError:
            body = None
        status = response.status_code
        if status == 200:
            if body is None:
                raise MalformedResponse(f"{where}: response body is not JSON", status=status, maybe_applied=True)
            return body
        code = message = ""
        if isinstance(body, dict):
            code = str(body.get("code", "")) if isinstance(body.get("code", ""), int | str) else ""
            message = body.get("message") if isinstance(body.get("message"), str) else ""
        common = {"code": code, "status": status}
        text = message or f"{where}: HTTP {status}"
        if status == 429 or "circle is open" in message.lower():
            retry_after = parse_retry_after(response.headers.get("retry-after")) or RATE_LIMIT_HINT_SECONDS
            raise RateLimited(text, retry_after=retry_after, **common)
        if status in (401, 403):
            raise InvalidCredentials(text, **common)
        if status == 404:
            lowered = message.lower()
            if "api-key" in lowered or "api key" in lowered or "client-id" in lowered:
                raise InvalidCredentials(text, **common)
            raise NotFound(text, **common)
        if status >= 500:
            raise ServerError(text, maybe_applied=True, **common)
        raise InvalidRequest(text, **common)

    def verify(self) -> None:
        """One cheap read that succeeds only with valid keys: the store form's key check."""

        def parse(payload: dict) -> None:
            get_int(payload, "total_items", STOCKS_V4, optional=True)
            for i, row in enumerate(get_list(payload, "items", STOCKS_V4)):
                _stock_item(row, f"{STOCKS_V4}.items[{i}]")

        self._post(STOCKS_V4, {"cursor": "", "filter": {"visibility": "ALL"}, "limit": 1}, parse)

    # FBS -----------------------------------------------------------------------------------

    def iter_fbs_postings(
        self,
        *,
        since: datetime,
        to: datetime,
        statuses: Iterable[str] = (),
        limit: int | None = None,
        last_changed_status_date: tuple[datetime, datetime] | None = None,
        with_financial_data: bool = False,
        with_analytics_data: bool = False,
        skipped: list[str] | None = None,
    ) -> Iterator[OzonPosting]:
        """FBS postings processed in [since, to] (v4 cursor list, or v3 offset list per the client flag). Lazy.
        With a `skipped` list (v4), postings of the wrong shape are described there and left out."""
        filters: dict[str, Any] = {"since": rfc3339(since), "to": rfc3339(to)}
        if last_changed_status_date:
            start, end = last_changed_status_date
            filters["last_changed_status_date"] = {"from": rfc3339(start), "to": rfc3339(end)}
        with_ = {"financial_data": with_financial_data, "analytics_data": with_analytics_data}
        statuses = list(statuses)
        if self.fbs_list_version == "v3":
            limit = _check_limit(limit or OFFSET_LIMIT_MAX, OFFSET_LIMIT_MAX)
            return self._iter_fbs_v3(filters, statuses, limit, with_)
        if statuses:
            filters["statuses"] = statuses
        body = {
            "filter": filters,
            "limit": _check_limit(limit or CURSOR_LIMIT_MAX, CURSOR_LIMIT_MAX),
            "sort_dir": "ASC",
            "with": with_,
        }
        return self._iter_cursor(FBS_LIST_V4, body, "fbs", skipped)

    def _iter_fbs_v3(self, filters: dict, statuses: list[str], limit: int, with_: dict) -> Iterator[OzonPosting]:
        """Legacy offset paging; one pass per status because the v3 filter takes a single status."""
        seen: set[str] = set()
        for status in statuses or [None]:
            offset = 0
            while True:
                body = {
                    "dir": "ASC",
                    "filter": {**filters, **({"status": status} if status else {})},
                    "limit": limit,
                    "offset": offset,
                    "with": with_,
                }

                def parse(payload: dict):
                    result = get_dict(payload, "result", FBS_LIST_V3)
                    rows = get_list(result, "postings", f"{FBS_LIST_V3}.result")
                    has_next = get_bool(result, "has_next", f"{FBS_LIST_V3}.result", optional=True)
                    return [_posting(r, "fbs", f"{FBS_LIST_V3}.postings[{i}]") for i, r in enumerate(rows)], has_next

                postings, has_next = self._post(FBS_LIST_V3, body, parse)
                for posting in postings:
                    if posting.posting_number not in seen:
                        seen.add(posting.posting_number)
                        yield posting
                if not has_next or not postings:
                    break
                offset += len(postings)

    def iter_unfulfilled_fbs_postings(
        self,
        *,
        cutoff_from: datetime | None = None,
        cutoff_to: datetime | None = None,
        delivering_date_from: datetime | None = None,
        delivering_date_to: datetime | None = None,
        statuses: Iterable[str] = (),
        limit: int = CURSOR_LIMIT_MAX,
    ) -> Iterator[OzonPosting]:
        """FBS postings still to be shipped (v4), by cut-off window or by delivery-date window. Lazy."""
        cutoff = cutoff_from is not None or cutoff_to is not None
        delivering = delivering_date_from is not None or delivering_date_to is not None
        if cutoff == delivering:
            raise ValueError("give either the cutoff window or the delivering date window")
        pairs = (
            ("cutoff_from", cutoff_from),
            ("cutoff_to", cutoff_to),
            ("delivering_date_from", delivering_date_from),
            ("delivering_date_to", delivering_date_to),
        )
        filters: dict[str, Any] = {name: rfc3339(value) for name, value in pairs if value is not None}
        if statuses := list(statuses):
            filters["statuses"] = statuses
        body = {"filter": filters, "limit": _check_limit(limit, CURSOR_LIMIT_MAX), "sort_dir": "ASC"}
        return self._iter_cursor(FBS_UNFULFILLED_V4, body, "fbs")

    def get_fbs_posting(
        self, posting_number: str, *, with_financial_data: bool = False, with_analytics_data: bool = False
    ) -> OzonPosting:
        """One FBS posting with its detail fields (v3 get); NotFound when it does not exist."""
        body = {
            "posting_number": posting_number,
            "with": {"financial_data": with_financial_data, "analytics_data": with_analytics_data},
        }
        return self._post(FBS_GET, body, lambda payload: _posting(payload.get("result"), "fbs", f"{FBS_GET}.result"))

    # FBO -----------------------------------------------------------------------------------

    def iter_fbo_postings(
        self,
        *,
        since: datetime,
        to: datetime,
        statuses: Iterable[str] = (),
        limit: int = CURSOR_LIMIT_MAX,
        skipped: list[str] | None = None,
    ) -> Iterator[OzonPosting]:
        """FBO postings created in [since, to] (v3 cursor list). Lazy. `skipped`: as for iter_fbs_postings."""
        filters: dict[str, Any] = {"since": rfc3339(since), "to": rfc3339(to)}
        if statuses := list(statuses):
            filters["statuses"] = statuses
        body = {"filter": filters, "limit": _check_limit(limit, CURSOR_LIMIT_MAX), "sort_dir": "ASC"}
        return self._iter_cursor(FBO_LIST_V3, body, "fbo", skipped)

    def _iter_cursor(
        self, path: str, body: dict, scheme: str, skipped: list[str] | None = None
    ) -> Iterator[OzonPosting]:
        """Cursor paging shared by the v4 FBS lists and the v3 FBO list: {cursor, has_next, postings}. With a
        `skipped` list, a posting of the wrong shape is described there and left out (the page goes on)."""
        cursor = ""
        while True:
            request = {**body, "cursor": cursor}

            def parse(payload: dict, cursor=cursor):
                rows = get_list(payload, "postings", path)
                has_next = get_bool(payload, "has_next", path)
                next_cursor = get_str(payload, "cursor", path, optional=True)
                if has_next and (not next_cursor or next_cursor == cursor):
                    raise MalformedResponse(f"{path}: has_next without a new cursor", maybe_applied=True)
                postings = rows_or_skip(rows, lambda r, w: _posting(r, scheme, w), f"{path}.postings", skipped)
                return postings, has_next, next_cursor

            postings, has_next, cursor = self._post(path, request, parse)
            yield from postings
            if not has_next:
                return

    # Returns -------------------------------------------------------------------------------

    def iter_returns(
        self,
        *,
        time_from: datetime | None = None,
        time_to: datetime | None = None,
        date_field: ReturnDateField = "logistic_return_date",
        posting_numbers: Iterable[str] = (),
        return_schema: Literal["FBS", "FBO"] | None = None,
        limit: int = RETURNS_LIMIT_MAX,
    ) -> Iterator[OzonReturn]:
        """Returns filtered by one date field (Ozon refuses two), paged by `last_id`. Lazy."""
        filters: dict[str, Any] = {}
        if time_from is not None or time_to is not None:
            if time_from is None or time_to is None:
                raise ValueError("give both time_from and time_to")
            filters[date_field] = {"time_from": rfc3339(time_from), "time_to": rfc3339(time_to)}
        if numbers := list(posting_numbers):
            filters["posting_numbers"] = numbers
        if return_schema:
            filters["return_schema"] = return_schema
        return self._iter_returns(filters, _check_limit(limit, RETURNS_LIMIT_MAX))

    def _iter_returns(self, filters: dict, limit: int) -> Iterator[OzonReturn]:
        last_id = 0
        while True:
            body = {"filter": filters, "limit": limit, "last_id": last_id}

            def parse(payload: dict):
                rows = get_list(payload, "returns", RETURNS_LIST)
                has_next = get_bool(payload, "has_next", RETURNS_LIST)
                return [_return(r, f"{RETURNS_LIST}.returns[{i}]") for i, r in enumerate(rows)], has_next

            returns, has_next = self._post(RETURNS_LIST, body, parse)
            yield from returns
            if not has_next:
                return
            if not returns or returns[-1].id == last_id:
                raise MalformedResponse(f"{RETURNS_LIST}: has_next without progress", platform=self.platform)
            last_id = returns[-1].id

    # Stocks --------------------------------------------------------------------------------

    def iter_stocks(
        self,
        *,
        offer_ids: Iterable[str] = (),
        product_ids: Iterable[int] = (),
        visibility: str = "ALL",
        limit: int = STOCKS_LIMIT_MAX,
    ) -> Iterator[OzonStockItem]:
        """Stock per product and scheme (v4 cursor paging). Lazy. Paging ends on a page shorter than `limit`:
        the last page still hands back a (non-empty) cursor, and a request with it answers no items."""
        filters: dict[str, Any] = {"visibility": visibility}
        if offers := list(offer_ids):
            filters["offer_id"] = offers
        if products := [str(p) for p in product_ids]:
            filters["product_id"] = products
        return self._iter_stocks(filters, _check_limit(limit, STOCKS_LIMIT_MAX))

    def _iter_stocks(self, filters: dict, limit: int) -> Iterator[OzonStockItem]:
        cursor = ""
        while True:
            body = {"cursor": cursor, "filter": filters, "limit": limit}

            def parse(payload: dict, cursor=cursor):
                rows = get_list(payload, "items", STOCKS_V4)
                next_cursor = get_str(payload, "cursor", STOCKS_V4, optional=True)
                if rows and next_cursor and next_cursor == cursor:
                    raise MalformedResponse(f"{STOCKS_V4}: cursor did not advance", maybe_applied=True)
                return [_stock_item(r, f"{STOCKS_V4}.items[{i}]") for i, r in enumerate(rows)], next_cursor

            items, cursor = self._post(STOCKS_V4, body, parse)
            yield from items
            if not cursor or len(items) < limit:
                return


# --------------------------------------------------------------------------------------------
# Helpers and parsers
# --------------------------------------------------------------------------------------------


def rfc3339(value: datetime) -> str:
    """An aware datetime as Ozon's UTC RFC 3339 text (`2019-08-24T14:15:22Z`)."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError("expected an aware datetime")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_datetime(obj: Any, key: str, where: str) -> datetime | None:
    """An optional RFC 3339 field; "", null and Go's zero time mean "not set"."""
    value = get_str(obj, key, where, optional=True)
    if not value or value.startswith("0001-01-01"):
        return None
    try:
        parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None:
        raise MalformedResponse(
            f"unexpected response shape at {where}.{key}: expected an RFC 3339 time", maybe_applied=True
        )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _check_limit(limit: int, maximum: int) -> int:
    if not 1 <= limit <= maximum:
        raise ValueError(f"limit must be 1..{maximum}")
    return limit


def money(obj: Any, where: str, *, key: str = "price", currency_key: str = "currency_code") -> Money | None:
    """v4/v3-FBO `{"amount", "currency"}` or v3 `"1390.000000"` + `currency_code` as Money (None if absent)."""
    value = expect_dict(obj, where).get(key)
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        amount = value.get("amount", value.get("price"))
        currency = get_str(value, "currency", f"{where}.{key}", optional=True) or get_str(
            value, "currency_code", f"{where}.{key}", optional=True
        )
        return Money(as_decimal(amount, f"{where}.{key}.amount", strings=True), currency)
    return Money(as_decimal(value, f"{where}.{key}", strings=True), get_str(obj, currency_key, where, optional=True))


def _optional_decimal(obj: Any, key: str, where: str) -> Decimal | None:
    value = expect_dict(obj, where).get(key)
    return None if value is None or value == "" else as_decimal(value, f"{where}.{key}", strings=True)


def _dimensions(row: dict, where: str) -> Dimensions | None:
    value = get_dict(row, "dimensions", where, optional=True)
    if not value:
        return None
    where = f"{where}.dimensions"
    sizes = {k: _optional_decimal(value, k, where) for k in ("height", "length", "weight", "width")}
    if any(v is None for v in sizes.values()):
        raise MalformedResponse(f"unexpected response shape at {where}: four sizes expected", maybe_applied=True)
    return Dimensions(**sizes)  # type: ignore[arg-type]


def _product(row: Any, where: str) -> PostingProduct:
    return PostingProduct(
        sku=get_int(row, "sku", where, optional=True, strings=True),
        offer_id=get_str(row, "offer_id", where, optional=True, numbers=True),
        name=get_str(row, "name", where, optional=True),
        quantity=get_int(row, "quantity", where, optional=True) or 0,
        price=money(row, where),
        dimensions=_dimensions(row, where),
    )


def _tariffication(row: dict, where: str) -> tuple[Tariff, ...]:
    """`tariffication`: an array of tariff steps (corrected 2026-12; absent or null means none)."""
    steps = get_list(row, "tariffication", where, optional=True)
    tariffs = []
    for i, step in enumerate(steps):
        at = f"{where}.tariffication[{i}]"
        tariffs.append(
            Tariff(
                current_rate=_optional_decimal(step, "current_tariff_rate", at),
                current_type=get_str(step, "current_tariff_type", at, optional=True),
                next_rate=_optional_decimal(step, "next_tariff_rate", at),
                next_type=get_str(step, "next_tariff_type", at, optional=True),
                next_starts_at=parse_datetime(step, "next_tariff_starts_at", at),
            )
        )
    return tuple(tariffs)


def _prr_option(row: dict, where: str) -> PrrOption | None:
    """`prr_option`: an object, or absent/null (an empty string from older answers reads as none)."""
    if row.get("prr_option") == "":
        return None
    value = get_dict(row, "prr_option", where, optional=True)
    if not value:
        return None
    at = f"{where}.prr_option"
    return PrrOption(
        code=get_str(value, "code", at, optional=True),
        price=_optional_decimal(value, "price", at),
        currency_code=get_str(value, "currency_code", at, optional=True),
        floor=get_str(value, "floor", at, optional=True, numbers=True),
    )


def _posting(row: Any, scheme: str, where: str) -> OzonPosting:
    expect_dict(row, where)
    delivery = get_dict(row, "delivery_method", where, optional=True)
    analytics = get_dict(row, "analytics_data", where, optional=True)
    cancellation = get_dict(row, "cancellation", where, optional=True)
    warehouse_id = get_int(delivery, "warehouse_id", f"{where}.delivery_method", optional=True, strings=True)
    if warehouse_id is None:
        warehouse_id = get_int(analytics, "warehouse_id", f"{where}.analytics_data", optional=True, strings=True)
    posting_number = get_str(row, "posting_number", where)
    if not posting_number:
        raise MalformedResponse(f"unexpected response shape at {where}.posting_number: empty", maybe_applied=True)
    products = get_list(row, "products", where, optional=True)
    return OzonPosting(
        scheme=scheme,  # type: ignore[arg-type]
        posting_number=posting_number,
        order_id=get_int(row, "order_id", where, optional=True, strings=True),
        order_number=get_str(row, "order_number", where, optional=True),
        status=get_str(row, "status", where),
        substatus=get_str(row, "substatus", where, optional=True),
        created_at=parse_datetime(row, "created_at", where),
        in_process_at=parse_datetime(row, "in_process_at", where),
        shipment_date=parse_datetime(row, "shipment_date", where),
        delivering_date=parse_datetime(row, "delivering_date", where),
        tracking_number=get_str(row, "tracking_number", where, optional=True),
        warehouse_id=warehouse_id,
        delivery_method=get_str(delivery, "name", f"{where}.delivery_method", optional=True),
        cancel_reason=get_str(cancellation, "cancel_reason", f"{where}.cancellation", optional=True),
        products=tuple(_product(p, f"{where}.products[{i}]") for i, p in enumerate(products)),
        raw=row,
        tariffication=_tariffication(row, where),
        prr_option=_prr_option(row, where),
    )


def _return(row: Any, where: str) -> OzonReturn:
    visual = get_dict(row, "visual", where, optional=True)
    status = get_dict(visual, "status", f"{where}.visual", optional=True)
    product = get_dict(row, "product", where, optional=True)
    logistic = get_dict(row, "logistic", where, optional=True)
    return OzonReturn(
        id=get_int(row, "id", where, strings=True),
        type=get_str(row, "type", where, optional=True),
        schema=get_str(row, "schema", where, optional=True),
        order_id=get_int(row, "order_id", where, optional=True, strings=True),
        order_number=get_str(row, "order_number", where, optional=True),
        posting_number=get_str(row, "posting_number", where, optional=True),
        status=get_str(status, "sys_name", f"{where}.visual.status", optional=True),
        status_name=get_str(status, "display_name", f"{where}.visual.status", optional=True),
        status_changed_at=parse_datetime(visual, "change_moment", f"{where}.visual"),
        return_reason_name=get_str(row, "return_reason_name", where, optional=True),
        sku=get_int(product, "sku", f"{where}.product", optional=True, strings=True),
        offer_id=get_str(product, "offer_id", f"{where}.product", optional=True, numbers=True),
        product_name=get_str(product, "name", f"{where}.product", optional=True),
        quantity=get_int(product, "quantity", f"{where}.product", optional=True),
        price=money(product, f"{where}.product") if product else None,
        return_date=parse_datetime(logistic, "return_date", f"{where}.logistic"),
        raw=row,
    )


def _stock_item(row: Any, where: str) -> OzonStockItem:
    stocks = get_list(row, "stocks", where, optional=True)
    return OzonStockItem(
        product_id=get_int(row, "product_id", where, strings=True),
        offer_id=get_str(row, "offer_id", where, optional=True, numbers=True),
        stocks=tuple(_stock(s, f"{where}.stocks[{i}]") for i, s in enumerate(stocks)),
        raw=row,
    )


def _stock(row: Any, where: str) -> OzonStock:
    warehouses = get_list(row, "warehouse_ids", where, optional=True)
    return OzonStock(
        sku=get_int(row, "sku", where, optional=True, strings=True),
        type=get_str(row, "type", where, optional=True),
        shipment_type=get_str(row, "shipment_type", where, optional=True),
        present=get_int(row, "present", where, optional=True) or 0,
        reserved=get_int(row, "reserved", where, optional=True) or 0,
        warehouse_ids=tuple(as_int(w, f"{where}.warehouse_ids[{i}]", strings=True) for i, w in enumerate(warehouses)),
    )
