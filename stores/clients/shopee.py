"""Shopee Open Platform v2 client (contract: ../shared/platform-apis.md, section 1).

Two objects:

- `ShopeeClient(partner_id=..., partner_key=..., base_url=...)` for the partner (public API):
  the shop authorization link, trading a callback `code` for tokens, refreshing tokens.
- `client.shop(shop_id=..., access_token=...)` -> `ShopeeShopClient` for one authorized shop:
  orders, tracking numbers, returns, items and stock.

Success is decided only by `error == ""`; errors are mapped to the typed errors of
`stores.clients.errors`. Reads are retried with backoff; token calls are not repeated after an
ambiguous failure (a refresh token is single use). Imports no models.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlencode

import httpx
import orjson

from .errors import (
    AuthExpired,
    InvalidCredentials,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    PlatformError,
    RateLimited,
    ServerError,
)
from .http import (
    BaseClient,
    Redactor,
    RetryPolicy,
    as_int,
    chunked,
    expect_dict,
    get_bool,
    get_decimal,
    get_dict,
    get_int,
    get_list,
    get_str,
    get_unix_time,
    mask,
    parse_retry_after,
    rows_or_skip,
    to_unix,
)

DEFAULT_BASE_URL = "https://partner.shopeemobile.com"

AUTH_PARTNER_PATH = "/api/v2/shop/auth_partner"
CANCEL_AUTH_PARTNER_PATH = "/api/v2/shop/cancel_auth_partner"
TOKEN_GET_PATH = "/api/v2/auth/token/get"
TOKEN_REFRESH_PATH = "/api/v2/auth/access_token/get"
LOST_PUSH_PATH = "/api/v2/push/get_lost_push_message"
CONFIRM_PUSH_PATH = "/api/v2/push/confirm_consumed_lost_push_message"

MAX_WINDOW_SECONDS = 15 * 24 * 3600  # 1,296,000: get_order_list and get_return_list windows
MAX_PAGE_SIZE = 100
DETAIL_BATCH_SIZE = 50
ITEM_BATCH_SIZE = 50
REFRESH_TOKEN_TTL = timedelta(days=30)
RATE_LIMIT_HINT_SECONDS = 1.0
SHOPEE_TZ_OFFSET = 8 * 3600  # the daily quota resets at 00:00 UTC+8

DEFAULT_DETAIL_FIELDS = (
    "buyer_user_id",
    "buyer_username",
    "recipient_address",
    "item_list",
    "pay_time",
    "package_list",
    "shipping_carrier",
    "payment_method",
    "total_amount",
    "note",
    "cancel_by",
    "cancel_reason",
    "buyer_cancel_reason",
    "fulfillment_flag",
)

TimeRangeField = Literal["create_time", "update_time"]

# --------------------------------------------------------------------------------------------
# Signing
# --------------------------------------------------------------------------------------------


def base_string(
    *, partner_id: int, path: str, timestamp: int, access_token: str = "", shop_id: int | None = None
) -> str:
    """The string Shopee signs: partner_id + path + timestamp (+ access_token + shop_id for shop calls)."""
    text = f"{partner_id}{path}{timestamp}"
    if access_token or shop_id is not None:
        text += f"{access_token}{shop_id if shop_id is not None else ''}"
    return text


def sign(*, partner_key: str, base: str) -> str:
    """Lowercase hex HMAC-SHA256 of `base` keyed with the partner key's UTF-8 bytes."""
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def push_signature(*, push_key: str, callback_url: str, body: bytes) -> str:
    """The `Authorization` header of a push: lowercase hex HMAC-SHA256(push key, callback URL + "|" + raw body)."""
    return hmac.new(push_key.encode(), callback_url.encode() + b"|" + body, hashlib.sha256).hexdigest()


def push_signature_valid(*, push_key: str, callback_url: str, body: bytes, header: str) -> bool:
    """Whether a push's `Authorization` header is the signature of its raw body (constant-time compare)."""
    expected = push_signature(push_key=push_key, callback_url=callback_url, body=body)
    return hmac.compare_digest(expected.encode(), (header or "").strip().lower().encode())


def split_windows(time_from: int, time_to: int, *, max_span: int = MAX_WINDOW_SECONDS) -> list[tuple[int, int]]:
    """Consecutive (from, to) windows covering [time_from, time_to], each at most `max_span` seconds.

    Neighbouring windows share their boundary second, so nothing falls between them whether
    the platform treats `time_to` as inclusive or exclusive; callers drop the duplicates.
    """
    if time_to <= time_from:
        raise ValueError("time_from must be earlier than time_to")
    windows = []
    start = time_from
    while start < time_to:
        end = min(start + max_span, time_to)
        windows.append((start, end))
        start = end
    return windows


# --------------------------------------------------------------------------------------------
# Typed results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class ShopeeToken:
    """An access/refresh token pair. `refresh_token` is single use: store the new one at once."""

    access_token: str
    refresh_token: str
    expire_in: int
    expires_at: datetime
    refresh_expires_at: datetime
    shop_id: int | None = None
    merchant_id_list: tuple[int, ...] = ()
    shop_id_list: tuple[int, ...] = ()
    request_id: str = ""

    def __repr__(self) -> str:
        return (
            f"ShopeeToken(access_token={mask(self.access_token)!r}, refresh_token={mask(self.refresh_token)!r}, "
            f"expire_in={self.expire_in}, expires_at={self.expires_at.isoformat()!r}, shop_id={self.shop_id})"
        )

    __str__ = __repr__


