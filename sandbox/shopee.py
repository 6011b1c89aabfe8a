"""Shopee Open Platform v2 simulator (contract: platform-apis.md sections 1 and 5).

Paths are matched exactly below the mount point (`/shopee` standalone, `/sandbox/shopee` in the console);
the signed `api_path` is the part from `/api/v2/` on, as on the real host. Common parameters, signatures
and the timestamp window are checked before any API logic; answers use the `{request_id, error, message,
response}` envelope, the token endpoints and `get_shop_info` answer flat.
"""

import base64
import binascii
import hashlib
import hmac
import time
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

from django.views.decorators.csrf import csrf_exempt

from . import shopee_objects as objects
from .faults import Fault, malformed_body, mangle_types
from .http import finish, gateway_error, hex32, json_response, log_call, parse_json, raw_response, read_body
from .state import DAY, Authorization, Shop, Token, World, get_world

U32 = 4294967295
UNKNOWN_PATH = "Permission denied. This API is currently offline or the request path is incorrect."
RATE_LIMITED = "Too many requests. You have reached the rate limit. Please try again later."
DAILY_LIMIT = "The number of API calls today has reached the limit. The quota resets at 00:00 (UTC+8)."
LIST_STATUSES = (
    "UNPAID",
    "READY_TO_SHIP",
    "PROCESSED",
    "SHIPPED",
    "COMPLETED",
    "IN_CANCEL",
    "CANCELLED",
    "INVOICE_PENDING",
)
ITEM_STATUSES = ("NORMAL", "BANNED", "UNLIST", "REVIEWING", "SELLER_DELETE", "SHOPEE_DELETE")
WINDOW = 15 * DAY


class ShopeeError(Exception):
    """An error answer; `kind` selects the optional HTTP status ("auth" → 403, "rate" → 429 when configured)."""

    def __init__(self, error: str, message: str, *, kind: str = "param"):
        super().__init__(message)
        self.error = error
        self.message = message
        self.kind = kind


def param_error(message: str) -> ShopeeError:
    return ShopeeError("error_param", message)


def wrong(detail: str) -> ShopeeError:
    return ShopeeError("error_param", f"Wrong parameters, detail: {detail}.")


def sign(partner_key: str, base: str) -> str:
    """Lowercase hex HMAC-SHA256 of the base string, keyed with the partner key's UTF-8 bytes."""
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def parse_u32(raw) -> int | None:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if 0 <= value <= U32 else None


@dataclass
class Call:
    """One API call being answered."""

    world: World
    request: object
    api_path: str
    body: object
    now: float
    request_id: str
    partner_id: int = 0
    shop_id: int = 0
    shop: Shop | None = None
    warnings: list = field(default_factory=list)

    @property
    def query(self):
        return self.request.GET

    @property
    def config(self) -> dict:
        return self.world.config["shopee"]

    def int_param(self, name: str, *, required: bool = True, lo: int = 0, hi: int = U32, default=None) -> int | None:
        raw = self.query.get(name)
        if raw is None or raw == "":
            if required:
                raise wrong(f"{name} is required")
            return default
        try:
            value = int(raw)
        except ValueError:
            raise wrong(f"{name} should be an integer") from None
        if not lo <= value <= hi:
            raise wrong(f"{name} should be between {lo} and {hi}")
        return value

    def list_param(self, name: str) -> list[str]:
        """Comma-joined (`a,b`), bracketed (`[a,b]`) or repeated (`x=a&x=b`) list values."""
        values = []
        for raw in self.query.getlist(name):
            values.extend(part.strip().strip('"') for part in raw.strip().strip("[]").split(","))
        return [v for v in values if v]


@dataclass(frozen=True)
class Endpoint:
    method: str
    kind: str  # "public" or "shop"
    handler: Callable
    flat: bool = False
    method_error: Callable | None = None  # the API's own answer to a wrong HTTP method (ads: its own error)


ENDPOINTS: dict[str, Endpoint] = {}


def endpoint(path: str, method: str, kind: str, *, flat: bool = False, method_error: Callable | None = None):
    def register(func):
        ENDPOINTS[path] = Endpoint(method=method, kind=kind, handler=func, flat=flat, method_error=method_error)
        return func

    return register


# --- checks ---------------------------------------------------------------------------------------------


