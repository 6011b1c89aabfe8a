"""The demo's live flow: the simulated shops keep producing orders, shipments and returns while the console runs.

`POST /control/demo/tick` (registered with the control API) adds, for each Shopee shop and Ozon seller:
- `orders` new orders / FBS postings (default 2) that appear within `within` seconds (default 60) and are paid
  (Shopee READY_TO_SHIP; Ozon awaiting_packaging) within that time too, then move on an accelerated plan: shipment
  arranged within minutes, the carrier's tracking number a few minutes later, shipped, and completed or (some)
  returned within the hour;
- `returns` returned orders / postings (default 1) whose return is requested within `within` seconds;
- each new Shopee order takes its quantities off the stock of the items it names, and `restock` (default 1)
  sold-out items per shop are stocked up again, so stock levels keep moving too;
then flushes the pushes of the shops' partners and sellers (`push/flush`), as the platforms would push.

Everything follows the simulated clock, so a test advances it instead of waiting. `seed` fixes the random
choices; `shops` / `sellers` (lists of ids) restrict it (default: every shop and seller in the world). In demo mode
the console's beat calls it every 20 seconds (sandbox.tasks.demo_tick). Nothing runs in the background here.
"""

from __future__ import annotations

import random

from . import push
from .seed import (
    FastRandom,
    _order_sn,
    _ozon_products_for,
    _tracking_number,
    ozon_warehouses,
)
from .shopee_objects import order_items
from .state import Order, OzonReturn, Posting, Seller, Shop, ShopeeReturn, World

MINUTE = 60
CANCEL_RATIO = 0.05
RETURN_RATIO = 0.08
COD_RATIO = 0.1


def _shopee_order(world: World, rng: random.Random, shop: Shop, paid: int, *, return_at: int | None = None) -> Order:
    """An order paid (READY_TO_SHIP) at `paid`, on the demo's accelerated plan; returned at `return_at` if given
    (it must come at least 20 minutes after `paid`), else by chance."""
    cod = rng.random() < COD_RATIO
    created = paid if cod else paid - rng.randint(10, 40)
    plan = [(created, "READY_TO_SHIP" if cod else "UNPAID")] + ([] if cod else [(paid, "READY_TO_SHIP")])
    r = 1.0 if return_at else rng.random()
    if r < CANCEL_RATIO:
        in_cancel = paid + rng.randint(MINUTE, 5 * MINUTE)
        plan += [(in_cancel, "IN_CANCEL"), (in_cancel + rng.randint(MINUTE, 5 * MINUTE), "CANCELLED")]
        return _order(world, rng, shop, created, plan, cod=cod, processed=None, tracking_at=None)
    processed = paid + rng.randint(2 * MINUTE, 6 * MINUTE)
    tracking_at = processed + rng.randint(MINUTE, 3 * MINUTE)
    shipped = tracking_at + rng.randint(2 * MINUTE, 8 * MINUTE)  # at most 17 minutes after paid
    plan += [(processed, "PROCESSED"), (shipped, "SHIPPED")]
    order = _order(world, rng, shop, created, plan, cod=cod, processed=processed, tracking_at=tracking_at)
    if return_at is None and r < CANCEL_RATIO + RETURN_RATIO:
        return_at = shipped + rng.randint(3 * MINUTE, 10 * MINUTE)
    if return_at is not None:
        _shopee_return(world, rng, shop, order, return_at)
    else:
        plan.append((shipped + rng.randint(30 * MINUTE, 90 * MINUTE), "COMPLETED"))
    return order


def _order(world, rng, shop: Shop, created: int, plan: list, *, cod, processed, tracking_at) -> Order:
    order = Order(
        sn=_order_sn(world, rng, created),
        shop_id=shop.shop_id,
        create_time=created,
        plan=plan,
        seed=rng.getrandbits(48),
        cod=cod,
        ship_at=processed,
        tracking_at=tracking_at,
        tracking_number=_tracking_number(rng, shop.region) if tracking_at else "",
    )
    shop.orders.append(order)
    shop.orders_by_sn[order.sn] = order
    return order


