"""Ozon Seller API simulator (contract: platform-apis.md sections 2 and 5).

Every method is a POST with a JSON body and the `Client-Id` / `Api-Key` headers. Errors use the rpcStatus
body `{"code", "message", "details"}` with the HTTP statuses observed on the real API (401/400/404/429).
"""

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.views.decorators.csrf import csrf_exempt

from . import ozon_objects as objects
from .faults import Fault, malformed_body, mangle_types
from .http import finish, gateway_error, json_response, log_call, parse_json, raw_response, read_body
from .seed import parse_iso
from .state import DAY, Seller, World, get_world

YEAR = 366 * DAY
FBS_FILTER_STATUSES = (
    "awaiting_registration",
    "acceptance_in_progress",
    "awaiting_approve",
    "awaiting_packaging",
    "awaiting_deliver",
    "arbitration",
    "client_arbitration",
    "delivering",
    "driver_pickup",
    "delivered",
    "cancelled",
    "not_accepted",
    "sent_by_seller",
)
FBO_STATUSES = ("awaiting_packaging", "awaiting_deliver", "delivering", "delivered", "cancelled")
UNFULFILLED = (
    "acceptance_in_progress",
    "awaiting_approve",
    "awaiting_packaging",
    "awaiting_registration",
    "awaiting_deliver",
)
RETURN_DATE_FILTERS = ("logistic_return_date", "storage_tariffication_start_date", "visual_status_change_moment")
VISIBILITY = (
    "ALL",
    "VISIBLE",
    "INVISIBLE",
    "EMPTY_STOCK",
    "NOT_MODERATED",
    "MODERATED",
    "DISABLED",
    "STATE_FAILED",
    "READY_TO_SUPPLY",
    "VALIDATION_STATE_PENDING",
    "VALIDATION_STATE_FAIL",
    "VALIDATION_STATE_SUCCESS",
    "TO_SUPPLY",
    "IN_SALE",
    "REMOVED_FROM_SALE",
    "BANNED",
    "OVERPRICED",
    "CRITICALLY_OVERPRICED",
    "EMPTY_BARCODE",
    "BARCODE_EXISTS",
    "QUARANTINE",
    "ARCHIVED",
    "OVERPRICED_WITH_STOCK",
    "PARTIAL_APPROVED",
)


