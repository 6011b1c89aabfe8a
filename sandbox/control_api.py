"""The control API: JSON over HTTP to set up the simulated world, move its clock and break it on purpose.

Documented with curl examples in sandbox/README.md. Errors answer `{"error": "..."}` with 400 or 404.
"""

import re
import secrets
import uuid
from collections.abc import Callable

from django.views.decorators.csrf import csrf_exempt

from . import demo_flow, push, seed, wecom_server
from .http import json_response, parse_json, read_body
from .shopee import issue_code, issue_tokens, revoke_shop
from .state import DAY, Partner, Robot, Seller, Shop, World, get_world


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


# --- world ----------------------------------------------------------------------------------------------


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


# --- Shopee ---------------------------------------------------------------------------------------------


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


# --- Shopee Ads (sandbox/shopee_ads.py) -----------------------------------------------------------------


@route("GET", r"shopee/shops/(?P<shop_id>\d+)/ads")
def shop_ads_get(world: World, body: dict, shop_id: str) -> dict:
    from . import shopee_ads

    return shopee_ads.summary(world, get_shop(world, shop_id))


@route("POST", r"shopee/shops/(?P<shop_id>\d+)/ads/spike")
def shop_ads_spike(world: World, body: dict, shop_id: str) -> dict:
    """{"factor": 4}: today's remaining spend, the current hour's included, multiplied."""
    from . import shopee_ads

    return shopee_ads.spike(world, get_shop(world, shop_id), number(body, "factor", lo=0, hi=1000, cast=float))


@route("POST", r"shopee/shops/(?P<shop_id>\d+)/ads/campaigns/(?P<campaign_id>\d+)")
def shop_ads_campaign(world: World, body: dict, shop_id: str, campaign_id: str) -> dict:
    """{"campaign_status": "paused", "campaign_budget": 100.0} (either or both), from now on."""
    from . import shopee_ads

    try:
        return shopee_ads.campaign_set(world, get_shop(world, shop_id), int(campaign_id), body)
    except KeyError:
        raise ControlError(f"unknown campaign {campaign_id}", 404) from None
    except ValueError as exc:
        raise ControlError(str(exc)) from None


# --- Ozon -----------------------------------------------------------------------------------------------


@route("POST", "ozon/sellers")
def seller_create(world: World, body: dict) -> dict:
    client_id = number(body, "client_id", 100_000 + next(world.ids), lo=1)
    seller = world.sellers.get(client_id) or Seller(client_id=client_id, api_key="", roles=["admin"])
    seller.api_key = str(body.get("api_key") or seller.api_key or uuid.uuid4())
    seller.roles = list(body.get("roles", seller.roles))
    seller.active = bool(body.get("active", seller.active))
    seller.name = body.get("name", seller.name)
    seed.ozon_warehouses(seller)
    world.sellers[client_id] = seller
    return seller_summary(seller)


def seller_summary(seller: Seller) -> dict:
    return {
        "client_id": seller.client_id,
        "api_key": seller.api_key,
        "roles": seller.roles,
        "active": seller.active,
        "name": seller.name,
        "postings": len(seller.postings),
        "returns": len(seller.returns),
        "products": len(seller.products),
        "warehouses": [{"id": i, "name": n} for i, n in seller.warehouses],
    }


@route("GET", r"ozon/sellers/(?P<client_id>\d+)")
def seller_get(world: World, body: dict, client_id: str) -> dict:
    return seller_summary(get_seller(world, client_id))


@route("POST", r"ozon/sellers/(?P<client_id>\d+)")
def seller_update(world: World, body: dict, client_id: str) -> dict:
    get_seller(world, client_id)
    return seller_create(world, {**body, "client_id": int(client_id)})


@route("POST", r"ozon/sellers/(?P<client_id>\d+)/postings")
def seller_postings(world: World, body: dict, client_id: str) -> dict:
    seller = get_seller(world, client_id)
    scheme = body.get("scheme", "fbs")
    if scheme not in ("fbs", "fbo"):
        raise ControlError('scheme must be "fbs" or "fbo"')
    start, end = time_range(world, body)
    postings = seed.ozon_postings(
        world,
        seller,
        count=number(body, "count", 10, lo=0, hi=200_000),
        time_from=start,
        time_to=end,
        scheme=scheme,
        seed=body.get("seed"),
        **ratios(body, cancel_ratio=0.08, return_ratio=0.05),
    )
    return {"created": len(postings), "posting_numbers": [p.posting_number for p in postings]}


