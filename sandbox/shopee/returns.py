"""Shopee simulator, returns: the return list (page numbers, create and update windows of at most 15 days, the
status filters) and one return's detail; `_within` tests a time against an optional window.
"""

from .. import shopee_objects as objects
from .common import WINDOW, Call, endpoint, param_error, wrong


def return_window(call: Call, prefix: str, label: str) -> tuple[int | None, int | None]:
    start = call.int_param(f"{prefix}_time_from", required=False)
    end = call.int_param(f"{prefix}_time_to", required=False)
    if start is not None and end is not None:
        if end <= start:
            raise param_error(f"The {prefix}_time_to should be later than {prefix}_time_from.")
        if end - start > WINDOW:
            raise param_error(f"The period between {prefix}_time_from and {label} must not more than 15 days.")
    return start, end


@endpoint("/api/v2/returns/get_return_list", "GET", "shop")
def get_return_list(call: Call) -> dict:
    page_no = call.int_param("page_no", lo=0, hi=10**6)
    page_size = call.int_param("page_size", lo=1, hi=100)
    created = return_window(call, "create", "created_time_of")
    updated = return_window(call, "update", "update_time_to")
    if created[0] is not None and updated[0] is not None and updated[0] < created[0]:
        raise param_error("The update_time_from should be later than create_time_from.")
    filters = {
        name: call.query.get(name)
        for name in ("status", "negotiation_status", "seller_proof_status", "seller_compensation_status")
        if call.query.get(name)
    }
    rows = []
    for ret in call.shop.returns:
        if ret.create_time > call.now or not _within(ret.create_time, created):
            continue
        row = objects.return_object(ret, call.shop, call.now)
        if _within(row["update_time"], updated) and all(row[k] == v for k, v in filters.items()):
            rows.append(row)
    offset = max(0, page_no - int(call.config["return_page_base"])) * page_size
    return {"more": offset + page_size < len(rows), "return": rows[offset : offset + page_size]}


def _within(value: int, window: tuple[int | None, int | None]) -> bool:
    start, end = window
    return (start is None or value >= start) and (end is None or value <= end)


@endpoint("/api/v2/returns/get_return_detail", "GET", "shop")
def get_return_detail(call: Call) -> dict:
    return_sn = call.query.get("return_sn")
    if not return_sn:
        raise wrong("return_sn is required")
    ret = call.shop.returns_by_sn.get(return_sn)
    if ret is None or ret.create_time > call.now:
        raise param_error("Return SN or ID is invalid.")
    return objects.return_object(ret, call.shop, call.now, detail=True)
