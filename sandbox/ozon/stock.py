"""Ozon simulator, stock: the products' stocks by visibility, offer id or product id, in keyset pages whose
cursor is never empty (`stock_page`).
"""

from .. import ozon_objects as objects
from .common import VISIBILITY, Call, invalid, route
from .selection import decode_cursor, encode_cursor


def stock_page(call: Call, rows: list, limit: int) -> tuple[list, str]:
    """Keyset pages of products by product_id whose cursor is never empty (corrected 2026-12): an empty cursor
    in a request means "the first page", so the last page hands back a cursor past its last row, and a request
    with that cursor answers `items: []` with the same cursor. Clients stop on a page shorter than `limit`."""
    after = decode_cursor(call)
    if after is not None:
        rows = [p for p in rows if (p.product_id, p.product_id) > after]
    page = rows[:limit]
    if page:
        return page, encode_cursor(call, "product_id", page[-1].product_id, page[-1].product_id, "ASC")
    if after is not None:
        return [], call.body["cursor"]
    return [], encode_cursor(call, "product_id", 0, 0, "ASC")


@route("/v4/product/info/stocks", "products")
def product_stocks(call: Call) -> dict:
    filt = call.obj(call.body, "filter", required=True)
    limit = call.integer(call.body, "limit", lo=1, hi=1000)
    visibility = filt.get("visibility") or "ALL"
    if visibility not in VISIBILITY:
        raise invalid("invalid request payload: unknown filter.visibility")
    offers = call.strings(filt, "offer_id")
    products = call.ids(filt, "product_id")
    rows = [
        p
        for p in call.seller.products
        if (not offers or p.offer_id in offers)
        and (not products or p.product_id in products)
        and (visibility != "EMPTY_STOCK" or p.fbs_present + p.fbo_present == 0)
    ]
    page, cursor = stock_page(call, rows, limit)
    return {
        "cursor": cursor,
        "items": [objects.stock_item(p) for p in page],
        "total": len(rows),
        "total_items": len(rows),
    }