class OzonError(Exception):
    def __init__(self, status: int, code: int, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def payload(self) -> dict:
        return {"code": self.code, "message": self.message, "details": []}


def invalid(message: str) -> OzonError:
    return OzonError(400, 3, message)


@dataclass
class Call:
    world: World
    seller: Seller
    path: str
    body: dict
    now: float

    def obj(self, source: dict, name: str, *, required: bool = False) -> dict:
        value = source.get(name)
        if value is None:
            if required:
                raise invalid(f"invalid request payload: {name} is required")
            return {}
        if not isinstance(value, dict):
            raise invalid(f"invalid request payload: {name} must be an object")
        return value

    def integer(self, source: dict, name: str, *, lo: int, hi: int, required: bool = True, default: int = 0) -> int:
        value = source.get(name)
        if value is None:
            if required:
                raise invalid(f"invalid request payload: {name} is required")
            return default
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(f"invalid request payload: {name} must be an integer")
        if not lo <= value <= hi:
            raise invalid(f"invalid request payload: {name} must be between {lo} and {hi}")
        return value

    def date(self, source: dict, name: str, *, required: bool = True) -> float | None:
        value = source.get(name)
        if value in (None, ""):
            if required:
                raise invalid(f"invalid request payload: {name} is required")
            return None
        try:
            return parse_iso(value)
        except ValueError:
            raise invalid(f"invalid request payload: {name} must be an RFC 3339 date-time") from None

    def ids(self, source: dict, name: str, *, limit: int = 1000) -> set[int] | None:
        values = source.get(name)
        if values in (None, []):
            return None
        if not isinstance(values, list) or len(values) > limit:
            raise invalid(f"invalid request payload: {name} must be a list of at most {limit} ids")
        try:
            return {int(v) for v in values if not isinstance(v, bool)}
        except (TypeError, ValueError):
            raise invalid(f"invalid request payload: {name} must contain integers") from None

    def strings(self, source: dict, name: str, *, allowed=None, limit: int = 1000) -> set[str] | None:
        values = source.get(name)
        if values in (None, []):
            return None
        if not isinstance(values, list) or len(values) > limit or not all(isinstance(v, str) for v in values):
            raise invalid(f"invalid request payload: {name} must be a list of strings")
        if allowed and any(v not in allowed for v in values):
            raise invalid(f"invalid request payload: unknown value in {name}")
        return set(values)

    def direction(self, name: str) -> str:
        value = self.body.get(name) or "ASC"
        if not isinstance(value, str) or value.upper() not in ("ASC", "DESC"):
            raise invalid(f"invalid request payload: {name} must be ASC or DESC")
        return value.upper()


@dataclass(frozen=True)
class Route:
    handler: Callable
    role: str
    switch: str = ""  # config key that turns the path off (answers 404)


ROUTES: dict[str, Route] = {}


def route(path: str, role: str, switch: str = ""):
    def register(func):
        ROUTES[path] = Route(handler=func, role=role, switch=switch)
        return func

    return register


# --- selection and cursors -----------------------------------------------------------------------------


def changed_between(posting, now: float, window: dict, call: Call) -> bool:
    if not window:
        return True
    start, end = call.date(window, "from", required=False), call.date(window, "to", required=False)
    changed = posting.step(now)[0]
    return (start is None or changed >= start) and (end is None or changed <= end)


def select_postings(
    call: Call, *, scheme: str, since: float, to: float, statuses, filt: dict, key: str = "in_process_at"
) -> list:
    now = call.now
    warehouses = call.ids(filt, "warehouse_ids") or call.ids(filt, "warehouse_id")
    methods = call.ids(filt, "delivery_method_ids") or call.ids(filt, "delivery_method_id")
    providers = call.ids(filt, "provider_ids") or call.ids(filt, "provider_id")
    numbers = call.strings(filt, "order_numbers") or None
    posting_numbers = call.strings(filt, "posting_numbers") or None
    order_id = call.integer(filt, "order_id", lo=0, hi=2**63 - 1, required=False)
    changed = call.obj(filt, "last_changed_status_date") or call.obj(filt, "last_change_status_date")
    rows = []
    for posting in call.seller.postings:
        when = getattr(posting, key)
        if posting.scheme != scheme or when > now or not since <= when <= to:
            continue
        if statuses and posting.step(now)[1] not in statuses:
            continue
        if warehouses and posting.warehouse_id not in warehouses:
            continue
        if methods and objects.delivery_method_id(posting) not in methods:
            continue
        if providers and objects.PROVIDER[0] not in providers:
            continue
        if numbers and posting.order_number not in numbers:
            continue
        if posting_numbers and posting.posting_number not in posting_numbers:
            continue
        if order_id and posting.order_id != order_id:
            continue
        if changed_between(posting, now, changed, call):
            rows.append(posting)
    rows.sort(key=lambda p: (getattr(p, key), p.id))
    return rows


def fingerprint(call: Call) -> str:
    scope = {k: v for k, v in call.body.items() if k not in ("cursor", "limit")}
    text = json.dumps({"path": call.path, "client": call.seller.client_id, "q": scope}, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def encode_cursor(call: Call, key_name: str, value, row_id: int, direction: str) -> str:
    data = {
        "fields": [
            {"name": f"osp.{key_name}", "dir": direction.lower(), "val": value},
            {"name": "osp.id", "dir": direction.lower(), "val": str(row_id)},
        ],
        "q": fingerprint(call),
        "t": int(call.now),
    }
    return base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def decode_cursor(call: Call) -> tuple | None:
    """(value, id) from the request's cursor; 400 for garbage, another query's cursor or an expired one."""
    cursor = call.body.get("cursor") or ""
    if not cursor:
        return None
    if not isinstance(cursor, str):
        raise invalid("invalid request payload: cursor must be a string")
    try:
        data = json.loads(base64.b64decode(cursor, validate=True))
        value, row_id = int(data["fields"][0]["val"]), int(data["fields"][1]["val"])
        query, issued = data["q"], int(data["t"])
    except (ValueError, KeyError, IndexError, TypeError, binascii.Error):
        raise invalid("invalid cursor") from None
    if query != fingerprint(call):
        raise invalid("cursor does not match the request filter")
    ttl = call.world.config["ozon"]["cursor_ttl"]
    if ttl and call.now - issued > ttl:
        raise invalid("cursor is expired")
    return value, row_id


def cursor_page(call: Call, rows: list, *, limit: int, direction: str, key_name: str, key_of: Callable):
    """Keyset paging over rows sorted ascending by key_of(row) = (value, id): (page, next_cursor, has_next)."""
    if direction == "DESC":
        rows = rows[::-1]
    after = decode_cursor(call)
    if after is not None:
        if direction == "ASC":
            rows = [r for r in rows if key_of(r) > after]
        else:
            rows = [r for r in rows if key_of(r) < after]
    page = rows[:limit]
    has_next = len(rows) > limit
    cursor = encode_cursor(call, key_name, *key_of(page[-1]), direction) if has_next else ""
    return page, cursor, has_next


def with_flags(call: Call) -> dict:
    flags = call.obj(call.body, "with")
    return {k: bool(v) for k, v in flags.items()}


def period(call: Call, filt: dict, *, max_period: float | None = YEAR, message: str = "") -> tuple[float, float]:
    since, to = call.date(filt, "since"), call.date(filt, "to")
    if to < since:
        raise invalid("invalid request payload: filter.to must not be earlier than filter.since")
    if max_period and to - since > max_period:
        raise invalid(message or "invalid request payload: the filter period must not exceed one year")
    return since, to


# --- FBS ------------------------------------------------------------------------------------------------


@route("/v4/posting/fbs/list", "postings")
def fbs_list_v4(call: Call) -> dict:
    filt = call.obj(call.body, "filter", required=True)
    since, to = period(call, filt, max_period=None)
    limit = call.integer(call.body, "limit", lo=1, hi=100)
    direction = call.direction("sort_dir")
    statuses = call.strings(filt, "statuses", allowed=FBS_FILTER_STATUSES)
    call.strings(filt, "order_numbers", limit=100)
    rows = select_postings(call, scheme="fbs", since=since, to=to, statuses=statuses, filt=filt)
    page, cursor, has_next = cursor_page(
        call, rows, limit=limit, direction=direction, key_name="in_process_at", key_of=lambda p: (p.in_process_at, p.id)
    )
    flags = with_flags(call)
    return {
        "cursor": cursor,
        "has_next": has_next,
        "postings": [objects.fbs_posting(call.seller, p, call.now, flags, v4=True) for p in page],
    }


@route("/v3/posting/fbs/list", "postings", switch="v3_fbs_enabled")
def fbs_list_v3(call: Call) -> dict:
    filt = call.obj(call.body, "filter", required=True)
    since, to = period(call, filt)
    limit = call.integer(call.body, "limit", lo=1, hi=1000)
    offset = call.integer(call.body, "offset", lo=0, hi=2**31)
    status = filt.get("status") or None
    if status is not None and status not in FBS_FILTER_STATUSES:
        raise invalid("invalid request payload: unknown filter.status")
    rows = select_postings(call, scheme="fbs", since=since, to=to, statuses={status} if status else None, filt=filt)
    if call.direction("dir") == "DESC":
        rows.reverse()
    flags = with_flags(call)
    return {
        "result": {
            "postings": [
                objects.fbs_posting(call.seller, p, call.now, flags, v4=False) for p in rows[offset : offset + limit]
            ],
            "has_next": offset + limit < len(rows),
        }
    }


def unfulfilled_rows(call: Call, filt: dict, statuses) -> list:
    cutoff = (call.date(filt, "cutoff_from", required=False), call.date(filt, "cutoff_to", required=False))
    delivering = (
        call.date(filt, "delivering_date_from", required=False),
        call.date(filt, "delivering_date_to", required=False),
    )
    has_cutoff, has_delivering = any(v is not None for v in cutoff), any(v is not None for v in delivering)
    if has_cutoff and has_delivering:
        raise invalid(
            "invalid request payload: use either cutoff_from/cutoff_to or "
            "delivering_date_from/delivering_date_to, not both"
        )
    if not has_cutoff and not has_delivering:
        raise invalid(
            "invalid request payload: cutoff_from/cutoff_to or delivering_date_from/delivering_date_to are required"
        )
    start, end = cutoff if has_cutoff else delivering
    if start is None or end is None:
        raise invalid("invalid request payload: both ends of the date range are required")
    wanted = statuses or set(UNFULFILLED)
    rows = select_postings(call, scheme="fbs", since=0, to=call.now, statuses=wanted, filt=filt)
    offset = 0 if has_cutoff else 2 * DAY
    return [p for p in rows if start <= p.shipment_date + offset <= end]


@route("/v4/posting/fbs/unfulfilled/list", "postings")
def unfulfilled_v4(call: Call) -> dict:
    filt = call.obj(call.body, "filter", required=True)
    limit = call.integer(call.body, "limit", lo=1, hi=100)
    direction = call.direction("sort_dir")
    rows = unfulfilled_rows(call, filt, call.strings(filt, "statuses", allowed=FBS_FILTER_STATUSES))
    page, cursor, has_next = cursor_page(
        call, rows, limit=limit, direction=direction, key_name="in_process_at", key_of=lambda p: (p.in_process_at, p.id)
    )
    flags = with_flags(call)
    return {
        "count": len(rows),
        "cursor": cursor,
        "has_next": has_next,
        "postings": [objects.fbs_posting(call.seller, p, call.now, flags, v4=True) for p in page],
    }


@route("/v3/posting/fbs/unfulfilled/list", "postings", switch="v3_fbs_enabled")
def unfulfilled_v3(call: Call) -> dict:
    filt = call.obj(call.body, "filter", required=True)
    limit = call.integer(call.body, "limit", lo=1, hi=1000)
    offset = call.integer(call.body, "offset", lo=0, hi=2**31)
    status = filt.get("status") or None
    rows = unfulfilled_rows(call, filt, {status} if status else None)
    if call.direction("dir") == "DESC":
        rows.reverse()
    flags = with_flags(call)
    return {
        "result": {
            "postings": [
                objects.fbs_posting(call.seller, p, call.now, flags, v4=False) for p in rows[offset : offset + limit]
            ],
            "count": len(rows),
        }
    }


@route("/v3/posting/fbs/get", "postings")
def fbs_get(call: Call) -> dict:
    number = call.body.get("posting_number")
    if not isinstance(number, str) or not number:
        raise invalid("invalid request payload: posting_number is required")
    posting = call.seller.postings_by_number.get(number)
    if posting is None or posting.scheme != "fbs" or posting.in_process_at > call.now:
        raise OzonError(404, 5, "Posting not found")
    return {"result": objects.fbs_posting(call.seller, posting, call.now, with_flags(call), v4=False, detail=True)}


# --- FBO ------------------------------------------------------------------------------------------------


@route("/v3/posting/fbo/list", "postings")
def fbo_list_v3(call: Call) -> dict:
    filt = call.obj(call.body, "filter", required=True)
    since, to = period(call, filt, max_period=None)
    limit = call.integer(call.body, "limit", lo=1, hi=100)
    direction = call.direction("sort_dir")
    statuses = call.strings(filt, "statuses", allowed=FBO_STATUSES)
    call.strings(filt, "posting_numbers", limit=1000)
    rows = select_postings(call, scheme="fbo", since=since, to=to, statuses=statuses, filt=filt, key="created_at")
    page, cursor, has_next = cursor_page(
        call, rows, limit=limit, direction=direction, key_name="created_at", key_of=lambda p: (p.created_at, p.id)
    )
    flags = with_flags(call)
    return {
        "cursor": cursor,
        "has_next": has_next,
        "postings": [objects.fbo_posting(call.seller, p, call.now, flags, v3=True) for p in page],
    }


@route("/v2/posting/fbo/list", "postings", switch="v2_fbo_enabled")
def fbo_list_v2(call: Call) -> dict:
    filt = call.obj(call.body, "filter", required=True)
    since, to = period(call, filt, message="PERIOD_IS_TOO_LONG")
    limit = call.integer(call.body, "limit", lo=1, hi=1000)
    offset = call.integer(call.body, "offset", lo=0, hi=2**31, required=False)
    if offset > 20000:
        raise invalid("MAX_OFFSET_EXCEEDED")
    status = filt.get("status") or None
    if status is not None and status not in FBO_STATUSES:
        raise invalid("invalid request payload: unknown filter.status")
    rows = select_postings(
        call, scheme="fbo", since=since, to=to, statuses={status} if status else None, filt=filt, key="created_at"
    )
    if call.direction("dir") == "DESC":
        rows.reverse()
    flags = with_flags(call)
    return {
        "result": [
            objects.fbo_posting(call.seller, p, call.now, flags, v3=False) for p in rows[offset : offset + limit]
        ]
    }


# --- returns and stock ----------------------------------------------------------------------------------


@route("/v1/returns/list", "returns")
def returns_list(call: Call) -> dict:
    filt = call.obj(call.body, "filter")
    limit = call.integer(call.body, "limit", lo=1, hi=500)
    last_id = call.integer(call.body, "last_id", lo=0, hi=2**63 - 1, required=False)
    used = [name for name in RETURN_DATE_FILTERS if filt.get(name)]
    if len(used) > 1:
        raise invalid("invalid request payload: use only one of " + ", ".join(RETURN_DATE_FILTERS))
    window = call.obj(filt, used[0]) if used else {}
    start, end = call.date(window, "time_from", required=False), call.date(window, "time_to", required=False)
    numbers = call.strings(filt, "posting_numbers", limit=50)
    schema = filt.get("return_schema")
    rows = []
    for ret in call.seller.returns:
        if ret.created_at > call.now or ret.id <= last_id:
            continue
        row = objects.return_object(call.seller, ret, call.now)
        moment = (
            {
                "logistic_return_date": ret.logistic_return_at if ret.logistic_return_at <= call.now else None,
                "storage_tariffication_start_date": ret.storage_start_at,
                "visual_status_change_moment": ret.step(call.now)[0],
            }.get(used[0])
            if used
            else None
        )
        if used and (moment is None or (start is not None and moment < start) or (end is not None and moment > end)):
            continue
        if not return_matches(row, filt, numbers, schema):
            continue
        rows.append(row)
        if len(rows) > limit:
            break
    return {"returns": rows[:limit], "has_next": len(rows) > limit}


def return_matches(row: dict, filt: dict, numbers, schema) -> bool:
    if numbers and row["posting_number"] not in numbers:
        return False
    if schema and row["schema"].upper() != str(schema).upper():
        return False
    checks = {
        "order_id": row["order_id"],
        "offer_id": row["product"]["offer_id"],
        "visual_status_name": row["visual"]["status"]["sys_name"],
        "barcode": row["logistic"]["barcode"],
    }
    for name, actual in checks.items():
        if filt.get(name) not in (None, "", 0) and str(filt[name]) != str(actual):
            return False
    return not filt.get("product_name") or str(filt["product_name"]).lower() in row["product"]["name"].lower()


def stock_page(call: Call, rows: list, limit: int) -> tuple[list, str]:
    """Keyset pages of products by product_id whose cursor is never empty (corrected 2026-12): an empty cursor
    in a request means "the first page", so the last page hands back a cursor past its last row, and a request
    with that cursor answers `items: []` with the same cursor. Clients stop on a page shorter than `limit`."""
    after = decode_cursor(call)
    if after is not None:
        rows = [p for p in rows if (p.product_id, p.product_id) > after]
    page = rows[:limit]
    if page:
        return page, encode_cursor(call, "product_id", page[-1].product_id, page[-1].product_id, "ASC")
    if after is not None:
        return [], call.body["cursor"]
    return [], encode_cursor(call, "product_id", 0, 0, "ASC")


@route("/v4/product/info/stocks", "products")
def product_stocks(call: Call) -> dict:
    filt = call.obj(call.body, "filter", required=True)
    limit = call.integer(call.body, "limit", lo=1, hi=1000)
    visibility = filt.get("visibility") or "ALL"
    if visibility not in VISIBILITY:
        raise invalid("invalid request payload: unknown filter.visibility")
    offers = call.strings(filt, "offer_id")
    products = call.ids(filt, "product_id")
    rows = [
        p
        for p in call.seller.products
        if (not offers or p.offer_id in offers)
        and (not products or p.product_id in products)
        and (visibility != "EMPTY_STOCK" or p.fbs_present + p.fbo_present == 0)
    ]
    page, cursor = stock_page(call, rows, limit)
    return {
        "cursor": cursor,
        "items": [objects.stock_item(p) for p in page],
        "total": len(rows),
        "total_items": len(rows),
    }


# --- the view -------------------------------------------------------------------------------------------


def authenticate(world: World, request, route_: Route, now: float) -> Seller:
    client_id, api_key = request.headers.get("Client-Id"), request.headers.get("Api-Key")
    if not client_id or not api_key:
        raise OzonError(401, 16, "Client-Id and Api-Key headers are required")
    if not client_id.strip().isdigit() or int(client_id) <= 0:
        raise OzonError(400, 3, "Client-Id header value should be positive integer")
    seller = world.sellers.get(int(client_id))
    if seller is None or seller.api_key != api_key:
        raise OzonError(404, 5, "Invalid Api-Key, please check the key and try again")
    if not seller.active:
        raise OzonError(403, 7, "Api-key is deactivated, use another one or generate a new one")
    if world.config["ozon"]["rps_limit"] > 0 and not world.ozon_rps.hit(str(seller.client_id), now):
        raise OzonError(429, 8, "You have reached request rate limit per second")
    if world.config["ozon"]["role_check"] and "admin" not in seller.roles and route_.role not in seller.roles:
        raise OzonError(403, 7, "Api-Key is missing a required role for a method")
    return seller


def fault_before(fault: Fault):
    if fault.kind == "timeout":
        time.sleep(fault.delay)
        return None if fault.then == "process" else gateway_error(504)
    if fault.kind == "http_error":
        if fault.status == 500:
            return json_response({"code": 13, "message": "Internal error", "details": []}, status=500)
        return gateway_error(fault.status)
    if fault.kind == "rate_limit":
        return json_response(
            OzonError(429, 8, "You have reached request rate limit per second").payload(),
            status=429,
            headers={"Retry-After": "1"},
        )
    return None


def not_found() -> OzonError:
    return OzonError(404, 5, "Not Found")


@csrf_exempt
def api(request, rest: str = ""):
    """Every Ozon method: route, method, headers, limiter, role, JSON body, then the handler."""
    world = get_world()
    path = "/" + rest
    raw = read_body(request)
    try:
        body = parse_json(raw)
    except ValueError:
        body = ValueError
    entry = log_call(world, request, "ozon", path, None if body is ValueError else body)
    route_ = ROUTES.get(path)
    status, headers, outcome = 200, {}, "ok"
    fault = None
    try:
        if route_ is None or (route_.switch and not world.config["ozon"][route_.switch]):
            raise not_found()
        if request.method != "POST":
            raise OzonError(405, 12, "Method Not Allowed")
        client_id = request.headers.get("Client-Id", "")
        with world.lock:
            fault = world.faults.take("ozon", {client_id.strip()}, path) if client_id else None
        if fault is not None:
            replaced = fault_before(fault)
            if replaced is not None:
                return finish(entry, replaced, f"fault:{fault.kind}")
        with world.lock:
            now = world.now()
            seller = authenticate(world, request, route_, now)
            if body is ValueError or not isinstance(body, dict):
                raise invalid("invalid request payload: the body must be a JSON object")
            payload = route_.handler(Call(world=world, seller=seller, path=path, body=body, now=now))
    except OzonError as exc:
        payload, status, outcome = exc.payload(), exc.status, f"error:{exc.code}"
        if exc.status == 429:
            headers = {"Retry-After": "1", "ratelimit-remaining": "0"}
    if fault is not None and fault.kind == "malformed_json":
        return finish(entry, raw_response(malformed_body(payload), status=status), "fault:malformed_json")
    if fault is not None and fault.kind == "wrong_types":
        payload, outcome = mangle_types(payload), "fault:wrong_types"
    return finish(entry, json_response(payload, status=status, headers=headers), outcome)