@route("POST", r"ozon/sellers/(?P<client_id>\d+)/returns")
def seller_returns(world: World, body: dict, client_id: str) -> dict:
    seller = get_seller(world, client_id)
    now = int(world.now())
    start, end = time_range(world, {"from": now - 40 * DAY, "to": now - 25 * DAY, **body})
    postings = seed.ozon_postings(
        world,
        seller,
        count=number(body, "count", 10, lo=0, hi=100_000),
        time_from=start,
        time_to=end,
        scheme=body.get("scheme", "fbs"),
        seed=body.get("seed"),
        cancel_ratio=0,
        return_ratio=1,
        returned=True,
    )
    numbers = {p.posting_number for p in postings}
    return {
        "created": len(postings),
        "posting_numbers": sorted(numbers),
        "return_ids": [r.id for r in seller.returns if r.posting_number in numbers],
    }


@route("GET", r"ozon/sellers/(?P<client_id>\d+)/postings/(?P<number>[\w-]+)")
def seller_posting(world: World, body: dict, client_id: str, number: str) -> dict:
    seller = get_seller(world, client_id)
    posting = seller.postings_by_number.get(number)
    if posting is None:
        raise ControlError(f"unknown posting {number}", 404)
    changed, status, substatus = posting.step(world.now())
    return {
        "posting_number": posting.posting_number,
        "scheme": posting.scheme,
        "status": status,
        "substatus": substatus,
        "last_changed": changed,
        "plan": posting.plan,
        "tracking_at": posting.tracking_at,
        "tracking_number": posting.tracking_number,
    }


@route("POST", r"ozon/sellers/(?P<client_id>\d+)/products")
def seller_products(world: World, body: dict, client_id: str) -> dict:
    seller = get_seller(world, client_id)
    products = seed.ozon_products(
        world,
        seller,
        count=number(body, "count", 10, lo=0, hi=100_000),
        seed=body.get("seed"),
        stock_min=number(body, "stock_min", 0, lo=0),
        stock_max=number(body, "stock_max", 200, lo=0),
    )
    return {
        "created": len(products),
        "products": [{"product_id": p.product_id, "offer_id": p.offer_id, "fbs_sku": p.fbs_sku} for p in products],
    }


@route("POST", r"ozon/sellers/(?P<client_id>\d+)/stock")
def seller_stock(world: World, body: dict, client_id: str) -> dict:
    seller = get_seller(world, client_id)
    product = next(
        (p for p in seller.products if p.offer_id == body.get("offer_id") or p.product_id == body.get("product_id")),
        None,
    )
    if product is None:
        raise ControlError("unknown offer_id / product_id", 404)
    for name in ("fbs_present", "fbs_reserved", "fbo_present", "fbo_reserved"):
        if name in body:
            setattr(product, name, number(body, name, lo=0))
    return {"ok": True}


# --- Ozon Performance (sandbox/ozon_performance.py); <client_id>: the seller's, or the account's ---------------

PERFORMANCE = r"ozon-performance/(?P<client_id>\d+)(?:@advertising\.performance\.ozon\.ru)?"


@route("GET", PERFORMANCE)
def performance_get(world: World, body: dict, client_id: str) -> dict:
    from . import ozon_performance

    return ozon_performance.summary(world, get_seller(world, client_id))


@route("POST", PERFORMANCE + "/spike")
def performance_spike(world: World, body: dict, client_id: str) -> dict:
    """{"factor": 4}: today's spend from the current hour on, multiplied."""
    from . import ozon_performance

    factor = number(body, "factor", lo=0, hi=1000, cast=float)
    return ozon_performance.spike(world, get_seller(world, client_id), factor)


