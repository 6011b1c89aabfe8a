"""Control API, faults and the request log: the faults armed on the simulators (listed, added, cleared) and
the calls they received, by service and since an id.
"""

from ..state import World
from .base import ControlError, number, route


@route("GET", "faults")
def faults_list(world: World, body: dict) -> dict:
    return {"faults": world.faults.as_list()}


@route("POST", "faults")
def fault_add(world: World, body: dict) -> dict:
    try:
        fault = world.faults.add(
            service=body.get("service", ""),
            kind=body.get("kind", ""),
            target=body.get("target", "*"),
            count=number(body, "count", 1, lo=1),
            status=number(body, "status", 500, lo=100, hi=599),
            delay=number(body, "delay", 2.0, lo=0, hi=300, cast=float),
            path=body.get("path", ""),
            then=body.get("then", "error"),
        )
    except ValueError as exc:
        raise ControlError(str(exc)) from None
    return fault.as_dict()


@route("POST", "faults/clear")
def faults_clear(world: World, body: dict) -> dict:
    world.faults.clear(body.get("service"))
    return {"ok": True}


@route("GET", "requests")
def requests_list(world: World, body: dict, query=None) -> dict:
    service = query.get("service") if query else None
    since = int(query.get("since_id", 0)) if query else 0
    limit = int(query.get("limit", 1000)) if query else 1000
    rows = [r for r in world.requests if (service is None or r["service"] == service) and r["id"] > since]
    return {"requests": rows[-limit:]}
