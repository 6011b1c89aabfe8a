"""Control API, Shopee: partners and shops, a shop's consent code and tokens (or their revocation), seeded
orders, returns and items, one order's state, stock changes, and the shop's ads (sandbox/shopee_ads/): a
summary, a spend spike and a campaign's status or budget.
"""

import secrets

from .. import seed
from ..shopee import issue_code, issue_tokens, revoke_shop
from ..state import DAY, Partner, Shop, World
from .base import ControlError, get_partner, get_shop, number, route, time_range


@route("POST", "shopee/partners")
def partner_create(world: World, body: dict) -> dict:
    partner_id = number(body, "partner_id", 2_000_000 + next(world.ids), lo=1, hi=4294967295)
    key = body.get("partner_key") or "shpk" + secrets.token_hex(28)
    world.partners[partner_id] = Partner(partner_id=partner_id, partner_key=str(key), name=body.get("name", ""))
    return {"partner_id": partner_id, "partner_key": key, "name": body.get("name", "")}


@route("POST", "shopee/shops")
def shop_create(world: World, body: dict) -> dict:
    shop_id = number(body, "shop_id", 10_000_000 + next(world.ids), lo=1, hi=4294967295)
    partner_id = body.get("partner_id")
    if partner_id is not None and int(partner_id) not in world.partners:
        raise ControlError(f"unknown partner {partner_id}", 404)
    shop = world.shops.get(shop_id) or Shop(shop_id=shop_id, region="SG", name=f"Shop {shop_id}")
    shop.region = str(body.get("region", shop.region)).upper()
    shop.name = body.get("name", shop.name)
    shop.partner_id = int(partner_id) if partner_id is not None else shop.partner_id
    world.shops[shop_id] = shop
    return shop_summary(world, shop)


def shop_summary(world: World, shop: Shop) -> dict:
    return {
        "shop_id": shop.shop_id,
        "region": shop.region,
        "name": shop.name,
        "partner_id": shop.partner_id,
        "orders": len(shop.orders),
        "returns": len(shop.returns),
        "items": len(shop.items),
        "authorizations": [
            {
                "partner_id": a.partner_id,
                "authorized_at": a.authorized_at,
                "expires_at": a.expires_at,
                "cancelled": a.cancelled,
            }
            for (_, sid), a in world.authorizations.items()
            if sid == shop.shop_id
        ],
    }


@route("GET", r"shopee/shops/(?P<shop_id>\d+)")
def shop_get(world: World, body: dict, shop_id: str) -> dict:
    return shop_summary(world, get_shop(world, shop_id))


@route("POST", r"shopee/shops/(?P<shop_id>\d+)/code")
def shop_code(world: World, body: dict, shop_id: str) -> dict:
    shop = get_shop(world, shop_id)
    partner = get_partner(world, body, shop)
    code = issue_code(world, partner_id=partner.partner_id, shop_id=shop.shop_id, days=body.get("days"))
    return {"code": code, "shop_id": shop.shop_id, "partner_id": partner.partner_id}


@route("POST", r"shopee/shops/(?P<shop_id>\d+)/tokens")
def shop_tokens(world: World, body: dict, shop_id: str) -> dict:
    shop = get_shop(world, shop_id)
    partner = get_partner(world, body, shop)
    code = issue_code(world, partner_id=partner.partner_id, shop_id=shop.shop_id, days=body.get("days"))
    world.codes[code].used = True
    tokens = issue_tokens(world, partner_id=partner.partner_id, shop_id=shop.shop_id)
    return {"shop_id": shop.shop_id, "partner_id": partner.partner_id, **tokens}


@route("POST", r"shopee/shops/(?P<shop_id>\d+)/deauthorize")
def shop_deauthorize(world: World, body: dict, shop_id: str) -> dict:
    shop = get_shop(world, shop_id)
    partner = get_partner(world, body, shop)
    revoke_shop(world, partner_id=partner.partner_id, shop_id=shop.shop_id)
    return {"ok": True}


def ratios(body: dict, **defaults) -> dict:
    return {name: number(body, name, default, lo=0, hi=1, cast=float) for name, default in defaults.items()}


@route("POST", r"shopee/shops/(?P<shop_id>\d+)/orders")
def shop_orders(world: World, body: dict, shop_id: str) -> dict:
    shop = get_shop(world, shop_id)
    start, end = time_range(world, body)
    orders = seed.shopee_orders(
        world,
        shop,
        count=number(body, "count", 10, lo=0, hi=200_000),
        time_from=start,
        time_to=end,
        seed=body.get("seed"),
        **ratios(body, cancel_ratio=0.08, return_ratio=0.06, cod_ratio=0.1),
    )
    return {"created": len(orders), "order_sns": [o.sn for o in orders]}