def check_common(call: Call, kind: str) -> None:
    """Common parameters, partner, timestamp window, signature, rate limits and (shop APIs) the access token."""
    query = call.query
    if not query.get("partner_id"):
        raise param_error("There is no partner_id in query.")
    partner_id = parse_u32(query["partner_id"])
    if partner_id is None:
        raise param_error("Partner_id is invalid, should be an integer between 0 and 4294967295.")
    if not query.get("timestamp"):
        raise param_error("no timestamp")
    timestamp = parse_u32(query["timestamp"])
    if timestamp is None:
        raise param_error("Timestamp is invalid, should be an integer between 0 and 4294967295.")
    signature = query.get("sign")
    if not signature:
        raise param_error("There is no sign in query.")
    base = f"{partner_id}{call.api_path}{timestamp}"
    token = shop_id = None
    if kind == "shop":
        token = query.get("access_token")
        if not token:
            raise param_error("There is no access_token in query.")
        if not query.get("shop_id"):
            raise param_error("There is no shop_id in query.")
        shop_id = parse_u32(query["shop_id"])
        if shop_id is None:
            raise param_error("shop_id is invalid, should be an integer between 0 and 4294967295.")
        base += f"{token}{shop_id}"
    partner = call.world.partners.get(partner_id)
    if partner is None:
        raise ShopeeError("invalid_partner_id", "Invalid partner_id, please have a check.", kind="auth")
    if abs(time.time() - timestamp) > call.config["timestamp_window"]:
        raise param_error("Timestamp is expired.")
    if not hmac.compare_digest(signature.lower().encode(), sign(partner.partner_key, base).encode()):
        raise ShopeeError("error_sign", "Wrong sign.", kind="auth")
    call.partner_id = partner_id
    check_rate(call, f"shop:{shop_id}" if shop_id is not None else f"partner:{partner_id}")
    if kind == "shop":
        check_access_token(call, partner_id, shop_id, token)


