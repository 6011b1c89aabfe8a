"""Control API, Ozon: sellers (created, read, updated), seeded postings, returns and products, one
posting's state, stock changes, and the seller's Performance account (sandbox/ozon_performance/): a summary, a
spend spike and a campaign's state or budget.
"""

import uuid

from .. import seed
from ..state import DAY, Seller, World
from .base import ControlError, get_seller, number, route, time_range
from .shops import ratios


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


# --- Ozon Performance (sandbox/ozon_performance/); <client_id>: the seller's, or the account's ----------------

PERFORMANCE = r"ozon-performance/(?P<client_id>\d+)(?:@advertising\.performance\.ozon\.ru)?"


@route("GET", PERFORMANCE)
def performance_get(world: World, body: dict, client_id: str) -> dict:
    from .. import ozon_performance

    return ozon_performance.summary(world, get_seller(world, client_id))


@route("POST", PERFORMANCE + "/spike")
def performance_spike(world: World, body: dict, client_id: str) -> dict:
    """{"factor": 4}: today's spend from the current hour on, multiplied."""
    from .. import ozon_performance

    factor = number(body, "factor", lo=0, hi=1000, cast=float)
    return ozon_performance.spike(world, get_seller(world, client_id), factor)


@route("POST", PERFORMANCE + r"/campaigns/(?P<campaign_id>\d+)")
def performance_campaign(world: World, body: dict, client_id: str, campaign_id: str) -> dict:
    """{"state": "CAMPAIGN_STATE_INACTIVE", "budget": "5000", "budgetType": "DAILY"} (any of them), from now on."""
    from .. import ozon_performance

    try:
        return ozon_performance.campaign_set(world, get_seller(world, client_id), int(campaign_id), body)
    except KeyError:
        raise ControlError(f"unknown campaign {campaign_id}", 404) from None
    except ValueError as exc:
        raise ControlError(str(exc)) from None