@route("POST", r"shopee/shops/(?P<shop_id>\d+)/returns")
def shop_returns(world: World, body: dict, shop_id: str) -> dict:
    """Orders that are (or will be, as the clock moves) returned, each with its return record."""
    shop = get_shop(world, shop_id)
    now = int(world.now())
    start, end = time_range(world, {"from": now - 20 * DAY, "to": now - 10 * DAY, **body})
    orders = seed.shopee_orders(
        world,
        shop,
        count=number(body, "count", 10, lo=0, hi=100_000),
        time_from=start,
        time_to=end,
        seed=body.get("seed"),
        cod_ratio=0,
        cancel_ratio=0,
        return_ratio=1,
        returned=True,
    )
    return {"created": len(orders), "order_sns": [o.sn for o in orders], "return_sns": [o.return_sn for o in orders]}


@route("GET", r"shopee/shops/(?P<shop_id>\d+)/orders/(?P<sn>\w+)")
def shop_order(world: World, body: dict, shop_id: str, sn: str) -> dict:
    shop = get_shop(world, shop_id)
    order = shop.orders_by_sn.get(sn)
    if order is None:
        raise ControlError(f"unknown order {sn}", 404)
    now = world.now()
    update_time, status = order.step(now)
    return {
        "order_sn": order.sn,
        "status": status,
        "create_time": order.create_time,
        "update_time": update_time,
        "plan": order.plan,
        "tracking_at": order.tracking_at,
        "tracking_number": order.tracking_number,
        "return_sn": order.return_sn,
    }


@route("POST", r"shopee/shops/(?P<shop_id>\d+)/items")
def shop_items(world: World, body: dict, shop_id: str) -> dict:
    shop = get_shop(world, shop_id)
    items = seed.shopee_items(
        world,
        shop,
        count=number(body, "count", 10, lo=0, hi=100_000),
        now=world.now(),
        seed=body.get("seed"),
        model_ratio=number(body, "model_ratio", 0.3, lo=0, hi=1, cast=float),
        stock_min=number(body, "stock_min", 0, lo=0),
        stock_max=number(body, "stock_max", 200, lo=0),
    )
    return {
        "created": len(items),
        "items": [
            {"item_id": i.item_id, "has_model": bool(i.models), "model_ids": [m["model_id"] for m in i.models]}
            for i in items
        ],
    }


@route("POST", r"shopee/shops/(?P<shop_id>\d+)/stock")
def shop_stock(world: World, body: dict, shop_id: str) -> dict:
    """Set one item's (or one model's) stock; the item's update_time moves to now."""
    shop = get_shop(world, shop_id)
    item = shop.items.get(number(body, "item_id"))
    if item is None:
        raise ControlError("unknown item_id", 404)
    stock, reserved = number(body, "stock", lo=0), number(body, "reserved", 0, lo=0)
    target = item
    if body.get("model_id") is not None:
        target = next((m for m in item.models if m["model_id"] == int(body["model_id"])), None)
        if target is None:
            raise ControlError("unknown model_id", 404)
        target.update(stock=stock, reserved=reserved)
    else:
        item.stock, item.reserved = stock, reserved
    item.update_time = int(world.now())
    if body.get("status"):
        item.status = body["status"]
    return {"ok": True}


# --- Shopee Ads (sandbox/shopee_ads/) -------------------------------------------------------------------


@route("GET", r"shopee/shops/(?P<shop_id>\d+)/ads")
def shop_ads_get(world: World, body: dict, shop_id: str) -> dict:
    from .. import shopee_ads

    return shopee_ads.summary(world, get_shop(world, shop_id))


@route("POST", r"shopee/shops/(?P<shop_id>\d+)/ads/spike")
def shop_ads_spike(world: World, body: dict, shop_id: str) -> dict:
    """{"factor": 4}: today's remaining spend, the current hour's included, multiplied."""
    from .. import shopee_ads

    return shopee_ads.spike(world, get_shop(world, shop_id), number(body, "factor", lo=0, hi=1000, cast=float))


@route("POST", r"shopee/shops/(?P<shop_id>\d+)/ads/campaigns/(?P<campaign_id>\d+)")
def shop_ads_campaign(world: World, body: dict, shop_id: str, campaign_id: str) -> dict:
    """{"campaign_status": "paused", "campaign_budget": 100.0} (either or both), from now on."""
    from .. import shopee_ads

    try:
        return shopee_ads.campaign_set(world, get_shop(world, shop_id), int(campaign_id), body)
    except KeyError:
        raise ControlError(f"unknown campaign {campaign_id}", 404) from None
    except ValueError as exc:
        raise ControlError(str(exc)) from None
