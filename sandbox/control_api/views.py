"""Control API, the view: `api` parses the JSON body and dispatches `/control/<rest>` to the first route whose
method and pattern match (405 listing the allowed methods when only the pattern does, 404 when none does),
holding the world lock for the call unless the route takes it itself; `QUERY_ROUTES` also get the query string.
"""

from django.views.decorators.csrf import csrf_exempt

from ..http import json_response, parse_json, read_body
from ..state import get_world
from .base import ROUTES, ControlError
from .faults import requests_list
from .pushes import UNLOCKED_ROUTES
from .wecom import messages

QUERY_ROUTES = {messages, requests_list}


@csrf_exempt
def api(request, rest: str = ""):
    """Dispatch `/control/<rest>` to the registered routes; the world lock is held for the whole call."""
    world = get_world()
    rest = rest.strip("/")
    try:
        raw = read_body(request) if request.method == "POST" else b""
        body = parse_json(raw) if raw else {}
        if not isinstance(body, dict):
            raise ControlError("the body must be a JSON object")
    except ValueError:
        return json_response({"error": "the body is not valid JSON"}, status=400)
    except ControlError as exc:
        return json_response({"error": str(exc)}, status=exc.status)
    allowed = []
    for method, pattern, func in ROUTES:
        match = pattern.match(rest)
        if match is None:
            continue
        allowed.append(method)
        if method != request.method:
            continue
        kwargs = match.groupdict()
        if func in QUERY_ROUTES:
            kwargs["query"] = request.GET
        try:
            if func in UNLOCKED_ROUTES:
                return json_response(func(world, body, **kwargs))
            with world.lock:
                return json_response(func(world, body, **kwargs))
        except ControlError as exc:
            return json_response({"error": str(exc)}, status=exc.status)
    if allowed:
        return json_response({"error": f"method not allowed; use {', '.join(allowed)}"}, status=405)
    return json_response({"error": f"unknown control path /{rest}"}, status=404)
