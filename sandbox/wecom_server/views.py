"""WeCom server API simulator, the view: `api` serves `/cgi-bin/<path>` (HTTP 200 with errcode/errmsg for known
paths, 404 for others), logging the call, applying any fault armed for service "wecom" (targeted by corp id),
then the token, the limits and the path's handler.
"""

from __future__ import annotations

import time

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ..faults import malformed_body, mangle_types
from ..http import finish, gateway_error, json_response, log_call, parse_json, raw_response, read_body
from ..state import World, get_world
from .auth import _authenticate, _gettoken, _limit
from .contacts import _contacts
from .messages import _send
from .model import CONTACT_READS, WRITES, CorpError, corps, reply
from .signin import _exchange

KNOWN = {
    "gettoken",
    *WRITES,
    *CONTACT_READS,
    "user/list_id",
    "department/simplelist",
    "auth/getuserinfo",
    "user/getuserinfo",
    "message/send",
}


@csrf_exempt
def api(request, rest: str):
    """`/cgi-bin/<rest>`: HTTP 200 with errcode/errmsg for known paths, 404 for others."""
    world = get_world()
    path = rest.strip("/")
    if path not in KNOWN:
        return HttpResponse(status=404)
    raw = read_body(request) if request.method == "POST" else b""
    with world.lock:
        entry = log_call(world, request, "wecom_server", f"/cgi-bin/{path}")
        fault = world.faults.take("wecom", _fault_targets(world, request), f"/cgi-bin/{path}")
    if fault is not None:
        answer = _fault_answer(fault, path, request)
        if answer is not None:
            return finish(entry, answer, f"fault:{fault.kind}")
    with world.lock:
        try:
            body: dict = {}
            if raw:
                try:
                    parsed = parse_json(raw)
                except ValueError:
                    raise CorpError(47001, "data format error") from None
                if not isinstance(parsed, dict):
                    raise CorpError(47001, "data format error")
                body = parsed
            if path == "gettoken":
                data = reply(0, "ok", **_gettoken(world, request))
            else:
                corp, _value, secret = _authenticate(world, request, path)
                _limit(world, corp, path, request.META.get("REMOTE_ADDR", ""))
                if path in ("auth/getuserinfo", "user/getuserinfo"):
                    data = _exchange(world, request, path, corp, secret)
                elif path == "message/send":
                    data = _send(world, corp, secret, body)
                else:
                    data = _contacts(world, request, path, corp, secret, body)
        except CorpError as exc:
            data = reply(exc.errcode, exc.message, path, request)
    if fault is not None and fault.kind == "malformed_json":
        return finish(entry, raw_response(malformed_body(data)), "fault:malformed_json")
    if fault is not None and fault.kind == "wrong_types":
        return finish(entry, json_response(mangle_types(data)), "fault:wrong_types")
    return finish(entry, json_response(data), str(data["errcode"]))


def _fault_targets(world: World, request) -> set[str]:
    """What an armed fault's `target` may name here: the corp id (of gettoken's query or of the token's corp)."""
    corpid = request.GET.get("corpid", "")
    token = request.GET.get("access_token", "")
    for corp in corps(world).values():
        if token and token in corp.tokens:
            corpid = corp.corpid
    return {corpid} if corpid else set()


def _fault_answer(fault, path: str, request) -> HttpResponse | None:
    """An armed fault's answer (None: answer normally, then maybe break the body)."""
    if fault.kind == "timeout":
        time.sleep(fault.delay)
        return gateway_error(504) if fault.then != "process" else None
    if fault.kind == "http_error":
        return gateway_error(fault.status)
    if fault.kind == "rate_limit":
        return json_response(reply(45009, "api freq out of limit", path, request))
    if fault.kind == "concurrency":
        return json_response(reply(45033, "api concurrent out of limit", path, request))
    return None
