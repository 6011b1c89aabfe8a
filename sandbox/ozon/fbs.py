"""Ozon simulator, FBS postings: the v4 list and unfulfilled list (cursor paging), their v3 forms (offset
paging, switched off by `ozon.v3_fbs_enabled`) and one posting by number.
"""

from .. import ozon_objects as objects
from ..state import DAY
from .common import FBS_FILTER_STATUSES, UNFULFILLED, Call, OzonError, invalid, route
from .selection import cursor_page, period, select_postings, with_flags


@route("/v4/posting/fbs/list", "postings")
def fbs_list_v4(call: Call) -> dict:
    filt = call.obj(call.body, "filter", required=True)
    since, to = period(call, filt, max_period=None)
    limit = call.integer(call.body, "limit", lo=1, hi=100)
    direction = call.direction("sort_dir")
    statuses = call.strings(filt, "statuses", allowed=FBS_FILTER_STATUSES)
    call.strings(filt, "order_numbers", limit=100)
    rows = select_postings(call, scheme="fbs", since=since, to=to, statuses=statuses, filt=filt)
    page, cursor, has_next = cursor_page(
        call, rows, limit=limit, direction=direction, key_name="in_process_at", key_of=lambda p: (p.in_process_at, p.id)
    )
    flags = with_flags(call)
    return {
        "cursor": cursor,
        "has_next": has_next,
        "postings": [objects.fbs_posting(call.seller, p, call.now, flags, v4=True) for p in page],
    }


@route("/v3/posting/fbs/list", "postings", switch="v3_fbs_enabled")
def fbs_list_v3(call: Call) -> dict:
    filt = call.obj(call.body, "filter", required=True)
    since, to = period(call, filt)
    limit = call.integer(call.body, "limit", lo=1, hi=1000)
    offset = call.integer(call.body, "offset", lo=0, hi=2**31)
    status = filt.get("status") or None
    if status is not None and status not in FBS_FILTER_STATUSES:
        raise invalid("invalid request payload: unknown filter.status")
    rows = select_postings(call, scheme="fbs", since=since, to=to, statuses={status} if status else None, filt=filt)
    if call.direction("dir") == "DESC":
        rows.reverse()
    flags = with_flags(call)
    return {
        "result": {
            "postings": [
                objects.fbs_posting(call.seller, p, call.now, flags, v4=False) for p in rows[offset : offset + limit]
            ],
            "has_next": offset + limit < len(rows),
        }
    }


def unfulfilled_rows(call: Call, filt: dict, statuses) -> list:
    cutoff = (call.date(filt, "cutoff_from", required=False), call.date(filt, "cutoff_to", required=False))
    delivering = (
        call.date(filt, "delivering_date_from", required=False),
        call.date(filt, "delivering_date_to", required=False),
    )
    has_cutoff, has_delivering = any(v is not None for v in cutoff), any(v is not None for v in delivering)
    if has_cutoff and has_delivering:
        raise invalid(
            "invalid request payload: use either cutoff_from/cutoff_to or "
            "delivering_date_from/delivering_date_to, not both"
        )
    if not has_cutoff and not has_delivering:
        raise invalid(
            "invalid request payload: cutoff_from/cutoff_to or delivering_date_from/delivering_date_to are required"
        )
    start, end = cutoff if has_cutoff else delivering
    if start is None or end is None:
        raise invalid("invalid request payload: both ends of the date range are required")
    wanted = statuses or set(UNFULFILLED)
    rows = select_postings(call, scheme="fbs", since=0, to=call.now, statuses=wanted, filt=filt)
    offset = 0 if has_cutoff else 2 * DAY
    return [p for p in rows if start <= p.shipment_date + offset <= end]


@route("/v4/posting/fbs/unfulfilled/list", "postings")
def unfulfilled_v4(call: Call) -> dict:
    filt = call.obj(call.body, "filter", required=True)
    limit = call.integer(call.body, "limit", lo=1, hi=100)
    direction = call.direction("sort_dir")
    rows = unfulfilled_rows(call, filt, call.strings(filt, "statuses", allowed=FBS_FILTER_STATUSES))
    page, cursor, has_next = cursor_page(
        call, rows, limit=limit, direction=direction, key_name="in_process_at", key_of=lambda p: (p.in_process_at, p.id)
    )
    flags = with_flags(call)
    return {
        "count": len(rows),
        "cursor": cursor,
        "has_next": has_next,
        "postings": [objects.fbs_posting(call.seller, p, call.now, flags, v4=True) for p in page],
    }


@route("/v3/posting/fbs/unfulfilled/list", "postings", switch="v3_fbs_enabled")
def unfulfilled_v3(call: Call) -> dict:
    filt = call.obj(call.body, "filter", required=True)
    limit = call.integer(call.body, "limit", lo=1, hi=1000)
    offset = call.integer(call.body, "offset", lo=0, hi=2**31)
    status = filt.get("status") or None
    rows = unfulfilled_rows(call, filt, {status} if status else None)
    if call.direction("dir") == "DESC":
        rows.reverse()
    flags = with_flags(call)
    return {
        "result": {
            "postings": [
                objects.fbs_posting(call.seller, p, call.now, flags, v4=False) for p in rows[offset : offset + limit]
            ],
            "count": len(rows),
        }
    }


@route("/v3/posting/fbs/get", "postings")
def fbs_get(call: Call) -> dict:
    number = call.body.get("posting_number")
    if not isinstance(number, str) or not number:
        raise invalid("invalid request payload: posting_number is required")
    posting = call.seller.postings_by_number.get(number)
    if posting is None or posting.scheme != "fbs" or posting.in_process_at > call.now:
        raise OzonError(404, 5, "Posting not found")
    return {"result": objects.fbs_posting(call.seller, posting, call.now, with_flags(call), v4=False, detail=True)}
