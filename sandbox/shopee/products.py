"""Shopee simulator, products: the item list by status and update time (offset paging), items' base info in
batches of up to 50 with warnings for the unknown ones, and an item's model list.
"""

from .. import shopee_objects as objects
from .common import ITEM_STATUSES, Call, ShopeeError, endpoint, wrong
from .returns import _within


@endpoint("/api/v2/product/get_item_list", "GET", "shop")
def get_item_list(call: Call) -> dict:
    offset = call.int_param("offset", lo=0, hi=10**7)
    page_size = call.int_param("page_size", lo=1, hi=100)
    statuses = call.list_param("item_status")
    if not statuses or any(s not in ITEM_STATUSES for s in statuses):
        raise wrong("item_status is invalid")
    start = call.int_param("update_time_from", required=False)
    end = call.int_param("update_time_to", required=False)
    items = [
        item
        for item in sorted(call.shop.items.values(), key=lambda i: i.item_id)
        if item.status in statuses and _within(item.update_time, (start, end))
    ]
    page = items[offset : offset + page_size]
    has_next = offset + page_size < len(items)
    return {
        "item": [{"item_id": i.item_id, "item_status": i.status, "update_time": i.update_time} for i in page],
        "total_count": len(items),
        "has_next_page": has_next,
        "next_offset": offset + len(page),
    }


@endpoint("/api/v2/product/get_item_base_info", "GET", "shop")
def get_item_base_info(call: Call) -> dict:
    raw_ids = call.list_param("item_id_list")
    try:
        ids = [int(v) for v in raw_ids]
    except ValueError:
        raise wrong("item_id_list should contain integers") from None
    if not 1 <= len(ids) <= 50:
        raise wrong("item_id_list should contain 1 to 50 item_id")
    rows = []
    for item_id in dict.fromkeys(ids):
        item = call.shop.items.get(item_id)
        if item is None:
            call.warnings.append(f"item_id {item_id} is not found")
        else:
            rows.append(objects.item_object(item, call.shop.region))
    return {"item_list": rows}


@endpoint("/api/v2/product/get_model_list", "GET", "shop")
def get_model_list(call: Call) -> dict:
    item = call.shop.items.get(call.int_param("item_id", hi=2**63 - 1))
    if item is None:
        raise ShopeeError("error_item_not_found", "Item not found.")
    return objects.model_list(item, call.shop.region)
