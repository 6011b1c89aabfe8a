"""Shopee simulator, orders: the order list (a 15-day window on create or update time, an opaque cursor over
(time, order_sn), an optional status filter), order details in batches of up to 50 with warnings for the
missing ones, and the tracking number once it is assigned.
"""

import base64
import binascii
from bisect import bisect_right
from itertools import islice

from .. import shopee_objects as objects
from .common import LIST_STATUSES, WINDOW, Call, ShopeeError, endpoint, wrong


def encode_cursor(key: tuple[int, str]) -> str:
    return base64.urlsafe_b64encode(f"{key[0]}|{key[1]}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str] | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, sn = text.split("|", 1)
        return int(stamp), sn
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise wrong("cursor is invalid") from None


def check_window(time_from: int, time_to: int) -> None:
    if not (time_from < time_to and time_to - time_from <= WINDOW):
        raise ShopeeError(
            "order.order_list_invalid_time", "Start time must be earlier than end time and diff in 15days."
        )


@endpoint("/api/v2/order/get_order_list", "GET", "shop")
def get_order_list(call: Call) -> dict:
    field_name = call.query.get("time_range_field")
    if field_name not in ("create_time", "update_time"):
        raise wrong("time_range_field should be create_time or update_time")
    time_from, time_to = call.int_param("time_from"), call.int_param("time_to")
    check_window(time_from, time_to)
    page_size = call.int_param("page_size", lo=1, hi=100)
    status = call.query.get("order_status") or None
    if status is not None and status not in LIST_STATUSES:
        raise wrong("order_status is invalid")
    with_status = "order_status" in call.list_param("response_optional_fields")
    after = decode_cursor(call.query.get("cursor", ""))
    now = call.now
    if field_name == "create_time":
        orders = call.shop.orders_created_between(time_from, min(time_to, now))
        start = bisect_right(orders, after, key=lambda o: (o.create_time, o.sn)) if after else 0
        rows = ((order.create_time, order) for order in islice(orders, start, None))
    else:
        updated = sorted(
            ((order.step(now)[0], order) for order in call.shop.orders_created_between(0, now)),
            key=lambda row: (row[0], row[1].sn),
        )
        updated = [row for row in updated if time_from <= row[0] <= time_to]
        start = bisect_right(updated, after, key=lambda row: (row[0], row[1].sn)) if after else 0
        rows = islice(updated, start, None)
    page = []
    for stamp, order in rows:
        if status is None or order.step(now)[1] == status:
            page.append((stamp, order))
            if len(page) > page_size:
                break
    more = len(page) > page_size
    page = page[:page_size]
    order_list = []
    for _, order in page:
        entry = {"order_sn": order.sn}
        if with_status:
            entry["order_status"] = order.step(now)[1]
        order_list.append(entry)
    next_cursor = encode_cursor((page[-1][0], page[-1][1].sn)) if more else ""
    return {"more": more, "next_cursor": next_cursor, "order_list": order_list}


@endpoint("/api/v2/order/get_order_detail", "GET", "shop")
def get_order_detail(call: Call) -> dict:
    sns = call.list_param("order_sn_list")
    if not 1 <= len(sns) <= 50:
        raise wrong("order_sn_list should contain 1 to 50 order_sn")
    optional = set(call.list_param("response_optional_fields"))
    found, missing = [], []
    for sn in dict.fromkeys(sns):
        order = call.shop.orders_by_sn.get(sn)
        if order is None or order.create_time > call.now:
            missing.append(sn)
        else:
            found.append(objects.order_object(order, call.shop, call.now, optional))
    if missing and (not found or call.config["detail_missing"] == "error"):
        raise ShopeeError("error_not_found", "Wrong parameters, detail: the order is not found.")
    call.warnings = [f"order_sn {sn} is not found" for sn in missing]
    return {"order_list": found, "warning": list(call.warnings)}


@endpoint("/api/v2/logistics/get_tracking_number", "GET", "shop")
def get_tracking_number(call: Call) -> dict:
    sn = call.query.get("order_sn")
    if not sn:
        raise wrong("order_sn is required")
    order = call.shop.orders_by_sn.get(sn)
    if order is None or order.create_time > call.now:
        raise ShopeeError("logistics.invalid_error", "The order is not exist.")
    package = call.query.get("package_number")
    if package is not None and package != objects.package_number(order):
        raise ShopeeError("logistics.package_not_exist", "The package is not exist.")
    assigned = order.tracking_at is not None and order.tracking_at <= call.now
    return {
        "tracking_number": order.tracking_number if assigned else "",
        "plp_number": "",
        "first_mile_tracking_number": "",
        "last_mile_tracking_number": "",
        "hint": "",
        "pickup_code": "",
    }
