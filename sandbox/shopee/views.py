"""Shopee simulator, the view: `api` answers every `/api/v2/...` call (the seller's pages of shopee_pages
included) by exact-path dispatch, logging the call, applying any fault armed for service "shopee", then the
common checks, the handler and the `{request_id, error, message, response}` envelope (flat for the token
endpoints); `base_string` is the string a caller signs.
"""

import time

from django.views.decorators.csrf import csrf_exempt

from ..faults import Fault, malformed_body, mangle_types
from ..http import finish, gateway_error, hex32, json_response, log_call, parse_json, raw_response, read_body
from ..state import World, get_world
from .checks import check_common
from .common import ENDPOINTS, RATE_LIMITED, UNKNOWN_PATH, Call, ShopeeError, param_error, wrong


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
    from ..shopee_pages import PAGES

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
