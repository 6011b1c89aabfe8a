"""Control API, common ground: `ControlError` (answered as `{"error": ...}` with its status), the route table
that every section registers its `(method, path pattern)` on with `route` (the first matching pattern answers,
so registration order counts), and the helpers the routes share: `number` reads a bounded number from the body,
`time_range` a period, `get_shop`, `get_partner` and `get_seller` find the world's objects or answer 404.
"""

import re
from collections.abc import Callable

from ..state import DAY, Partner, Seller, Shop, World


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


ROUTES: list[tuple[str, re.Pattern, Callable]] = []


def route(method: str, pattern: str):
    def register(func):
        ROUTES.append((method, re.compile(f"^{pattern}$"), func))
        return func

    return register


def number(body: dict, name: str, default=None, *, lo: float | None = None, hi: float | None = None, cast=int):
    value = body.get(name, default)
    if value is None:
        raise ControlError(f"{name} is required")
    try:
        value = cast(value)
    except (TypeError, ValueError):
        raise ControlError(f"{name} must be a number") from None
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ControlError(f"{name} must be between {lo} and {hi}")
    return value


def time_range(world: World, body: dict) -> tuple[int, int]:
    """[from, to] in simulated seconds: explicit `from`/`to`, else the last `days` days (default 30)."""
    now = int(world.now())
    days = number(body, "days", 30, lo=0, cast=float)
    start = number(body, "from", now - int(days * DAY))
    end = number(body, "to", now)
    if end < start:
        raise ControlError("to must not be earlier than from")
    return start, end


def get_shop(world: World, shop_id: str) -> Shop:
    shop = world.shops.get(int(shop_id))
    if shop is None:
        raise ControlError(f"unknown shop {shop_id}", 404)
    return shop


def get_partner(world: World, body: dict, shop: Shop | None = None) -> Partner:
    partner_id = body.get("partner_id", shop.partner_id if shop else None)
    partner = world.partners.get(int(partner_id)) if partner_id is not None else None
    if partner is None:
        raise ControlError(f"unknown partner {partner_id}", 404)
    return partner


def get_seller(world: World, client_id: str) -> Seller:
    seller = world.sellers.get(int(client_id))
    if seller is None:
        raise ControlError(f"unknown seller {client_id}", 404)
    return seller
