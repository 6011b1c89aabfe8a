"""Control API, push emitters (sandbox/push.py): Shopee partners' and Ozon sellers' subscriptions, one push
emitted for an order or a posting, a flush of everything pending, and the demo tick that keeps the shops
producing; these routes take the world lock themselves (`UNLOCKED_ROUTES`).
"""

from .. import demo_flow, push
from ..state import World
from .base import ControlError, get_partner, get_seller, get_shop, number, route


def push_body_numbers(body: dict) -> None:
    if "timeout" in body:
        number(body, "timeout", lo=0.01, hi=300, cast=float)
    if "suspend_after" in body:
        number(body, "suspend_after", lo=0)


@route("POST", r"shopee/partners/(?P<partner_id>\d+)/push")
def shopee_push_set(world: World, body: dict, partner_id: str) -> dict:
    """Subscribe the partner: {"callback_url", "push_key" (default: the partner key), "timeout" (default 5)}."""
    partner = get_partner(world, {"partner_id": partner_id})
    push_body_numbers(body)
    return push.shopee_subscribe(world, partner.partner_id, body)


@route("GET", r"shopee/partners/(?P<partner_id>\d+)/push")
def shopee_push_get(world: World, body: dict, partner_id: str) -> dict:
    partner = get_partner(world, {"partner_id": partner_id})
    return push.shopee_summary(world, partner.partner_id)


@route("POST", r"shopee/partners/(?P<partner_id>\d+)/push/emit")
def shopee_push_emit(world: World, body: dict, partner_id: str) -> dict:
    """Queue one push for an order as it stands now (code 3, or 4 for its tracking number), then flush."""
    with world.lock:
        partner = get_partner(world, {"partner_id": partner_id})
        if partner.partner_id not in world.shopee_push:
            raise ControlError(f"partner {partner_id} has no push subscription", 404)
        shop = get_shop(world, str(number(body, "shop_id")))
        order = shop.orders_by_sn.get(str(body.get("order_sn", "")))
        if order is None:
            raise ControlError(f"unknown order {body.get('order_sn')}", 404)
        code = number(body, "code", 3)
        now = world.now()
        if code == 3:
            update_time, status = order.step(now)
            data = push.order_status_data(order, str(body.get("status", status)), int(update_time))
        elif code == 4:
            data = push.tracking_data(order)
        else:
            raise ControlError("code must be 3 or 4")
        message = push.shopee_add(world, partner.partner_id, shop.shop_id, code, int(now), data)
    return {"message_id": message.id, **push.shopee_flush(world, {partner.partner_id})}


@route("POST", r"ozon/sellers/(?P<client_id>\d+)/push")
def ozon_push_set(world: World, body: dict, client_id: str) -> dict:
    """Subscribe (or re-confirm, which resumes a suspended one): {"url", "timeout" (5), "suspend_after" (5)}."""
    seller = get_seller(world, client_id)
    push_body_numbers(body)
    return push.ozon_subscribe(world, seller, body)


@route("GET", r"ozon/sellers/(?P<client_id>\d+)/push")
def ozon_push_get(world: World, body: dict, client_id: str) -> dict:
    return push.ozon_summary(world, get_seller(world, client_id).client_id)


@route("POST", r"ozon/sellers/(?P<client_id>\d+)/push/ping")
def ozon_push_ping(world: World, body: dict, client_id: str) -> dict:
    with world.lock:
        seller = get_seller(world, client_id)
    try:
        return push.ozon_ping(world, seller.client_id)
    except LookupError as exc:
        raise ControlError(str(exc), 404) from None


@route("POST", r"ozon/sellers/(?P<client_id>\d+)/push/emit")
def ozon_push_emit(world: World, body: dict, client_id: str) -> dict:
    """Queue one notification for a posting as it stands now, then flush the seller's queue."""
    with world.lock:
        seller = get_seller(world, client_id)
        try:
            queued = push.ozon_emit(world, seller, body)
        except (LookupError, KeyError) as exc:
            raise ControlError(str(exc).strip("'"), 404) from None
        except ValueError as exc:
            raise ControlError(str(exc)) from None
    return {"id": queued.id, **push.ozon_flush(world, {seller.client_id})}


@route("POST", "push/flush")
def push_flush(world: World, body: dict) -> dict:
    """Find the status changes up to the simulated now and deliver everything pending (or failed before).

    {"service": "shopee" | "ozon" (default both), "target": partner_id / Client-Id (default all)}."""
    service = body.get("service")
    if service not in (None, "shopee", "ozon"):
        raise ControlError('service must be "shopee" or "ozon"')
    targets = {number(body, "target")} if body.get("target") is not None else None
    answer = {}
    if service in (None, "shopee"):
        answer["shopee"] = push.shopee_flush(world, targets)
    if service in (None, "ozon"):
        answer["ozon"] = push.ozon_flush(world, targets)
    return answer


@route("POST", "demo/tick")
def demo_tick(world: World, body: dict) -> dict:
    """Keep the shops producing (sandbox/demo_flow.py): {"orders": 2, "returns": 1, "within": 60, "restock": 1,
    "seed", "shops": [shop ids], "sellers": [Client-Ids]} (shops and sellers default to all), then push."""
    if not all(isinstance(body.get(name, []), list) for name in ("shops", "sellers")):
        raise ControlError("shops and sellers must be lists of ids")
    try:
        with world.lock:
            shops = [get_shop(world, str(int(i))) for i in body.get("shops", world.shops)]
            sellers = [get_seller(world, str(int(i))) for i in body.get("sellers", world.sellers)]
    except (TypeError, ValueError):
        raise ControlError("shops and sellers must be lists of ids") from None
    return demo_flow.tick(
        world,
        shops=shops,
        sellers=sellers,
        orders=number(body, "orders", 2, lo=0, hi=1000),
        returns=number(body, "returns", 1, lo=0, hi=1000),
        within=number(body, "within", 60, lo=15, hi=86400),
        restock=number(body, "restock", 1, lo=0, hi=1000),
        seed=body.get("seed"),
    )


# Routes that POST to receivers: they take the world lock themselves and never hold it while sending.
UNLOCKED_ROUTES = {shopee_push_emit, ozon_push_ping, ozon_push_emit, push_flush, demo_tick}
