"""Control API, the world: an overview of what the simulated world holds, a reset (everything, or only the
clock, the config and the armed faults), the simulated clock and how to move it, and the configuration.
"""

from ..state import World
from .base import ControlError, number, route


@route("GET", "")
def overview(world: World, body: dict) -> dict:
    return {
        "now": world.now(),
        "offset": world.offset,
        "config": world.config,
        "shopee": {
            "partners": len(world.partners),
            "shops": len(world.shops),
            "orders": sum(len(s.orders) for s in world.shops.values()),
        },
        "ozon": {"sellers": len(world.sellers), "postings": sum(len(s.postings) for s in world.sellers.values())},
        "wecom": {"robots": len(world.robots), "messages": len(world.messages)},
        "faults": world.faults.as_list(),
    }


@route("POST", "reset")
def reset(world: World, body: dict) -> dict:
    """Empty the world; with {"keep_data": true} only rewind the clock, restore the config and disarm faults."""
    world.reset(keep_data=bool(body.get("keep_data")))
    return {"ok": True}


@route("GET", "clock")
def clock(world: World, body: dict) -> dict:
    return {"now": world.now(), "offset": world.offset}


@route("POST", "clock/advance")
def advance(world: World, body: dict) -> dict:
    now = world.advance(number(body, "seconds", cast=float, lo=0))
    return {"now": now, "offset": world.offset}


@route("GET", "config")
def config_get(world: World, body: dict) -> dict:
    return world.config


@route("POST", "config")
def config_set(world: World, body: dict) -> dict:
    try:
        return world.configure(body)
    except ValueError as exc:
        raise ControlError(str(exc)) from None