@dataclass(frozen=True)
class LostPush:
    """One push Shopee could not deliver (get_lost_push_message); `shop_id` is None for partner-level codes."""

    shop_id: int | None
    code: int
    timestamp: int
    data: dict


@dataclass(frozen=True)
class LostPushPage:
    """Up to 100 missed pushes; confirm `last_message_id` once they are handled, then ask again while
    `has_next_page`."""

    messages: tuple[LostPush, ...]
    has_next_page: bool
    last_message_id: int


@dataclass(frozen=True)
class OrderRef:
    """One row of get_order_list."""

    order_sn: str
    order_status: str = ""
    booking_sn: str = ""


@dataclass(frozen=True)
class OrderItem:
    item_id: int
    item_name: str
    item_sku: str
    model_id: int | None
    model_name: str
    model_sku: str
    quantity: int
    original_price: Decimal | None
    discounted_price: Decimal | None
    order_item_id: int | None


@dataclass(frozen=True)
class OrderPackage:
    package_number: str
    logistics_status: str
    shipping_carrier: str


@dataclass(frozen=True)
class OrderDetail:
    """One order from get_order_detail; `raw` keeps the platform's dict as received."""

    order_sn: str
    order_status: str
    region: str
    currency: str
    cod: bool
    create_time: datetime
    update_time: datetime
    pay_time: datetime | None
    ship_by_date: datetime | None
    days_to_ship: int | None
    total_amount: Decimal | None
    buyer_user_id: int | None
    buyer_username: str
    message_to_seller: str
    note: str
    shipping_carrier: str
    payment_method: str
    cancel_by: str
    cancel_reason: str
    items: tuple[OrderItem, ...]
    packages: tuple[OrderPackage, ...]
    raw: dict = field(repr=False, compare=False)


@dataclass(frozen=True)
class TrackingInfo:
    order_sn: str
    package_number: str
    tracking_number: str  # "" until the carrier assigns one
    first_mile_tracking_number: str
    last_mile_tracking_number: str
    plp_number: str
    hint: str
    pickup_code: str


@dataclass(frozen=True)
class ReturnItem:
    item_id: int | None
    model_id: int | None
    name: str
    item_sku: str
    variation_sku: str
    amount: int | None
    item_price: Decimal | None


@dataclass(frozen=True)
class ShopeeReturn:
    """A return/refund request (list row or detail; the detail's extra fields are in `raw`)."""

    return_sn: str
    order_sn: str
    status: str
    reason: str
    text_reason: str
    refund_amount: Decimal | None
    currency: str
    create_time: datetime
    update_time: datetime
    due_date: datetime | None
    tracking_number: str
    negotiation_status: str
    items: tuple[ReturnItem, ...]
    raw: dict = field(repr=False, compare=False)


@dataclass(frozen=True)
class ItemRef:
    item_id: int
    item_status: str
    update_time: datetime | None


@dataclass(frozen=True)
class StockSummary:
    total_available_stock: int | None
    total_reserved_stock: int | None


@dataclass(frozen=True)
class ItemInfo:
    """get_item_base_info row. Items with `has_model` take their stock from get_model_list."""

    item_id: int
    item_name: str
    item_sku: str
    item_status: str
    has_model: bool
    update_time: datetime | None
    stock: StockSummary
    raw: dict = field(repr=False, compare=False)


@dataclass(frozen=True)
class ModelStock:
    """One variant (model) of an item with its stock summary."""

    item_id: int
    model_id: int
    model_sku: str
    model_status: str
    tier_index: tuple[int, ...]
    stock: StockSummary
    raw: dict = field(repr=False, compare=False)


@dataclass(frozen=True)
class StockRow:
    """Sellable stock of one item (model_id None) or one variant: the low-stock check reads these."""

    item_id: int
    model_id: int | None
    name: str
    sku: str
    available: int | None
    reserved: int | None


# --------------------------------------------------------------------------------------------
# Error mapping
# --------------------------------------------------------------------------------------------

_ACCESS_TOKEN_ERRORS = {"invalid_access_token", "invalid_acceess_token"}
_CREDENTIAL_ERRORS = {
    "error_sign",
    "invalid_partner_id",
    "partner_shop_no_link",
    "shop_no_linked",
    "merchant_no_linked",
    "shop_banned",
    "error_partner_key_expired",
    "error_api_permission",
    "error_api_call_restricted",
    "api_suspended",
    "error_kyc_auth",
    "error_ashop_api_permission",
    "source_ip_undeclared",
    "error_permission",
    "invalid_code",
    "refresh_token_expired",
    "error_shop_refresh_token",
    "error_merchant_refresh_token",
    "shop_access_expired",
    "merchant_access_expired",
}
_SERVER_ERRORS = {"error_server", "error_network", "error_inner", "error_system", "error_busy", "system_error"}
_NOT_FOUND_ERRORS = {"error_not_found", "package_not_exist"}


