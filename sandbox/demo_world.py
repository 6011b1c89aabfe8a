"""The demo world in the simulators: the partner, shops, Ozon sellers and robot keys the console's demo data
uses too.

In demo mode (`SHOPCREW_DEMO`, as `bin/run` serves the console) the simulators live inside the console's
process, in memory, so they must know the demo partner, shops, Ozon sellers and robot keys from the start:
`install(world)` puts them there (SandboxConfig.ready() calls it). Both sides read the same data file,
settings.SHOPCREW_DEMO_WORLD (config/demo_world.json): `manage.py seed_demo` creates the matching console
records (stores, a Shopee app, Ozon keys, group robots) from it, so the two sides agree without importing
each other. Everything in it is made-up demo data; the keys are not secrets.

An Ozon store's shop id is its seller's Client-Id. Orders and postings are seeded with fixed RNG seeds: the
same mix on every start, spread over the last 30 days, plus some more dated in the coming week that appear
as time passes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .state import DAY, World

# Next to the console's settings in this repository; SHOPCREW_DEMO_WORLD names it where Django is configured.
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "demo_world.json"


@dataclass(frozen=True)
class DemoShop:
    """A Shopee shop of the demo."""

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


def _read() -> dict:
    path = getattr(settings, "SHOPCREW_DEMO_WORLD", None) if settings.configured else None
    return json.loads(Path(path or DEFAULT_PATH).read_text(encoding="utf-8"))


_DATA = _read()
PARTNER_ID: int = _DATA["shopee_partner"]["partner_id"]
PARTNER_KEY: str = _DATA["shopee_partner"]["partner_key"]
PARTNER_NAME: str = _DATA["shopee_partner"]["name"]
SHOPS = tuple(DemoShop(int(s["shop_id"]), s["site"], s["name"]) for s in _DATA["stores"] if s["platform"] == "shopee")
SELLERS = tuple(
    DemoSeller(int(s["shop_id"]), s["api_key"], s["name"]) for s in _DATA["stores"] if s["platform"] == "ozon"
)
ROBOTS = tuple(DemoRobot(r["key"], r["name"], r["shop_id"], r["department"]) for r in _DATA["robots"])
WECOM_CORP: dict = _DATA.get("wecom") or {}  # the demo corp of the WeCom server API simulator

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
        if WECOM_CORP:
            routes.wecom_corp_set(world, _wecom_corp(WECOM_CORP))
    return True


def _wecom_corp(corp: dict) -> dict:
    """The demo corp for the WeCom server API simulator: the app (QR sign-in, directory reads) and contacts-sync
    secrets, the departments and the members (the demo staff, by WeCom userid)."""
    return {
        "corpid": corp["corpid"],
        "name": corp["name"],
        "secrets": {
            corp["app_secret"]: {"kind": "app", "agentid": corp["agent_id"], "visible": [1]},
            corp["contacts_secret"]: {"kind": "contacts"},
        },
        "departments": corp["departments"],
        "members": corp["members"],
    }