@route("POST", PERFORMANCE + r"/campaigns/(?P<campaign_id>\d+)")
def performance_campaign(world: World, body: dict, client_id: str, campaign_id: str) -> dict:
    """{"state": "CAMPAIGN_STATE_INACTIVE", "budget": "5000", "budgetType": "DAILY"} (any of them), from now on."""
    from . import ozon_performance

    try:
        return ozon_performance.campaign_set(world, get_seller(world, client_id), int(campaign_id), body)
    except KeyError:
        raise ControlError(f"unknown campaign {campaign_id}", 404) from None
    except ValueError as exc:
        raise ControlError(str(exc)) from None


# --- WeCom ----------------------------------------------------------------------------------------------


@route("POST", "wecom/robots")
def robot_create(world: World, body: dict) -> dict:
    key = str(body.get("key") or uuid.uuid4())
    world.robots[key] = Robot(
        key=key, name=body.get("name") or f"Group {len(world.robots) + 1}", created_at=world.now()
    )
    return {"key": key, "name": world.robots[key].name}


@route("GET", "wecom/messages")
def messages(world: World, body: dict, query=None) -> dict:
    key = query.get("key") if query else None
    since = int(query.get("since_id", 0)) if query else 0
    rows = [m.as_dict() for m in world.messages if (key is None or m.key == key) and m.id > since]
    return {"messages": rows}


# --- WeCom server API (sandbox/wecom_server.py) ---------------------------------------------------------


@route("POST", "wecom/corps")
def wecom_corp_set(world: World, body: dict) -> dict:
    try:
        return wecom_server.corp_set(world, body)
    except (ValueError, KeyError, TypeError) as exc:
        raise ControlError(f"bad corp: {exc}") from None


@route("GET", r"wecom/corps/(?P<corpid>[^/]+)")
def wecom_corp_get(world: World, body: dict, corpid: str) -> dict:
    try:
        return wecom_server.corp_summary(wecom_server.corp_get(world, corpid))
    except KeyError:
        raise ControlError(f"unknown corp {corpid}", status=404) from None


@route("POST", r"wecom/corps/(?P<corpid>[^/]+)/expire-tokens")
def wecom_corp_expire(world: World, body: dict, corpid: str) -> dict:
    try:
        return {"expired": wecom_server.expire_tokens(world, corpid)}
    except KeyError:
        raise ControlError(f"unknown corp {corpid}", status=404) from None


@route("POST", r"wecom/corps/(?P<corpid>[^/]+)/secret")
def wecom_secret_set(world: World, body: dict, corpid: str) -> dict:
    """Change one secret of the corp: its trusted IPs (60020), enabled (40001), visible range, new-IP check."""
    try:
        return wecom_server.secret_set(world, corpid, body)
    except KeyError:
        raise ControlError(f"unknown corp or secret in {corpid}", status=404) from None


@route("POST", r"wecom/corps/(?P<corpid>[^/]+)/scan")
def wecom_scan(world: World, body: dict, corpid: str) -> dict:
    """Issue a sign-in code as if `userid` had scanned: {"userid", "redirect_uri", "state"} → {code, location}."""
    try:
        return wecom_server.scan_issue(world, corpid, body)
    except KeyError:
        raise ControlError(f"unknown corp {corpid}", status=404) from None


@route("POST", r"wecom/corps/(?P<corpid>[^/]+)/members/(?P<userid>[^/]+)")
def wecom_member_set(world: World, body: dict, corpid: str, userid: str) -> dict:
    """Change a member as the corp's admin would in WeCom's console: {"status": 1|2|4|5, "name": …}."""
    try:
        corp = wecom_server.corp_get(world, corpid)
    except KeyError:
        raise ControlError(f"unknown corp {corpid}", status=404) from None
    member = corp.members.get(userid.lower())
    if member is None:
        raise ControlError(f"unknown member {userid}", status=404)
    for name in ("status", "name", "mobile", "department"):
        if name in body:
            member[name] = body[name]
    member["activated"] = member.get("activated") or member["status"] == 1
    return {k: v for k, v in member.items() if k not in ("activated", "creator")}


# --- push emitters (sandbox/push.py) --------------------------------------------------------------------


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


# --- faults and the request log -------------------------------------------------------------------------


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


QUERY_ROUTES = {messages, requests_list}


@csrf_exempt
def api(request, rest: str = ""):
    """Dispatch `/control/<rest>` to the routes above; the world lock is held for the whole call."""
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