def seconds_until_quota_reset(now: float) -> float:
    """Seconds from `now` to the next 00:00 UTC+8, when Shopee's daily quota (`error_limit`) resets."""
    local = now + SHOPEE_TZ_OFFSET
    return (local // 86400 + 1) * 86400 - local


def map_error(
    *, code: str, message: str, status: int, request_id: str, kind: str, now: float, retry_after: float | None = None
) -> PlatformError:
    """The typed error for a Shopee error envelope. `kind` is "shop" for shop calls, else "token"/"public"."""
    suffix = code.rsplit(".", 1)[-1]
    common = {"code": code, "status": None if status == 200 else status, "request_id": request_id}
    text = message or code
    if suffix in _ACCESS_TOKEN_ERRORS:
        return AuthExpired(text, **common)
    if suffix == "error_auth":
        lowered = message.lower()
        if "system error" in lowered:
            return ServerError(text, maybe_applied=True, **common)
        if kind == "shop" and "access_token" in lowered.replace(" ", "_"):
            return AuthExpired(text, **common)
        return InvalidCredentials(text, **common)
    if suffix in _CREDENTIAL_ERRORS:
        return InvalidCredentials(text, **common)
    if suffix == "error_rate_limit":
        return RateLimited(text, retry_after=retry_after or RATE_LIMIT_HINT_SECONDS, **common)
    if suffix == "error_limit":
        return RateLimited(text, retry_after=seconds_until_quota_reset(now), **common)
    if suffix in _SERVER_ERRORS or status >= 500:
        return ServerError(text, maybe_applied=True, **common)
    if status == 429:
        return RateLimited(text, retry_after=retry_after or RATE_LIMIT_HINT_SECONDS, **common)
    if suffix in _NOT_FOUND_ERRORS or suffix.endswith(("_not_found", "_not_exist")):
        return NotFound(text, **common)
    return InvalidRequest(text, **common)


# --------------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------------


class ShopeeClient(BaseClient):
    """Partner-level Shopee client: authorization link, tokens, and a factory for shop clients."""

    platform = "shopee"

    def __init__(
        self,
        *,
        partner_id: int,
        partner_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: httpx.Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not partner_key:
            raise ValueError("partner_key is required")
        super().__init__(
            base_url=base_url, timeout=timeout, retry=retry, http_client=http_client, secrets=[partner_key]
        )
        self.partner_id = int(partner_id)
        self._partner_key = partner_key
        self.clock = clock

    @classmethod
    def from_settings(cls, *, partner_id: int, partner_key: str, **kwargs: Any) -> ShopeeClient:
        """A client whose base URL is settings.SHOPEE_BASE_URL (the simulator in demo and tests)."""
        from django.conf import settings

        kwargs.setdefault("base_url", getattr(settings, "SHOPEE_BASE_URL", DEFAULT_BASE_URL))
        return cls(partner_id=partner_id, partner_key=partner_key, **kwargs)

    def __repr__(self) -> str:
        return f"ShopeeClient(partner_id={self.partner_id}, partner_key='***', base_url={self.base_url!r})"

    # Signing -------------------------------------------------------------------------------

    def signed_params(self, path: str, *, access_token: str = "", shop_id: int | None = None) -> dict[str, Any]:
        """Common query parameters with a fresh timestamp and sign (public, or shop when shop_id is given)."""
        timestamp = int(self.clock())
        base = base_string(
            partner_id=self.partner_id, path=path, timestamp=timestamp, access_token=access_token, shop_id=shop_id
        )
        params: dict[str, Any] = {"partner_id": self.partner_id, "timestamp": timestamp}
        if shop_id is not None:
            params.update(access_token=access_token, shop_id=shop_id)
        params["sign"] = sign(partner_key=self._partner_key, base=base)
        return params

    # Authorization -------------------------------------------------------------------------

    def auth_link(self, *, redirect: str) -> str:
        """The classic signed link that sends a seller to authorize a shop; valid for 5 minutes."""
        return self._link(AUTH_PARTNER_PATH, redirect)

    def cancel_auth_link(self, *, redirect: str) -> str:
        """The signed link that lets a seller withdraw the authorization."""
        return self._link(CANCEL_AUTH_PARTNER_PATH, redirect)

    def _link(self, path: str, redirect: str) -> str:
        params = self.signed_params(path)
        params["redirect"] = redirect
        return f"{self.base_url}{path}?{urlencode(params)}"

    def get_token(self, code: str, shop_id: int) -> ShopeeToken:
        """Trade the single-use callback `code` for the shop's first token pair. Not repeated automatically."""
        body = {"code": code, "partner_id": self.partner_id, "shop_id": int(shop_id)}
        return self._token_call(TOKEN_GET_PATH, body, secrets=[code], shop_id=int(shop_id))

    def refresh_access_token(self, refresh_token: str, shop_id: int) -> ShopeeToken:
        """Spend the single-use refresh token for a new pair; store the returned refresh token at once.

        Not repeated after an ambiguous failure (timeout, 5xx, garbled answer): the platform may
        already have rotated the token, and such errors are raised with `maybe_applied=True`.
        """
        body = {"refresh_token": refresh_token, "partner_id": self.partner_id, "shop_id": int(shop_id)}
        return self._token_call(TOKEN_REFRESH_PATH, body, secrets=[refresh_token], shop_id=int(shop_id))

    def _token_call(self, path: str, body: dict, *, secrets: list[str], shop_id: int) -> ShopeeToken:
        redact = self._redact.extended(*secrets)

        def interpret(response: httpx.Response) -> ShopeeToken:
            payload = self._check(response, kind="token", flat=True, where=path)
            return self._parse_token(payload, path, shop_id)

        return self._call(
            "POST",
            path,
            interpret=interpret,
            safe=False,
            params=lambda: self.signed_params(path),
            json=body,
            redact=redact,
        )

    def _parse_token(self, payload: dict, where: str, shop_id: int) -> ShopeeToken:
        access_token = get_str(payload, "access_token", where)
        refresh_token = get_str(payload, "refresh_token", where)
        expire_in = get_int(payload, "expire_in", where)
        if not access_token or not refresh_token or expire_in is None or expire_in <= 0:
            raise MalformedResponse(f"{where}: token response without tokens or lifetime", maybe_applied=True)
        now = datetime.fromtimestamp(self.clock(), tz=UTC)
        return ShopeeToken(
            access_token=access_token,
            refresh_token=refresh_token,
            expire_in=expire_in,
            expires_at=now + timedelta(seconds=expire_in),
            refresh_expires_at=now + REFRESH_TOKEN_TTL,
            shop_id=get_int(payload, "shop_id", where, optional=True) or shop_id,
            merchant_id_list=_int_tuple(payload, "merchant_id_list", where),
            shop_id_list=_int_tuple(payload, "shop_id_list", where),
            request_id=get_str(payload, "request_id", where, optional=True),
        )

    # Push ----------------------------------------------------------------------------------

    def get_lost_push_message(self) -> LostPushPage:
        """The partner's pushes of the last 3 days that did not reach the callback (up to 100 per call)."""

        def interpret(response: httpx.Response) -> LostPushPage:
            payload = self._check(response, kind="public", flat=False, where=LOST_PUSH_PATH)
            rows = get_list(payload, "push_message_list", LOST_PUSH_PATH, optional=True)
            return LostPushPage(
                messages=tuple(
                    _lost_push(row, f"{LOST_PUSH_PATH}.push_message_list[{i}]") for i, row in enumerate(rows)
                ),
                has_next_page=get_bool(payload, "has_next_page", LOST_PUSH_PATH, optional=True),
                last_message_id=get_int(payload, "last_message_id", LOST_PUSH_PATH, optional=True) or 0,
            )

        return self._call(
            "GET", LOST_PUSH_PATH, interpret=interpret, safe=True, params=lambda: self.signed_params(LOST_PUSH_PATH)
        )

    def confirm_consumed_lost_push_message(self, last_message_id: int) -> None:
        """Tell Shopee the missed pushes up to `last_message_id` were handled (repeating it is harmless)."""

        def interpret(response: httpx.Response) -> None:
            self._check(response, kind="public", flat=True, where=CONFIRM_PUSH_PATH)

        self._call(
            "POST",
            CONFIRM_PUSH_PATH,
            interpret=interpret,
            safe=True,
            params=lambda: self.signed_params(CONFIRM_PUSH_PATH),
            json={"last_message_id": int(last_message_id)},
        )

    # Shop calls ----------------------------------------------------------------------------

    def shop(self, *, shop_id: int, access_token: str) -> ShopeeShopClient:
        """A client for one authorized shop, sharing this client's connection pool and settings."""
        return ShopeeShopClient(self, shop_id=shop_id, access_token=access_token)

    # Response checking ---------------------------------------------------------------------

    def _check(self, response: httpx.Response, *, kind: str, flat: bool, where: str) -> dict:
        """The payload of a successful answer (`response` object, or the body for flat APIs), else raise."""
        try:
            body = orjson.loads(response.content)  # as response.json(), in a third of the time
        except ValueError:
            body = None
        if body is None:
            raise self._http_status_error(response) or MalformedResponse(
                f"{where}: response body is not JSON", status=response.status_code, maybe_applied=True
            )
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, str) and error:
            raise map_error(
                code=error,
                message=body.get("message") if isinstance(body.get("message"), str) else "",
                status=response.status_code,
                request_id=body.get("request_id") if isinstance(body.get("request_id"), str) else "",
                kind=kind,
                now=self.clock(),
                retry_after=parse_retry_after(response.headers.get("retry-after")),
            )
        status_error = self._http_status_error(response)
        if status_error:
            raise status_error
        if response.status_code != 200:
            cls = InvalidCredentials if response.status_code in (401, 403) else InvalidRequest
            raise cls(f"{where}: unexpected HTTP status", status=response.status_code)
        expect_dict(body, where)
        if get_str(body, "error", where) != "":
            raise MalformedResponse(f"{where}: unexpected error field", maybe_applied=True)
        return body if flat else get_dict(body, "response", where)


class ShopeeShopClient:
    """Shop API calls for one authorized shop (the partner client signs; this adds token and shop id)."""

    def __init__(self, partner: ShopeeClient, *, shop_id: int, access_token: str) -> None:
        if not access_token:
            raise ValueError("access_token is required")
        self.partner = partner
        self.shop_id = int(shop_id)
        self._access_token = access_token
        self._redact: Redactor = partner._redact.extended(access_token)

    def __repr__(self) -> str:
        return f"ShopeeShopClient(shop_id={self.shop_id}, access_token='***', base_url={self.partner.base_url!r})"

    def _get(self, path: str, params: dict[str, Any] | list[tuple[str, Any]], parse: Callable[[dict], Any]) -> Any:
        """One signed shop GET, retried as a read; `parse` gets the `response` object."""

        def query() -> list[tuple[str, Any]]:
            common = self.partner.signed_params(path, access_token=self._access_token, shop_id=self.shop_id)
            extra = list(params.items()) if isinstance(params, dict) else list(params)
            return list(common.items()) + [(k, v) for k, v in extra if v is not None]

        def interpret(response: httpx.Response) -> Any:
            return parse(self.partner._check(response, kind="shop", flat=False, where=path))

        return self.partner._call("GET", path, interpret=interpret, safe=True, params=query, redact=self._redact)

    def verify(self) -> None:
        """One cheap call that succeeds only with a valid token: the store page's "test connection"."""
        now = int(self.partner.clock())
        self._order_page(("create_time", now - 3600, now), page_size=1, cursor="", with_status=False)

    # Orders --------------------------------------------------------------------------------

    def get_order_list(
        self,
        *,
        time_from: int | datetime,
        time_to: int | datetime,
        time_range_field: TimeRangeField = "create_time",
        page_size: int = MAX_PAGE_SIZE,
        order_status: str | None = None,
        with_status: bool = True,
    ) -> Iterator[OrderRef]:
        """Every order whose `time_range_field` falls in the range, over 15-day windows and cursor pages.

        Lazy: calls happen while iterating. An order on the boundary second of two windows is
        yielded once.
        """
        if time_range_field not in ("create_time", "update_time"):
            raise ValueError("time_range_field must be create_time or update_time")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
        windows = split_windows(to_unix(time_from), to_unix(time_to))
        return self._iter_orders(windows, time_range_field, page_size, order_status, with_status)

    def _iter_orders(self, windows, time_range_field, page_size, order_status, with_status) -> Iterator[OrderRef]:
        previous: set[str] = set()
        for start, end in windows:
            current: set[str] = set()
            cursor = ""
            while True:
                window = (time_range_field, start, end)
                refs, more, cursor = self._order_page(window, page_size, cursor, with_status, order_status)
                for ref in refs:
                    current.add(ref.order_sn)
                    if ref.order_sn not in previous:
                        yield ref
                if not more:
                    break
            previous = current

    def _order_page(self, window, page_size, cursor, with_status, order_status=None):
        path = "/api/v2/order/get_order_list"
        field_name, start, end = window
        params = {
            "time_range_field": field_name,
            "time_from": start,
            "time_to": end,
            "page_size": page_size,
            "cursor": cursor or None,
            "order_status": order_status,
            "response_optional_fields": "order_status" if with_status else None,
        }

        def parse(payload: dict):
            more = get_bool(payload, "more", path)
            next_cursor = get_str(payload, "next_cursor", path, optional=True, numbers=True)
            if more and (not next_cursor or next_cursor == cursor):
                raise MalformedResponse(f"{path}: more=true without a new next_cursor", maybe_applied=True)
            rows = get_list(payload, "order_list", path, optional=True)
            refs = [_order_ref(row, f"{path}.order_list[{i}]") for i, row in enumerate(rows)]
            return refs, more, next_cursor

        return self._get(path, params, parse)

    def get_order_detail(
        self,
        order_sns: Iterable[str],
        *,
        optional_fields: Iterable[str] = DEFAULT_DETAIL_FIELDS,
        skipped: list[str] | None = None,
    ) -> list[OrderDetail]:
        """Details of any number of orders, fetched in batches of 50, in the platform's order per batch.

        Orders the platform does not know are left out (Shopee names them in the answer's `warning`);
        a batch in which none is known raises NotFound. With a `skipped` list, an order row of the wrong
        shape is left out and described there (the rest of the page is kept); without it the page fails.
        """
        path = "/api/v2/order/get_order_detail"
        fields = ",".join(optional_fields)
        details: list[OrderDetail] = []
        for batch in chunked(dict.fromkeys(order_sns), DETAIL_BATCH_SIZE):
            params = {"order_sn_list": ",".join(batch), "response_optional_fields": fields or None}

            def parse(payload: dict) -> list[OrderDetail]:
                rows = get_list(payload, "order_list", path)
                return rows_or_skip(rows, _order_detail, f"{path}.order_list", skipped)

            details.extend(self._get(path, params, parse))
        return details

    def get_tracking_number(self, order_sn: str, *, package_number: str = "") -> TrackingInfo:
        """The order's tracking number; `tracking_number` is "" until the carrier assigns one."""
        path = "/api/v2/logistics/get_tracking_number"
        params = {
            "order_sn": order_sn,
            "package_number": package_number or None,
            "response_optional_fields": "first_mile_tracking_number,last_mile_tracking_number,plp_number",
        }

        def parse(payload: dict) -> TrackingInfo:
            def text(key: str) -> str:
                return get_str(payload, key, path, optional=True)

            return TrackingInfo(
                order_sn=order_sn,
                package_number=package_number,
                tracking_number=text("tracking_number"),
                first_mile_tracking_number=text("first_mile_tracking_number"),
                last_mile_tracking_number=text("last_mile_tracking_number"),
                plp_number=text("plp_number"),
                hint=text("hint"),
                pickup_code=text("pickup_code"),
            )

        return self._get(path, params, parse)

    # Returns -------------------------------------------------------------------------------

    def get_return_list(
        self,
        *,
        time_from: int | datetime,
        time_to: int | datetime,
        time_range_field: TimeRangeField = "create_time",
        status: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        first_page_no: int = 0,
    ) -> Iterator[ShopeeReturn]:
        """Every return created (or updated) in the range, over 15-day windows and page_no pages. Lazy."""
        if time_range_field not in ("create_time", "update_time"):
            raise ValueError("time_range_field must be create_time or update_time")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
        windows = split_windows(to_unix(time_from), to_unix(time_to))
        return self._iter_returns(windows, time_range_field, status, page_size, first_page_no)

    def _iter_returns(self, windows, time_range_field, status, page_size, first_page_no) -> Iterator[ShopeeReturn]:
        path = "/api/v2/returns/get_return_list"
        previous: set[str] = set()
        for start, end in windows:
            current: set[str] = set()
            page_no = first_page_no
            while True:
                params = {
                    "page_no": page_no,
                    "page_size": page_size,
                    f"{time_range_field}_from": start,
                    f"{time_range_field}_to": end,
                    "status": status,
                }

                def parse(payload: dict):
                    rows = get_list(payload, "return", path, optional=True)
                    more = get_bool(payload, "more", path)
                    if more and not rows:
                        raise MalformedResponse(f"{path}: more=true on an empty page", maybe_applied=True)
                    return [_return(row, f"{path}.return[{i}]") for i, row in enumerate(rows)], more

                returns, more = self._get(path, params, parse)
                for item in returns:
                    current.add(item.return_sn)
                    if item.return_sn not in previous:
                        yield item
                if not more:
                    break
                page_no += 1
            previous = current

    def get_return_detail(self, return_sn: str) -> ShopeeReturn:
        path = "/api/v2/returns/get_return_detail"
        return self._get(path, {"return_sn": return_sn}, lambda payload: _return(payload, path))

    # Items and stock -----------------------------------------------------------------------

    def get_item_list(
        self,
        *,
        item_status: Iterable[str] = ("NORMAL",),
        page_size: int = MAX_PAGE_SIZE,
        update_time_from: int | datetime | None = None,
        update_time_to: int | datetime | None = None,
    ) -> Iterator[ItemRef]:
        """Every item with one of the statuses (offset paging). Lazy."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
        statuses = list(item_status)
        extra = [
            ("update_time_from", to_unix(update_time_from) if update_time_from is not None else None),
            ("update_time_to", to_unix(update_time_to) if update_time_to is not None else None),
        ]
        return self._iter_items(statuses, page_size, extra)

    def _iter_items(self, statuses, page_size, extra) -> Iterator[ItemRef]:
        path = "/api/v2/product/get_item_list"
        offset = 0
        while True:
            params = [("offset", offset), ("page_size", page_size), *[("item_status", s) for s in statuses], *extra]

            def parse(payload: dict, offset=offset):
                rows = get_list(payload, "item", path, optional=True)
                has_next = get_bool(payload, "has_next_page", path)
                next_offset = get_int(payload, "next_offset", path, optional=True)
                if has_next and (next_offset is None or next_offset <= offset):
                    raise MalformedResponse(f"{path}: has_next_page without a larger next_offset", maybe_applied=True)
                return [_item_ref(row, f"{path}.item[{i}]") for i, row in enumerate(rows)], has_next, next_offset

            refs, has_next, next_offset = self._get(path, params, parse)
            yield from refs
            if not has_next:
                return
            offset = next_offset

    def get_item_base_info(self, item_ids: Iterable[int]) -> list[ItemInfo]:
        """Base info and stock summary of any number of items, 50 per call."""
        path = "/api/v2/product/get_item_base_info"
        infos: list[ItemInfo] = []
        for batch in chunked(dict.fromkeys(int(i) for i in item_ids), ITEM_BATCH_SIZE):

            def parse(payload: dict) -> list[ItemInfo]:
                rows = get_list(payload, "item_list", path, optional=True)
                return [_item_info(row, f"{path}.item_list[{i}]") for i, row in enumerate(rows)]

            infos.extend(self._get(path, {"item_id_list": ",".join(map(str, batch))}, parse))
        return infos

    def get_model_list(self, item_id: int) -> list[ModelStock]:
        """The variants of one item with their stock (use when the item `has_model`)."""
        path = "/api/v2/product/get_model_list"

        def parse(payload: dict) -> list[ModelStock]:
            rows = get_list(payload, "model", path, optional=True)
            return [_model(int(item_id), row, f"{path}.model[{i}]") for i, row in enumerate(rows)]

        return self._get(path, {"item_id": int(item_id)}, parse)

    def get_stock(self, item_ids: Iterable[int]) -> list[StockRow]:
        """Stock rows per the platform's rule: base info for plain items, model list for items with variants."""
        rows: list[StockRow] = []
        for info in self.get_item_base_info(item_ids):
            if not info.has_model:
                rows.append(
                    StockRow(
                        info.item_id,
                        None,
                        info.item_name,
                        info.item_sku,
                        info.stock.total_available_stock,
                        info.stock.total_reserved_stock,
                    )
                )
                continue
            for model in self.get_model_list(info.item_id):
                rows.append(
                    StockRow(
                        info.item_id,
                        model.model_id,
                        info.item_name,
                        model.model_sku,
                        model.stock.total_available_stock,
                        model.stock.total_reserved_stock,
                    )
                )
        return rows


# --------------------------------------------------------------------------------------------
# Parsers (every field read is shape-checked)
# --------------------------------------------------------------------------------------------


def _int_tuple(obj: dict, key: str, where: str) -> tuple[int, ...]:
    return tuple(as_int(v, f"{where}.{key}[{i}]") for i, v in enumerate(get_list(obj, key, where, optional=True)))


def _lost_push(row: Any, where: str) -> LostPush:
    row = expect_dict(row, where)
    return LostPush(
        shop_id=get_int(row, "shop_id", where, optional=True),
        code=get_int(row, "code", where) or 0,
        timestamp=get_int(row, "timestamp", where, optional=True) or 0,
        data=get_dict(row, "data", where, optional=True),
    )


def _required_sn(obj: Any, key: str, where: str) -> str:
    value = get_str(obj, key, where, numbers=True)
    if not value:
        raise MalformedResponse(f"unexpected response shape at {where}.{key}: empty", maybe_applied=True)
    return value


def _order_ref(row: Any, where: str) -> OrderRef:
    return OrderRef(
        order_sn=_required_sn(row, "order_sn", where),
        order_status=get_str(row, "order_status", where, optional=True),
        booking_sn=get_str(row, "booking_sn", where, optional=True),
    )


class _Shape(Exception):
    """The fast decoder met something it does not take as is: the checked decoder decides (and explains)."""


def _fs(row: dict, key: str) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if value.__class__ is str:
        return value
    raise _Shape


def _fsn(row: dict, key: str) -> str:
    value = row.get(key)
    if value.__class__ is str and value:
        return value
    if value.__class__ is int:
        return str(value)
    raise _Shape


def _fi(row: dict, key: str) -> int | None:
    value = row.get(key)
    if value is None or value.__class__ is int:
        return value
    raise _Shape


def _fd(row: dict, key: str) -> Decimal | None:
    value = row.get(key)
    if value is None:
        return None
    if value.__class__ is int or value.__class__ is float:
        return Decimal(str(value))
    raise _Shape


def _ft(row: dict, key: str, *, optional: bool = True) -> datetime | None:
    value = row.get(key)
    if optional and (value is None or value == 0 and value.__class__ is int):
        return None  # 0 and absence mean "not set"
    if value.__class__ is not int or not 0 <= value < 2**33:
        raise _Shape
    return datetime.fromtimestamp(value, tz=UTC)


def _fl(row: dict, key: str) -> list:
    value = row.get(key)
    if value is None:
        return []
    if value.__class__ is list and all(v.__class__ is dict for v in value):
        return value
    raise _Shape


def _order_detail_fast(row: dict) -> OrderDetail:
    """get_order_detail's row when every field has its documented type (the common case): the same result as
    the checked decoder below, at a fraction of its cost on pages of 100 orders."""
    cod = row.get("cod")
    status = row.get("order_status")
    if not (cod is None or cod.__class__ is bool) or status.__class__ is not str:
        raise _Shape
    items = tuple(
        OrderItem(
            item_id=_fi(i, "item_id") if i.get("item_id") is not None else _missing(),
            item_name=_fs(i, "item_name"),
            item_sku=_fs(i, "item_sku"),
            model_id=_fi(i, "model_id"),
            model_name=_fs(i, "model_name"),
            model_sku=_fs(i, "model_sku"),
            quantity=_fi(i, "model_quantity_purchased") or 0,
            original_price=_fd(i, "model_original_price"),
            discounted_price=_fd(i, "model_discounted_price"),
            order_item_id=_fi(i, "order_item_id"),
        )
        for i in _fl(row, "item_list")
    )
    packages = tuple(
        OrderPackage(
            package_number=_fsn(p, "package_number") if p.get("package_number") not in (None, "") else "",
            logistics_status=_fs(p, "logistics_status"),
            shipping_carrier=_fs(p, "shipping_carrier"),
        )
        for p in _fl(row, "package_list")
    )
    return OrderDetail(
        order_sn=_fsn(row, "order_sn"),
        order_status=status,
        region=_fs(row, "region"),
        currency=_fs(row, "currency"),
        cod=bool(cod),
        create_time=_ft(row, "create_time", optional=False),  # type: ignore[arg-type]
        update_time=_ft(row, "update_time", optional=False),  # type: ignore[arg-type]
        pay_time=_ft(row, "pay_time"),
        ship_by_date=_ft(row, "ship_by_date"),
        days_to_ship=_fi(row, "days_to_ship"),
        total_amount=_fd(row, "total_amount"),
        buyer_user_id=_fi(row, "buyer_user_id"),
        buyer_username=_fs(row, "buyer_username"),
        message_to_seller=_fs(row, "message_to_seller"),
        note=_fs(row, "note"),
        shipping_carrier=_fs(row, "shipping_carrier"),
        payment_method=_fs(row, "payment_method"),
        cancel_by=_fs(row, "cancel_by"),
        cancel_reason=_fs(row, "cancel_reason"),
        items=items,
        packages=packages,
        raw=row,
    )


def _missing() -> int:
    raise _Shape


def _order_detail(row: Any, where: str) -> OrderDetail:
    """One get_order_detail row, every field shape-checked (MalformedResponse names the field at fault)."""
    if row.__class__ is dict:
        try:
            return _order_detail_fast(row)
        except _Shape:
            pass
    return _order_detail_checked(row, where)


def _order_detail_checked(row: Any, where: str) -> OrderDetail:
    def text(key: str) -> str:
        return get_str(row, key, where, optional=True)

    items = get_list(row, "item_list", where, optional=True)
    packages = get_list(row, "package_list", where, optional=True)
    return OrderDetail(
        order_sn=_required_sn(row, "order_sn", where),
        order_status=get_str(row, "order_status", where),
        region=text("region"),
        currency=text("currency"),
        cod=get_bool(row, "cod", where, optional=True),
        create_time=get_unix_time(row, "create_time", where),
        update_time=get_unix_time(row, "update_time", where),
        pay_time=get_unix_time(row, "pay_time", where, optional=True),
        ship_by_date=get_unix_time(row, "ship_by_date", where, optional=True),
        days_to_ship=get_int(row, "days_to_ship", where, optional=True),
        total_amount=get_decimal(row, "total_amount", where, optional=True),
        buyer_user_id=get_int(row, "buyer_user_id", where, optional=True),
        buyer_username=text("buyer_username"),
        message_to_seller=text("message_to_seller"),
        note=text("note"),
        shipping_carrier=text("shipping_carrier"),
        payment_method=text("payment_method"),
        cancel_by=text("cancel_by"),
        cancel_reason=text("cancel_reason"),
        items=tuple(_order_item(item, f"{where}.item_list[{i}]") for i, item in enumerate(items)),
        packages=tuple(_package(p, f"{where}.package_list[{i}]") for i, p in enumerate(packages)),
        raw=row,
    )


def _order_item(row: Any, where: str) -> OrderItem:
    return OrderItem(
        item_id=get_int(row, "item_id", where),
        item_name=get_str(row, "item_name", where, optional=True),
        item_sku=get_str(row, "item_sku", where, optional=True),
        model_id=get_int(row, "model_id", where, optional=True),
        model_name=get_str(row, "model_name", where, optional=True),
        model_sku=get_str(row, "model_sku", where, optional=True),
        quantity=get_int(row, "model_quantity_purchased", where, optional=True) or 0,
        original_price=get_decimal(row, "model_original_price", where, optional=True),
        discounted_price=get_decimal(row, "model_discounted_price", where, optional=True),
        order_item_id=get_int(row, "order_item_id", where, optional=True),
    )


def _package(row: Any, where: str) -> OrderPackage:
    return OrderPackage(
        package_number=get_str(row, "package_number", where, optional=True, numbers=True),
        logistics_status=get_str(row, "logistics_status", where, optional=True),
        shipping_carrier=get_str(row, "shipping_carrier", where, optional=True),
    )


def _return(row: Any, where: str) -> ShopeeReturn:
    def text(key: str) -> str:
        return get_str(row, key, where, optional=True)

    items = get_list(row, "item", where, optional=True)
    return ShopeeReturn(
        return_sn=_required_sn(row, "return_sn", where),
        order_sn=get_str(row, "order_sn", where, numbers=True),
        status=get_str(row, "status", where),
        reason=text("reason"),
        text_reason=text("text_reason"),
        refund_amount=get_decimal(row, "refund_amount", where, optional=True),
        currency=text("currency"),
        create_time=get_unix_time(row, "create_time", where),
        update_time=get_unix_time(row, "update_time", where),
        due_date=get_unix_time(row, "due_date", where, optional=True),
        tracking_number=text("tracking_number"),
        negotiation_status=text("negotiation_status"),
        items=tuple(_return_item(item, f"{where}.item[{i}]") for i, item in enumerate(items)),
        raw=row,
    )


def _return_item(row: Any, where: str) -> ReturnItem:
    return ReturnItem(
        item_id=get_int(row, "item_id", where, optional=True),
        model_id=get_int(row, "model_id", where, optional=True),
        name=get_str(row, "name", where, optional=True),
        item_sku=get_str(row, "item_sku", where, optional=True),
        variation_sku=get_str(row, "variation_sku", where, optional=True),
        amount=get_int(row, "amount", where, optional=True),
        item_price=get_decimal(row, "item_price", where, optional=True),
    )


def _item_ref(row: Any, where: str) -> ItemRef:
    return ItemRef(
        item_id=get_int(row, "item_id", where),
        item_status=get_str(row, "item_status", where, optional=True),
        update_time=get_unix_time(row, "update_time", where, optional=True),
    )


def _stock_summary(row: Any, where: str) -> StockSummary:
    stock = get_dict(row, "stock_info_v2", where, optional=True)
    summary = get_dict(stock, "summary_info", f"{where}.stock_info_v2", optional=True)
    where = f"{where}.stock_info_v2.summary_info"
    return StockSummary(
        total_available_stock=get_int(summary, "total_available_stock", where, optional=True),
        total_reserved_stock=get_int(summary, "total_reserved_stock", where, optional=True),
    )


def _item_info(row: Any, where: str) -> ItemInfo:
    return ItemInfo(
        item_id=get_int(row, "item_id", where),
        item_name=get_str(row, "item_name", where, optional=True),
        item_sku=get_str(row, "item_sku", where, optional=True),
        item_status=get_str(row, "item_status", where, optional=True),
        has_model=get_bool(row, "has_model", where, optional=True),
        update_time=get_unix_time(row, "update_time", where, optional=True),
        stock=_stock_summary(row, where),
        raw=row,
    )


def _model(item_id: int, row: Any, where: str) -> ModelStock:
    tier = get_list(row, "tier_index", where, optional=True)
    return ModelStock(
        item_id=item_id,
        model_id=get_int(row, "model_id", where),
        model_sku=get_str(row, "model_sku", where, optional=True),
        model_status=get_str(row, "model_status", where, optional=True),
        tier_index=tuple(as_int(v, f"{where}.tier_index[{i}]") for i, v in enumerate(tier)),
        stock=_stock_summary(row, where),
        raw=row,
    )
