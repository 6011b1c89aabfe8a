"""Ozon Performance simulator, the view: the route table, and `api`, which logs the call and then takes the
route, the method, the token (or issues one), any fault armed for service "ozon", the quota and the handler,
answering a `PerformanceError` as its status and `{"error": …}` body.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.views.decorators.csrf import csrf_exempt

from ..faults import Fault, malformed_body
from ..http import finish, gateway_error, json_response, log_call, mask, parse_json, raw_response, read_body
from ..state import get_world
from .auth import authenticate, count_call, issue_token
from .common import PerformanceError
from .endpoints import Call, campaigns, daily, expense
from .model import account_client_id, account_of
from .reports import report_body, report_order, report_status


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