def check_rate(call: Call, scope: str) -> None:
    world, config = call.world, call.config
    if config["burst_limit"] > 0 and not world.shopee_burst.hit(scope, call.now):
        raise ShopeeError("error_rate_limit", RATE_LIMITED, kind="rate")
    if config["daily_quota"] > 0:
        key = (scope, int((call.now + 8 * 3600) // DAY))
        used = world.daily_calls.get(key, 0)
        if used >= config["daily_quota"]:
            raise ShopeeError("error_limit", DAILY_LIMIT, kind="rate")
        world.daily_calls[key] = used + 1


def check_access_token(call: Call, partner_id: int, shop_id: int, token: str) -> None:
    world = call.world
    shop = world.shops.get(shop_id)
    if shop is None:
        raise ShopeeError("error_auth", "Invalid partner_id or shopid.", kind="auth")
    authorization = world.authorizations.get((partner_id, shop_id))
    if authorization is None:
        raise ShopeeError("partner_shop_no_link", "Invalid partner_id or shop_id, please have a check.", kind="auth")
    record = world.access_tokens.get(token)
    if (
        record is None
        or record.partner_id != partner_id
        or record.shop_id != shop_id
        or record.expires_at <= call.now
        or not authorization.active(call.now)
    ):
        raise ShopeeError("error_auth", "Invalid access_token.", kind="auth")
    call.shop_id = shop_id
    call.shop = shop


# --- tokens ---------------------------------------------------------------------------------------------


def issue_code(world: World, *, partner_id: int, shop_id: int, days: int | None = None) -> str:
    """Record the seller's consent (authorization for `days`) and return a fresh single-use code."""
    config = world.config["shopee"]
    now = world.now()
    days = min(int(days or config["authorization_days"]), config["authorization_days"])
    world.authorizations[(partner_id, shop_id)] = Authorization(partner_id, shop_id, now, now + days * DAY)
    code = hex32()
    world.codes[code] = Token(code, partner_id, shop_id, now + config["code_ttl"])
    return code


def issue_tokens(world: World, *, partner_id: int, shop_id: int) -> dict:
    config = world.config["shopee"]
    now = world.now()
    access = Token(hex32(), partner_id, shop_id, now + config["access_token_ttl"])
    refresh = Token(hex32(), partner_id, shop_id, now + config["refresh_token_ttl"], sibling=access.token)
    world.access_tokens[access.token] = access
    world.refresh_tokens[refresh.token] = refresh
    return {"access_token": access.token, "refresh_token": refresh.token, "expire_in": int(config["access_token_ttl"])}


def revoke_shop(world: World, *, partner_id: int, shop_id: int) -> None:
    """Cancel the authorization; every token of the pair stops working."""
    authorization = world.authorizations.get((partner_id, shop_id))
    if authorization:
        authorization.cancelled = True
    for store in (world.access_tokens, world.refresh_tokens):
        for record in store.values():
            if record.partner_id == partner_id and record.shop_id == shop_id:
                record.expires_at = 0


def body_int(body: dict, name: str) -> int | None:
    value = body.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def json_body(call: Call) -> dict:
    if not isinstance(call.body, dict):
        raise wrong("request body should be a JSON object")
    return call.body


@endpoint("/api/v2/auth/token/get", "POST", "public", flat=True)
def token_get(call: Call) -> dict:
    body = json_body(call)
    if body_int(body, "partner_id") != call.partner_id:
        raise wrong("partner_id in body should match the partner_id in query")
    if "main_account_id" in body:
        raise ShopeeError("invalid_main_acount_id", "Invalid main_account_id, please have a check.")
    shop_id = body_int(body, "shop_id")
    if shop_id is None or shop_id not in call.world.shops:
        raise ShopeeError("invalid_shop_id", "Invalid shop_id, please have a check.")
    code = body.get("code")
    record = call.world.codes.get(code) if isinstance(code, str) else None
    if (
        record is None
        or record.used
        or record.expires_at <= call.now
        or record.partner_id != call.partner_id
        or record.shop_id != shop_id
    ):
        raise ShopeeError("invalid_code", "The code is expired or used or invalid, please check the code.")
    record.used = True
    return issue_tokens(call.world, partner_id=call.partner_id, shop_id=shop_id)


@endpoint("/api/v2/auth/access_token/get", "POST", "public", flat=True)
def access_token_get(call: Call) -> dict:
    world, body = call.world, json_body(call)
    if body_int(body, "partner_id") != call.partner_id:
        raise wrong("partner_id in body should match the partner_id in query")
    shop_id = body_int(body, "shop_id")
    if shop_id is None:
        raise wrong("shop_id is required")
    token = body.get("refresh_token")
    record = world.refresh_tokens.get(token) if isinstance(token, str) else None
    if record is None or record.used or record.partner_id != call.partner_id or record.shop_id != shop_id:
        raise ShopeeError("error_auth", "Invalid refresh_token.", kind="auth")
    authorization = world.authorizations.get((call.partner_id, shop_id))
    if authorization is None or authorization.cancelled or record.expires_at == 0:
        raise ShopeeError("error_auth", "Invalid refresh_token.", kind="auth")
    if not authorization.active(call.now):
        raise ShopeeError("shop_access_expired", "The shop authorization is expired, please re-authorize.", kind="auth")
    if record.expires_at <= call.now:
        raise ShopeeError("refresh_token_expired", "The refresh_token is expired.", kind="auth")
    record.used = True
    previous = world.access_tokens.get(record.sibling)
    if previous:
        previous.expires_at = min(previous.expires_at, call.now + call.config["old_access_token_grace"])
    tokens = issue_tokens(world, partner_id=call.partner_id, shop_id=shop_id)
    return {"partner_id": call.partner_id, "shop_id": shop_id, **tokens}


@endpoint("/api/v2/shop/get_shop_info", "GET", "shop", flat=True)
def get_shop_info(call: Call) -> dict:
    authorization = call.world.authorizations[(call.partner_id, call.shop_id)]
    return {
        "shop_name": call.shop.name,
        "region": call.shop.region,
        "status": "NORMAL",
        "is_cb": False,
        "is_cnsc": False,
        "is_sip": False,
        "is_upgraded_cbsc": False,
        "merchant_id": None,
        "shop_fulfillment_flag": "Others",
        "is_main_shop": False,
        "is_direct_shop": False,
        "linked_main_shop_id": 0,
        "linked_direct_shop_list": [],
        "sip_affi_shops": [],
        "is_one_awb": False,
        "auth_time": int(authorization.authorized_at),
        "expire_time": int(authorization.expires_at),
    }


# --- orders ---------------------------------------------------------------------------------------------


def encode_cursor(key: tuple[int, str]) -> str:
    return base64.urlsafe_b64encode(f"{key[0]}|{key[1]}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str] | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, sn = text.split("|", 1)
        return int(stamp), sn
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise wrong("cursor is invalid") from None


def check_window(time_from: int, time_to: int) -> None:
    if not (time_from < time_to and time_to - time_from <= WINDOW):
        raise ShopeeError(
            "order.order_list_invalid_time", "Start time must be earlier than end time and diff in 15days."
        )


@endpoint("/api/v2/order/get_order_list", "GET", "shop")
def get_order_list(call: Call) -> dict:
    field_name = call.query.get("time_range_field")
    if field_name not in ("create_time", "update_time"):
        raise wrong("time_range_field should be create_time or update_time")
    time_from, time_to = call.int_param("time_from"), call.int_param("time_to")
    check_window(time_from, time_to)
    page_size = call.int_param("page_size", lo=1, hi=100)
    status = call.query.get("order_status") or None
    if status is not None and status not in LIST_STATUSES:
        raise wrong("order_status is invalid")
    with_status = "order_status" in call.list_param("response_optional_fields")
    after = decode_cursor(call.query.get("cursor", ""))
    now = call.now
    if field_name == "create_time":
        orders = call.shop.orders_created_between(time_from, min(time_to, now))
        start = bisect_right(orders, after, key=lambda o: (o.create_time, o.sn)) if after else 0
        rows = ((order.create_time, order) for order in islice(orders, start, None))
    else:
        updated = sorted(
            ((order.step(now)[0], order) for order in call.shop.orders_created_between(0, now)),
            key=lambda row: (row[0], row[1].sn),
        )
        updated = [row for row in updated if time_from <= row[0] <= time_to]
        start = bisect_right(updated, after, key=lambda row: (row[0], row[1].sn)) if after else 0
        rows = islice(updated, start, None)
    page = []
    for stamp, order in rows:
        if status is None or order.step(now)[1] == status:
            page.append((stamp, order))
            if len(page) > page_size:
                break
    more = len(page) > page_size
    page = page[:page_size]
    order_list = []
    for _, order in page:
        entry = {"order_sn": order.sn}
        if with_status:
            entry["order_status"] = order.step(now)[1]
        order_list.append(entry)
    next_cursor = encode_cursor((page[-1][0], page[-1][1].sn)) if more else ""
    return {"more": more, "next_cursor": next_cursor, "order_list": order_list}


@endpoint("/api/v2/order/get_order_detail", "GET", "shop")
def get_order_detail(call: Call) -> dict:
    sns = call.list_param("order_sn_list")
    if not 1 <= len(sns) <= 50:
        raise wrong("order_sn_list should contain 1 to 50 order_sn")
    optional = set(call.list_param("response_optional_fields"))
    found, missing = [], []
    for sn in dict.fromkeys(sns):
        order = call.shop.orders_by_sn.get(sn)
        if order is None or order.create_time > call.now:
            missing.append(sn)
        else:
            found.append(objects.order_object(order, call.shop, call.now, optional))
    if missing and (not found or call.config["detail_missing"] == "error"):
        raise ShopeeError("error_not_found", "Wrong parameters, detail: the order is not found.")
    call.warnings = [f"order_sn {sn} is not found" for sn in missing]
    return {"order_list": found, "warning": list(call.warnings)}


@endpoint("/api/v2/logistics/get_tracking_number", "GET", "shop")
def get_tracking_number(call: Call) -> dict:
    sn = call.query.get("order_sn")
    if not sn:
        raise wrong("order_sn is required")
    order = call.shop.orders_by_sn.get(sn)
    if order is None or order.create_time > call.now:
        raise ShopeeError("logistics.invalid_error", "The order is not exist.")
    package = call.query.get("package_number")
    if package is not None and package != objects.package_number(order):
        raise ShopeeError("logistics.package_not_exist", "The package is not exist.")
    assigned = order.tracking_at is not None and order.tracking_at <= call.now
    return {
        "tracking_number": order.tracking_number if assigned else "",
        "plp_number": "",
        "first_mile_tracking_number": "",
        "last_mile_tracking_number": "",
        "hint": "",
        "pickup_code": "",
    }


# --- returns --------------------------------------------------------------------------------------------


def return_window(call: Call, prefix: str, label: str) -> tuple[int | None, int | None]:
    start = call.int_param(f"{prefix}_time_from", required=False)
    end = call.int_param(f"{prefix}_time_to", required=False)
    if start is not None and end is not None:
        if end <= start:
            raise param_error(f"The {prefix}_time_to should be later than {prefix}_time_from.")
        if end - start > WINDOW:
            raise param_error(f"The period between {prefix}_time_from and {label} must not more than 15 days.")
    return start, end


@endpoint("/api/v2/returns/get_return_list", "GET", "shop")
def get_return_list(call: Call) -> dict:
    page_no = call.int_param("page_no", lo=0, hi=10**6)
    page_size = call.int_param("page_size", lo=1, hi=100)
    created = return_window(call, "create", "created_time_of")
    updated = return_window(call, "update", "update_time_to")
    if created[0] is not None and updated[0] is not None and updated[0] < created[0]:
        raise param_error("The update_time_from should be later than create_time_from.")
    filters = {
        name: call.query.get(name)
        for name in ("status", "negotiation_status", "seller_proof_status", "seller_compensation_status")
        if call.query.get(name)
    }
    rows = []
    for ret in call.shop.returns:
        if ret.create_time > call.now or not _within(ret.create_time, created):
            continue
        row = objects.return_object(ret, call.shop, call.now)
        if _within(row["update_time"], updated) and all(row[k] == v for k, v in filters.items()):
            rows.append(row)
    offset = max(0, page_no - int(call.config["return_page_base"])) * page_size
    return {"more": offset + page_size < len(rows), "return": rows[offset : offset + page_size]}


def _within(value: int, window: tuple[int | None, int | None]) -> bool:
    start, end = window
    return (start is None or value >= start) and (end is None or value <= end)


@endpoint("/api/v2/returns/get_return_detail", "GET", "shop")
def get_return_detail(call: Call) -> dict:
    return_sn = call.query.get("return_sn")
    if not return_sn:
        raise wrong("return_sn is required")
    ret = call.shop.returns_by_sn.get(return_sn)
    if ret is None or ret.create_time > call.now:
        raise param_error("Return SN or ID is invalid.")
    return objects.return_object(ret, call.shop, call.now, detail=True)


# --- products -------------------------------------------------------------------------------------------


@endpoint("/api/v2/product/get_item_list", "GET", "shop")
def get_item_list(call: Call) -> dict:
    offset = call.int_param("offset", lo=0, hi=10**7)
    page_size = call.int_param("page_size", lo=1, hi=100)
    statuses = call.list_param("item_status")
    if not statuses or any(s not in ITEM_STATUSES for s in statuses):
        raise wrong("item_status is invalid")
    start = call.int_param("update_time_from", required=False)
    end = call.int_param("update_time_to", required=False)
    items = [
        item
        for item in sorted(call.shop.items.values(), key=lambda i: i.item_id)
        if item.status in statuses and _within(item.update_time, (start, end))
    ]
    page = items[offset : offset + page_size]
    has_next = offset + page_size < len(items)
    return {
        "item": [{"item_id": i.item_id, "item_status": i.status, "update_time": i.update_time} for i in page],
        "total_count": len(items),
        "has_next_page": has_next,
        "next_offset": offset + len(page),
    }


@endpoint("/api/v2/product/get_item_base_info", "GET", "shop")
def get_item_base_info(call: Call) -> dict:
    raw_ids = call.list_param("item_id_list")
    try:
        ids = [int(v) for v in raw_ids]
    except ValueError:
        raise wrong("item_id_list should contain integers") from None
    if not 1 <= len(ids) <= 50:
        raise wrong("item_id_list should contain 1 to 50 item_id")
    rows = []
    for item_id in dict.fromkeys(ids):
        item = call.shop.items.get(item_id)
        if item is None:
            call.warnings.append(f"item_id {item_id} is not found")
        else:
            rows.append(objects.item_object(item, call.shop.region))
    return {"item_list": rows}


@endpoint("/api/v2/product/get_model_list", "GET", "shop")
def get_model_list(call: Call) -> dict:
    item = call.shop.items.get(call.int_param("item_id", hi=2**63 - 1))
    if item is None:
        raise ShopeeError("error_item_not_found", "Item not found.")
    return objects.model_list(item, call.shop.region)


# --- the view -------------------------------------------------------------------------------------------


def error_payload(exc: ShopeeError, request_id: str) -> dict:
    return {"request_id": request_id, "error": exc.error, "message": exc.message}


def error_status(world: World, exc: ShopeeError) -> int:
    config = world.config["shopee"]
    if exc.kind == "auth":
        return int(config["auth_error_http_status"])
    if exc.kind == "rate":
        return int(config["rate_limit_http_status"])
    return 200


def identifiers(request, body) -> set[str]:
    found = {request.GET.get("shop_id", ""), request.GET.get("partner_id", "")}
    if isinstance(body, dict):
        found |= {str(body.get("shop_id", "")), str(body.get("partner_id", ""))}
    return {value for value in found if value}


def fault_before(world: World, fault: Fault, request_id: str):
    """Answer for faults that replace the call; None when the call should still be processed."""
    if fault.kind == "timeout":
        time.sleep(fault.delay)
        return None if fault.then == "process" else gateway_error(504)
    if fault.kind == "http_error":
        if fault.status == 500:
            return json_response(
                {"request_id": request_id, "error": "error_server", "message": "System error. Please try again later."},
                status=500,
            )
        return gateway_error(fault.status)
    if fault.kind == "rate_limit":
        exc = ShopeeError("error_rate_limit", RATE_LIMITED, kind="rate")
        status = fault.status if fault.status in (200, 429) else error_status(world, exc)
        return json_response(error_payload(exc, request_id), status=status, headers=retry_after(status))
    return None


def retry_after(status: int) -> dict:
    return {"Retry-After": "1"} if status == 429 else {}


def shape(response_data: dict, flat: bool, call: Call) -> dict:
    if flat:
        return {**response_data, "request_id": call.request_id, "error": "", "message": ""}
    payload = {"request_id": call.request_id, "error": "", "message": "", "response": response_data}
    if call.warnings:
        payload["warning"] = list(call.warnings)
    return payload


@csrf_exempt
def api(request, rest: str = ""):
    """Every `/api/v2/...` call: exact-path dispatch, checks, faults, the envelope."""
    from .shopee_pages import PAGES

    world = get_world()
    api_path = "/" + rest
    raw = read_body(request) if request.method == "POST" and api_path not in PAGES else b""
    try:
        body = parse_json(raw) if raw else None
    except ValueError:
        body = ValueError
    entry = log_call(world, request, "shopee", api_path, None if body is ValueError else body)
    if api_path in PAGES:
        return finish(entry, PAGES[api_path](request, world, api_path), "page")
    request_id = hex32()
    target = ENDPOINTS.get(api_path)
    if target is None:
        exc = param_error(UNKNOWN_PATH)
        return finish(entry, json_response(error_payload(exc, request_id)), exc.error)
    with world.lock:
        fault = world.faults.take("shopee", identifiers(request, body), api_path)
    if fault is not None:
        replaced = fault_before(world, fault, request_id)
        if replaced is not None:
            return finish(entry, replaced, f"fault:{fault.kind}")
    call = Call(world=world, request=request, api_path=api_path, body=body, now=world.now(), request_id=request_id)
    status, headers, outcome = 200, {}, "ok"
    try:
        if request.method != target.method:
            raise (
                target.method_error() if target.method_error else wrong(f"this API must be called with {target.method}")
            )
        if body is ValueError:
            raise wrong("request body is not valid JSON")
        with world.lock:
            check_common(call, target.kind)
            payload = shape(target.handler(call), target.flat, call)
    except ShopeeError as exc:
        payload, status, outcome = error_payload(exc, request_id), error_status(world, exc), exc.error
        headers = retry_after(status)
    if fault is not None and fault.kind == "malformed_json":
        return finish(entry, raw_response(malformed_body(payload), status=status), "fault:malformed_json")
    if fault is not None and fault.kind == "wrong_types":
        payload = mangle_types(payload, keep=frozenset({"error", "message", "request_id"}))
        outcome = "fault:wrong_types"
    return finish(entry, json_response(payload, status=status, headers=headers), outcome)


def base_string(*, partner_id: int, api_path: str, timestamp: int, access_token: str = "", shop_id="") -> str:
    """The string Shopee signs: partner_id + api_path + timestamp (+ access_token + shop_id for shop APIs)."""
    return f"{partner_id}{api_path}{timestamp}{access_token}{shop_id}"


# --- push: lost messages (the emitter itself is sandbox/push.py) ---------------------------------------


@endpoint("/api/v2/push/get_lost_push_message", "GET", "public")
def get_lost_push_message(call: Call) -> dict:
    from .push import lost_messages

    return lost_messages(call.world, call.partner_id, call.now)


@endpoint("/api/v2/push/confirm_consumed_lost_push_message", "POST", "public")
def confirm_consumed_lost_push_message(call: Call) -> dict:
    from .push import confirm_consumed

    last_message_id = body_int(json_body(call), "last_message_id")
    if last_message_id is None or last_message_id < 0:
        raise wrong("last_message_id should be a non-negative integer")
    confirm_consumed(call.world, call.partner_id, last_message_id)
    return {}


from . import shopee_ads  # noqa: E402, F401  (registers the read-only ads endpoints)