def _shopee_return(world: World, rng: random.Random, shop: Shop, order: Order, requested: int) -> None:
    """The order goes TO_RETURN at `requested`, with a return record REQUESTED → PROCESSING → ACCEPTED."""
    order.plan.append((requested, "TO_RETURN"))
    processing = requested + rng.randint(2 * MINUTE, 10 * MINUTE)
    ret = ShopeeReturn(
        return_sn=str(rng.randint(10**14, 10**15 - 1)),
        order_sn=order.sn,
        shop_id=shop.shop_id,
        create_time=requested,
        plan=[
            (requested, "REQUESTED"),
            (processing, "PROCESSING"),
            (processing + rng.randint(10 * MINUTE, 30 * MINUTE), "ACCEPTED"),
        ],
        seed=rng.getrandbits(48),
        tracking_at=processing,
        tracking_number=_tracking_number(rng, shop.region),
    )
    order.return_sn = ret.return_sn
    shop.returns.append(ret)
    shop.returns_by_sn[ret.return_sn] = ret


def _take_stock(shop: Shop, order: Order) -> None:
    """The order's quantities come off its items' (or models') stock."""
    for line in order_items(order, shop):
        item = shop.items.get(line["item_id"])
        if item is None:
            continue
        quantity = line["model_quantity_purchased"]
        model = next((m for m in item.models if m["model_id"] == line["model_id"]), None)
        if model is not None:
            model["stock"] = max(0, model["stock"] - quantity)
            model["reserved"] = min(model["reserved"], model["stock"])
        else:
            item.stock = max(0, item.stock - quantity)
            item.reserved = min(item.reserved, item.stock)
        item.update_time = max(item.update_time, order.create_time)


def _restock(rng: random.Random, shop: Shop, count: int, now: int) -> list[int]:
    sold_out = [
        item
        for item in shop.items.values()
        if (item.stock == 0 and not item.models) or any(m["stock"] == 0 for m in item.models)
    ]
    restocked = []
    for item in rng.sample(sold_out, k=min(count, len(sold_out))):
        for model in item.models:
            model["stock"] = model["stock"] or rng.randint(20, 60)
        if not item.models:
            item.stock = rng.randint(20, 60)
        item.update_time = now
        restocked.append(item.item_id)
    return restocked


def shopee_tick(world: World, rng: random.Random, shop: Shop, *, orders: int, returns: int, within: int, restock: int):
    """New orders paid within `within` seconds, returns requested within it, stock taken and restocked."""
    now = int(world.now())
    new = [_shopee_order(world, rng, shop, now + rng.randint(15, within)) for _ in range(orders)]
    returned = []
    for _ in range(returns):
        # Built backwards from the moment its return is requested: paid half an hour before, shipped since.
        return_at = now + rng.randint(1, within)
        returned.append(_shopee_order(world, rng, shop, return_at - 30 * MINUTE, return_at=return_at))
    for order in new:
        _take_stock(shop, order)
    shop.sort_orders()
    shop.returns.sort(key=lambda r: (r.create_time, r.return_sn))
    return {
        "orders": [o.sn for o in new],
        "returns": [o.return_sn for o in returned],
        "returned_orders": [o.sn for o in returned],
        "restocked": _restock(rng, shop, restock, now),
    }


def _ozon_posting(
    world: World, rng: random.Random, seller: Seller, start: int, *, return_at: int | None = None
) -> Posting:
    """An FBS posting awaiting packaging at `start` (TYPE_NEW_POSTING), on the demo's accelerated plan; returned
    at `return_at` if given (at least 80 minutes after `start`: delivered by then), else by chance."""
    plan = [(start, "awaiting_packaging", "posting_created")]
    tracking_at = delivered = None
    if return_at is None and rng.random() < CANCEL_RATIO:
        plan.append((start + rng.randint(MINUTE, 5 * MINUTE), "cancelled", "posting_canceled"))
    else:
        ship = start + rng.randint(3 * MINUTE, 8 * MINUTE)
        tracking_at = ship + rng.randint(MINUTE, 3 * MINUTE)
        delivering = tracking_at + rng.randint(2 * MINUTE, 8 * MINUTE)
        delivered = delivering + rng.randint(20 * MINUTE, 60 * MINUTE)  # at most 79 minutes after start
        plan += [
            (ship, "awaiting_deliver", "posting_awaiting_registration"),
            (tracking_at, "awaiting_deliver", "posting_registered"),
            (delivering, "delivering", "posting_on_way_to_city"),
            (delivered, "delivered", "posting_delivered"),
        ]
    order_number = f"{next(world.order_numbers)}-{rng.randint(1, 9999):04d}"
    posting_id = next(world.posting_ids)
    posting = Posting(
        posting_number=f"{order_number}-1",
        order_id=posting_id + 30_000_000_000,
        order_number=order_number,
        scheme="fbs",
        created_at=start - rng.randint(0, 30),
        in_process_at=start,
        plan=plan,
        seed=rng.getrandbits(48),
        shipment_date=start + rng.randint(86400, 2 * 86400),
        tracking_at=tracking_at,
        tracking_number=f"{rng.randint(10**13, 10**14 - 1)}" if tracking_at else "",
        warehouse_id=rng.choice(ozon_warehouses(seller))[0],
        products=_ozon_products_for(seller, rng),
        id=posting_id,
    )
    seller.postings.append(posting)
    seller.postings_by_number[posting.posting_number] = posting
    if return_at is None and delivered is not None and rng.random() < RETURN_RATIO:
        return_at = delivered + rng.randint(2 * MINUTE, 10 * MINUTE)
    if return_at is not None:
        seller.returns.append(_ozon_return(world, rng, posting, return_at))
    return posting


