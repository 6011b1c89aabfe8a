"""Ozon simulator, returns: the returns list, paged by `last_id`, filtered by one of its date kinds and by
posting numbers, schema, order, offer, status, barcode or product name (`return_matches`).
"""

from .. import ozon_objects as objects
from .common import RETURN_DATE_FILTERS, Call, invalid, route


@route("/v1/returns/list", "returns")
def returns_list(call: Call) -> dict:
    filt = call.obj(call.body, "filter")
    limit = call.integer(call.body, "limit", lo=1, hi=500)
    last_id = call.integer(call.body, "last_id", lo=0, hi=2**63 - 1, required=False)
    used = [name for name in RETURN_DATE_FILTERS if filt.get(name)]
    if len(used) > 1:
        raise invalid("invalid request payload: use only one of " + ", ".join(RETURN_DATE_FILTERS))
    window = call.obj(filt, used[0]) if used else {}
    start, end = call.date(window, "time_from", required=False), call.date(window, "time_to", required=False)
    numbers = call.strings(filt, "posting_numbers", limit=50)
    schema = filt.get("return_schema")
    rows = []
    for ret in call.seller.returns:
        if ret.created_at > call.now or ret.id <= last_id:
            continue
        row = objects.return_object(call.seller, ret, call.now)
        moment = (
            {
                "logistic_return_date": ret.logistic_return_at if ret.logistic_return_at <= call.now else None,
                "storage_tariffication_start_date": ret.storage_start_at,
                "visual_status_change_moment": ret.step(call.now)[0],
            }.get(used[0])
            if used
            else None
        )
        if used and (moment is None or (start is not None and moment < start) or (end is not None and moment > end)):
            continue
        if not return_matches(row, filt, numbers, schema):
            continue
        rows.append(row)
        if len(rows) > limit:
            break
    return {"returns": rows[:limit], "has_next": len(rows) > limit}


def return_matches(row: dict, filt: dict, numbers, schema) -> bool:
    if numbers and row["posting_number"] not in numbers:
        return False
    if schema and row["schema"].upper() != str(schema).upper():
        return False
    checks = {
        "order_id": row["order_id"],
        "offer_id": row["product"]["offer_id"],
        "visual_status_name": row["visual"]["status"]["sys_name"],
        "barcode": row["logistic"]["barcode"],
    }
    for name, actual in checks.items():
        if filt.get(name) not in (None, "", 0) and str(filt[name]) != str(actual):
            return False
    return not filt.get("product_name") or str(filt["product_name"]).lower() in row["product"]["name"].lower()
