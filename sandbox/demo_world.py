"""The demo world: fixed ids and keys the console's demo data and the mounted simulators share.

In demo mode (`SHOPCREW_DEMO`, as `bin/run` serves the console) the simulators live inside the console's
process, in memory, so they must know the demo partner, shops, Ozon sellers and robot keys from the start:
`install(world)` puts them there (SandboxConfig.ready() calls it). `manage.py seed_demo` creates the
matching console records (a Shopee app, Ozon keys, group robots) from the same constants, so the two sides
agree without talking to each other. Everything here is made-up demo data; the keys are not secrets.

Shop ids match the stores of `seed_demo` (a test checks it). An Ozon store's shop id is its seller's
Client-Id. Orders and postings are seeded with fixed RNG seeds: the same mix on every start, spread over
the last 30 days, plus some more dated in the coming week that appear as time passes.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from .state import DAY, World


def _token(label: str, length: int) -> str:
    return hashlib.sha256(f"shopcrew-demo:{label}".encode()).hexdigest()[:length]


def _uuid(label: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://shopcrew.invalid/demo/{label}"))


PARTNER_ID = 1_100_001
PARTNER_KEY = "shpk" + _token("partner", 60)
PARTNER_NAME = "ShopCrew Demo"


@dataclass(frozen=True)
class DemoShop:
    """A Shopee shop of the demo (shop_id as in seed_demo's STORES)."""

    shop_id: int
    region: str
    name: str


@dataclass(frozen=True)
class DemoSeller:
    """An Ozon seller of the demo: its Client-Id is the console store's shop id."""

    client_id: int
    api_key: str
    name: str


@dataclass(frozen=True)
class DemoRobot:
    """A WeCom group robot of the demo: its key, its name (店名-部门-用途), and where the console files it."""

    key: str
    name: str
    shop_id: str | None  # the console store's platform shop id; None: a company-wide group
    department: str


SHOPS = (
    DemoShop(220001, "SG", "Shopee 新加坡旗舰店"),
    DemoShop(220002, "MY", "Shopee 马来西亚店"),
    DemoShop(220003, "TH", "Shopee 泰国店"),
)

SELLERS = (
    DemoSeller(880001, _uuid("ozon-880001"), "Ozon 莫斯科店"),
    DemoSeller(880002, _uuid("ozon-880002"), "Ozon 俄罗斯二店"),
)

ROBOTS = (
    DemoRobot(_uuid("robot-sg-orders"), "新加坡旗舰店-客服部-新订单", "220001", "客服部"),
    DemoRobot(_uuid("robot-my-shipping"), "马来西亚店-仓储部-发货", "220002", "仓储部"),
    DemoRobot(_uuid("robot-th-after-sales"), "泰国店-客服部-售后", "220003", "客服部"),
    DemoRobot(_uuid("robot-msk-orders"), "莫斯科店-客服部-新订单", "880001", "客服部"),
    DemoRobot(_uuid("robot-company-daily"), "全公司-运营部-日报", None, "运营部"),
)

ORDERS_PAST = 300  # per shop / seller, over the last 30 days
ORDERS_COMING = 40  # per shop / seller, dated over the next 7 days: they appear as time passes


def install(world: World) -> bool:
    """Put the demo partner, shops (with orders, returns, items), sellers (with postings, returns, products)
    and robots into `world`. Does nothing when the demo partner is already there; returns whether it
    installed. Takes a fraction of a second.
    """
    from . import control_api as routes  # the control API's own route functions: same checks, same objects

    with world.lock:
        if PARTNER_ID in world.partners:
            return False
        now = int(world.now())
        past, coming = {"from": now - 30 * DAY, "to": now}, {"from": now + 60, "to": now + 7 * DAY}
        routes.partner_create(world, {"partner_id": PARTNER_ID, "partner_key": PARTNER_KEY, "name": PARTNER_NAME})
        for n, shop in enumerate(SHOPS, start=1):
            shop_id = str(shop.shop_id)
            routes.shop_create(
                world, {"shop_id": shop.shop_id, "region": shop.region, "name": shop.name, "partner_id": PARTNER_ID}
            )
            routes.shop_orders(world, {"count": ORDERS_PAST, "seed": 100 + n, **past}, shop_id)
            routes.shop_orders(world, {"count": ORDERS_COMING, "seed": 200 + n, **coming}, shop_id)
            routes.shop_returns(world, {"count": 8, "seed": 300 + n}, shop_id)
            routes.shop_items(world, {"count": 40, "seed": 400 + n, "stock_max": 60}, shop_id)
        for n, seller in enumerate(SELLERS, start=1):
            client_id = str(seller.client_id)
            routes.seller_create(
                world,
                {"client_id": seller.client_id, "api_key": seller.api_key, "roles": ["admin"], "name": seller.name},
            )
            routes.seller_postings(world, {"count": ORDERS_PAST, "scheme": "fbs", "seed": 500 + n, **past}, client_id)
            routes.seller_postings(
                world, {"count": ORDERS_PAST // 4, "scheme": "fbo", "seed": 600 + n, **past}, client_id
            )
            routes.seller_postings(
                world, {"count": ORDERS_COMING, "scheme": "fbs", "seed": 700 + n, **coming}, client_id
            )
            routes.seller_returns(world, {"count": 8, "seed": 800 + n}, client_id)
            routes.seller_products(world, {"count": 40, "seed": 900 + n, "stock_max": 60}, client_id)
        for robot in ROBOTS:
            routes.robot_create(world, {"key": robot.key, "name": robot.name})
    return True
