"""Ozon simulator, the view: `api` answers every method, logging the call and then taking the route (404 for
unknown or switched-off paths), the method (POST only), any fault armed for service "ozon" (targeted by
Client-Id), the headers, the rate limiter and the role (`authenticate`), the JSON body and the handler.
"""

import time

from django.views.decorators.csrf import csrf_exempt

from ..faults import Fault, malformed_body, mangle_types
from ..http import finish, gateway_error, json_response, log_call, parse_json, raw_response, read_body
from ..state import Seller, World, get_world
from .common import ROUTES, Call, OzonError, Route, invalid


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
