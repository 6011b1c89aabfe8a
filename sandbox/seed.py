"""Fast generators of orders, postings, returns, items and stock (10,000 orders well under a second).

Each generated row keeps only what its plan needs plus an RNG seed; the full objects the APIs return
are rebuilt from that seed on every call, so seeding stays cheap and answers stay stable.
"""

import random
import string
from datetime import UTC, datetime, timedelta, timezone

from .state import (
    DAY,
    Item,
    Order,
    OzonReturn,
    Posting,
    Product,
    Seller,
    Shop,
    ShopeeReturn,
    World,
)

HOUR = 3600
ALNUM = string.ascii_uppercase + string.digits
UTC8 = timezone(timedelta(hours=8))
ITEM_BASE = 3_000_000_000
PRODUCT_BASE = 700_000_000
SKU_BASE = 1_500_000_000


class FastRandom(random.Random):
    """random.Random whose randint skips the generic (slow) range checks; seeding 10,000 orders stays < 1 s."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))


_DATES: dict[int, str] = {}


def _order_sn(world: World, rng: random.Random, created: int) -> str:
    """6-digit creation date (UTC+8) and 8 upper-case alphanumerics, unique in the world."""
    day = (created + 8 * 3600) // DAY
    date = _DATES.get(day)
    if date is None:
        date = _DATES[day] = datetime.fromtimestamp(created, UTC8).strftime("%y%m%d")
    while True:
        number, chars = rng.getrandbits(42), []
        for _ in range(8):
            number, digit = divmod(number, 36)
            chars.append(ALNUM[digit])
        sn = date + "".join(chars)
        if sn not in world.order_sns:
            world.order_sns.add(sn)
            return sn


def _tracking_number(rng: random.Random, region: str) -> str:
    return f"{region}{rng.randint(10**11, 10**12 - 1)}{('IT', 'XT', 'ST', 'VN')[rng.getrandbits(2)]}"


def _shopee_plan(
    rng: random.Random, created: int, *, cod: bool, cancel_ratio: float, return_ratio: float, returned: bool
) -> tuple[list, int | None, int | None, int | None]:
    """(plan, processed_at, tracking_at, to_return_at) for one order."""
    r = rng.random() if not returned else 1.0
    plan = [(created, "READY_TO_SHIP" if cod else "UNPAID")]
    paid = created
    if not cod:
        if r < cancel_ratio / 2:
            plan.append((created + rng.randint(HOUR // 2, DAY), "CANCELLED"))
            return plan, None, None, None
        paid = created + rng.randint(60, HOUR)
        plan.append((paid, "READY_TO_SHIP"))
    if r < cancel_ratio:
        in_cancel = paid + rng.randint(HOUR, 12 * HOUR)
        plan += [(in_cancel, "IN_CANCEL"), (in_cancel + rng.randint(600, DAY), "CANCELLED")]
        return plan, None, None, None
    processed = paid + rng.randint(HOUR // 2, DAY)
    tracking_at = processed + rng.randint(600, 3 * HOUR)
    shipped = tracking_at + rng.randint(HOUR, DAY)
    plan += [(processed, "PROCESSED"), (shipped, "SHIPPED")]
    if returned or r < cancel_ratio + return_ratio:
        to_return = shipped + rng.randint(2 * DAY, 6 * DAY)
        plan.append((to_return, "TO_RETURN"))
        return plan, processed, tracking_at, to_return
    plan.append((shipped + rng.randint(2 * DAY, 7 * DAY), "COMPLETED"))
    return plan, processed, tracking_at, None


def _return_plan(rng: random.Random, start: int) -> tuple[list, int]:
    plan = [(start, "REQUESTED")]
    r = rng.random()
    if r < 0.1:
        plan.append((start + rng.randint(HOUR, 2 * DAY), "CANCELLED"))
        return plan, start + 2 * DAY
    if r < 0.2:
        dispute = start + rng.randint(DAY, 3 * DAY)
        plan += [
            (dispute, "SELLER_DISPUTE"),
            (dispute + rng.randint(HOUR, DAY), "JUDGING"),
            (dispute + rng.randint(2 * DAY, 5 * DAY), rng.choice(("ACCEPTED", "CLOSED"))),
        ]
        return plan, start + rng.randint(HOUR, DAY)
    processing = start + rng.randint(HOUR, 2 * DAY)
    plan += [(processing, "PROCESSING"), (processing + rng.randint(2 * DAY, 6 * DAY), "ACCEPTED")]
    return plan, processing


def shopee_orders(
    world: World,
    shop: Shop,
    *,
    count: int,
    time_from: int,
    time_to: int,
    seed: int | None = None,
    cancel_ratio: float = 0.08,
    return_ratio: float = 0.06,
    cod_ratio: float = 0.1,
    returned: bool = False,
) -> list[Order]:
    """Create `count` orders with create_time spread over [time_from, time_to] (future times appear later)."""
    rng = FastRandom(seed)
    created_orders = []
    for _ in range(count):
        created = rng.randint(time_from, time_to)
        cod = rng.random() < cod_ratio
        plan, processed, tracking_at, to_return = _shopee_plan(
            rng, created, cod=cod, cancel_ratio=cancel_ratio, return_ratio=return_ratio, returned=returned
        )
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
        if to_return is not None:
            return_plan, tracking = _return_plan(rng, to_return)
            ret = ShopeeReturn(
                return_sn=str(rng.randint(10**14, 10**15 - 1)),
                order_sn=order.sn,
                shop_id=shop.shop_id,
                create_time=to_return,
                plan=return_plan,
                seed=rng.getrandbits(48),
                tracking_at=tracking,
                tracking_number=_tracking_number(rng, shop.region),
            )
            order.return_sn = ret.return_sn
            shop.returns.append(ret)
            shop.returns_by_sn[ret.return_sn] = ret
        shop.orders.append(order)
        shop.orders_by_sn[order.sn] = order
        created_orders.append(order)
    shop.sort_orders()
    shop.returns.sort(key=lambda r: (r.create_time, r.return_sn))
    return created_orders


def shopee_items(
    world: World,
    shop: Shop,
    *,
    count: int,
    now: float,
    seed: int | None = None,
    model_ratio: float = 0.3,
    stock_min: int = 0,
    stock_max: int = 200,
) -> list[Item]:
    """Create `count` items; about `model_ratio` of them have 2..4 models, each with its own stock."""
    rng = FastRandom(seed)
    items = []
    for _ in range(count):
        item_id = ITEM_BASE + next(world.ids)
        created = int(now) - rng.randint(DAY, 200 * DAY)
        price = round(rng.uniform(5, 500), 2)
        models = []
        if rng.random() < model_ratio:
            for index in range(rng.randint(2, 4)):
                stock = rng.randint(stock_min, stock_max)
                models.append(
                    {
                        "model_id": ITEM_BASE + next(world.ids),
                        "model_sku": f"SKU-{item_id}-{index}",
                        "name": ("Red", "Blue", "Black", "White")[index],
                        "price": price,
                        "stock": stock,
                        "reserved": rng.randint(0, min(stock, 5)),
                        "tier_index": [index],
                    }
                )
        stock = rng.randint(stock_min, stock_max)
        item = Item(
            item_id=item_id,
            name=f"Sample item {item_id % 100000}",
            sku=f"SKU-{item_id}",
            status="NORMAL",
            create_time=created,
            update_time=created + rng.randint(0, DAY),
            price=price,
            models=models,
            stock=stock,
            reserved=rng.randint(0, min(stock, 5)),
        )
        shop.items[item_id] = item
        items.append(item)
    return items


def ozon_warehouses(seller: Seller) -> list:
    if not seller.warehouses:
        base = 1_020_000_000_000 + seller.client_id % 1_000_000 * 10
        seller.warehouses = [(base + 1, "Склад Москва"), (base + 2, "Склад Казань")]
    return seller.warehouses


def _fbs_plan(rng, start: int, *, cancel_ratio: float, returned: bool) -> tuple[list, int | None, int | None]:
    """(plan, tracking_at, delivered_at) for an FBS posting."""
    plan = [(start, "awaiting_packaging", "posting_created")]
    if not returned and rng.random() < cancel_ratio:
        plan.append((start + rng.randint(HOUR, DAY), "cancelled", "posting_canceled"))
        return plan, None, None
    ship = start + rng.randint(HOUR, 36 * HOUR)
    tracking_at = ship + rng.randint(600, 3 * HOUR)
    delivering = tracking_at + rng.randint(2 * HOUR, DAY)
    delivered = delivering + rng.randint(DAY, 5 * DAY)
    plan += [
        (ship, "awaiting_deliver", "posting_awaiting_registration"),
        (tracking_at, "awaiting_deliver", "posting_registered"),
        (delivering, "delivering", "posting_on_way_to_city"),
        (delivered, "delivered", "posting_delivered"),
    ]
    return plan, tracking_at, delivered


def _fbo_plan(rng, start: int, *, cancel_ratio: float, returned: bool) -> tuple[list, int | None, int | None]:
    plan = [(start, "awaiting_packaging", "posting_created")]
    if not returned and rng.random() < cancel_ratio:
        plan.append((start + rng.randint(HOUR, DAY), "cancelled", "posting_canceled"))
        return plan, None, None
    packing = start + rng.randint(HOUR, 12 * HOUR)
    delivering = packing + rng.randint(2 * HOUR, DAY)
    delivered = delivering + rng.randint(DAY, 5 * DAY)
    plan += [
        (packing, "awaiting_deliver", "posting_packing"),
        (delivering, "delivering", "posting_transferring_to_delivery"),
        (delivered, "delivered", "posting_delivered"),
    ]
    return plan, None, delivered


def _ozon_products_for(seller: Seller, rng) -> list:
    if seller.products:
        picks = rng.sample(seller.products, k=min(len(seller.products), rng.randint(1, 2)))
        return [(p.fbs_sku, p.offer_id, p.name, rng.randint(1, 3), round(rng.uniform(300, 15000), 0)) for p in picks]
    sku = SKU_BASE + rng.randint(1, 999_999)
    return [(sku, f"OFF-{sku}", f"Товар {sku % 10000}", rng.randint(1, 3), round(rng.uniform(300, 15000), 0))]


def ozon_postings(
    world: World,
    seller: Seller,
    *,
    count: int,
    time_from: int,
    time_to: int,
    scheme: str = "fbs",
    seed: int | None = None,
    cancel_ratio: float = 0.08,
    return_ratio: float = 0.05,
    returned: bool = False,
) -> list[Posting]:
    """Create `count` FBS or FBO postings with in_process_at spread over [time_from, time_to]."""
    rng = FastRandom(seed)
    warehouses = ozon_warehouses(seller)
    make_plan = _fbs_plan if scheme == "fbs" else _fbo_plan
    created = []
    for _ in range(count):
        start = rng.randint(time_from, time_to)
        is_returned = returned or rng.random() < return_ratio
        plan, tracking_at, delivered = make_plan(rng, start, cancel_ratio=cancel_ratio, returned=is_returned)
        order_number = f"{next(world.order_numbers)}-{rng.randint(1, 9999):04d}"
        posting_id = next(world.posting_ids)
        posting = Posting(
            posting_number=f"{order_number}-1",
            order_id=posting_id + 30_000_000_000,
            order_number=order_number,
            scheme=scheme,
            created_at=start - rng.randint(0, 600),
            in_process_at=start,
            plan=plan,
            seed=rng.getrandbits(48),
            shipment_date=start + rng.randint(DAY, 2 * DAY),
            tracking_at=tracking_at,
            tracking_number=f"{rng.randint(10**13, 10**14 - 1)}" if tracking_at else "",
            warehouse_id=rng.choice(warehouses)[0],
            products=_ozon_products_for(seller, rng),
            id=posting_id,
        )
        seller.postings.append(posting)
        seller.postings_by_number[posting.posting_number] = posting
        if is_returned and delivered is not None:
            seller.returns.append(_ozon_return(world, rng, posting, delivered))
        created.append(posting)
    seller.postings.sort(key=lambda p: (p.in_process_at, p.id))
    seller.returns.sort(key=lambda r: r.id)
    return created


def _ozon_return(world: World, rng, posting: Posting, delivered: int) -> OzonReturn:
    start = delivered + rng.randint(DAY, 10 * DAY)
    arrived = start + rng.randint(DAY, 4 * DAY)
    plan = [
        (start, "MovingToOzon"),
        (arrived, "ArrivedAtReturnPlace"),
        (arrived + rng.randint(HOUR, 3 * DAY), "ReceivedBySeller"),
    ]
    return OzonReturn(
        id=next(world.return_ids),
        posting_number=posting.posting_number,
        order_id=posting.order_id,
        order_number=posting.order_number,
        schema=posting.scheme.capitalize(),
        created_at=start,
        plan=plan,
        seed=rng.getrandbits(48),
        product=posting.products[0],
        logistic_return_at=arrived,
        storage_start_at=arrived + 3 * DAY,
    )


def ozon_products(
    world: World, seller: Seller, *, count: int, seed: int | None = None, stock_min: int = 0, stock_max: int = 200
) -> list[Product]:
    rng = FastRandom(seed)
    warehouses = ozon_warehouses(seller)
    products = []
    for _ in range(count):
        product_id = PRODUCT_BASE + next(world.ids)
        fbs = rng.randint(stock_min, stock_max)
        fbo = rng.randint(stock_min, stock_max)
        product = Product(
            product_id=product_id,
            offer_id=f"OFF-{product_id}",
            name=f"Товар {product_id % 100000}",
            fbs_sku=SKU_BASE + product_id % 1_000_000_000,
            fbo_sku=SKU_BASE * 2 + product_id % 10**9,
            fbs_present=fbs,
            fbs_reserved=rng.randint(0, min(fbs, 5)),
            fbo_present=fbo,
            fbo_reserved=rng.randint(0, min(fbo, 5)),
            warehouse_id=rng.choice(warehouses)[0],
        )
        seller.products.append(product)
        products.append(product)
    seller.products.sort(key=lambda p: p.product_id)
    return products


def iso(ts: float | None) -> str | None:
    """RFC 3339 UTC with a Z, as Ozon writes dates."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value) -> float:
    """Seconds since the epoch from an RFC 3339 string; raise ValueError otherwise."""
    if not isinstance(value, str) or not value:
        raise ValueError("expected an RFC 3339 date-time string")
    parsed = datetime.fromisoformat(value.replace("z", "Z"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()