def _ozon_return(world: World, rng: random.Random, posting: Posting, start: int) -> OzonReturn:
    arrived = start + rng.randint(5 * MINUTE, 15 * MINUTE)
    return OzonReturn(
        id=next(world.return_ids),
        posting_number=posting.posting_number,
        order_id=posting.order_id,
        order_number=posting.order_number,
        schema="Fbs",
        created_at=start,
        plan=[
            (start, "MovingToOzon"),
            (arrived, "ArrivedAtReturnPlace"),
            (arrived + rng.randint(5 * MINUTE, 30 * MINUTE), "ReceivedBySeller"),
        ],
        seed=rng.getrandbits(48),
        product=posting.products[0],
        logistic_return_at=arrived,
        storage_start_at=arrived + 3 * 86400,
    )


def ozon_tick(world: World, rng: random.Random, seller: Seller, *, orders: int, returns: int, within: int):
    """New FBS postings awaiting packaging within `within` seconds, returns requested within it, stock taken."""
    now = int(world.now())
    new = [_ozon_posting(world, rng, seller, now + rng.randint(15, within)) for _ in range(orders)]
    returned = []
    for _ in range(returns):
        return_at = now + rng.randint(1, within)
        posting = _ozon_posting(world, rng, seller, return_at - 90 * MINUTE, return_at=return_at)
        returned.append((seller.returns[-1].id, posting.posting_number))
    for posting in new:
        for sku, _offer, _name, quantity, _price in posting.products:
            product = next((p for p in seller.products if p.fbs_sku == sku), None)
            if product is not None:
                product.fbs_present = max(0, product.fbs_present - quantity)
                product.fbs_reserved = min(product.fbs_reserved, product.fbs_present)
    seller.postings.sort(key=lambda p: (p.in_process_at, p.id))
    seller.returns.sort(key=lambda r: r.id)
    return {
        "postings": [p.posting_number for p in new],
        "returns": [return_id for return_id, _ in returned],
        "returned_postings": [number for _, number in returned],
    }


def tick(world: World, *, shops: list, sellers: list, orders: int, returns: int, within: int, restock: int, seed):
    """One tick over the given shops and sellers (under the world lock), then their pushes flushed (without it,
    as push_flush does: a receiver may call the simulators back). Returns what was made and what was pushed."""
    rng = FastRandom(seed)
    with world.lock:
        shopee = {
            str(s.shop_id): shopee_tick(world, rng, s, orders=orders, returns=returns, within=within, restock=restock)
            for s in shops
        }
        ozon = {
            str(s.client_id): ozon_tick(world, rng, s, orders=orders, returns=returns, within=within) for s in sellers
        }
        partners = {s.partner_id for s in shops if s.partner_id is not None}
        partners |= {pid for (pid, sid) in world.authorizations if sid in {s.shop_id for s in shops}}
        now = world.now()
    pushed = {
        "shopee": push.shopee_flush(world, partners) if partners else {},
        "ozon": push.ozon_flush(world, {s.client_id for s in sellers}) if sellers else {},
    }
    return {"now": now, "shopee": shopee, "ozon": ozon, "push": pushed}
