"""Ozon simulator, FBO postings: the v3 list (cursor paging, by creation time) and the v2 list (offset
paging up to 20 000, a period of at most a year, switched off by `ozon.v2_fbo_enabled`).
"""

from .. import ozon_objects as objects
from .common import FBO_STATUSES, Call, invalid, route
from .selection import cursor_page, period, select_postings, with_flags


@route("/v3/posting/fbo/list", "postings")
def fbo_list_v3(call: Call) -> dict:
    filt = call.obj(call.body, "filter", required=True)
    since, to = period(call, filt, max_period=None)
    limit = call.integer(call.body, "limit", lo=1, hi=100)
    direction = call.direction("sort_dir")
    statuses = call.strings(filt, "statuses", allowed=FBO_STATUSES)
    call.strings(filt, "posting_numbers", limit=1000)
    rows = select_postings(call, scheme="fbo", since=since, to=to, statuses=statuses, filt=filt, key="created_at")
    page, cursor, has_next = cursor_page(
        call, rows, limit=limit, direction=direction, key_name="created_at", key_of=lambda p: (p.created_at, p.id)
    )
    flags = with_flags(call)
    return {
        "cursor": cursor,
        "has_next": has_next,
        "postings": [objects.fbo_posting(call.seller, p, call.now, flags, v3=True) for p in page],
    }


@route("/v2/posting/fbo/list", "postings", switch="v2_fbo_enabled")
def fbo_list_v2(call: Call) -> dict:
    filt = call.obj(call.body, "filter", required=True)
    since, to = period(call, filt, message="PERIOD_IS_TOO_LONG")
    limit = call.integer(call.body, "limit", lo=1, hi=1000)
    offset = call.integer(call.body, "offset", lo=0, hi=2**31, required=False)
    if offset > 20000:
        raise invalid("MAX_OFFSET_EXCEEDED")
    status = filt.get("status") or None
    if status is not None and status not in FBO_STATUSES:
        raise invalid("invalid request payload: unknown filter.status")
    rows = select_postings(
        call, scheme="fbo", since=since, to=to, statuses={status} if status else None, filt=filt, key="created_at"
    )
    if call.direction("dir") == "DESC":
        rows.reverse()
    flags = with_flags(call)
    return {
        "result": [
            objects.fbo_posting(call.seller, p, call.now, flags, v3=False) for p in rows[offset : offset + limit]
        ]
    }
