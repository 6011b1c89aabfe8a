"""Ozon simulator, selection and cursors: postings picked by scheme, period, status and the filter's ids,
keyset cursors bound to the query that issued them (and expiring after `ozon.cursor_ttl`), the `with` flags
and the `since`/`to` period of a filter.
"""

import base64
import binascii
import hashlib
import json
from collections.abc import Callable

from .. import ozon_objects as objects
from .common import YEAR, Call, invalid


def changed_between(posting, now: float, window: dict, call: Call) -> bool:
    if not window:
        return True
    start, end = call.date(window, "from", required=False), call.date(window, "to", required=False)
    changed = posting.step(now)[0]
    return (start is None or changed >= start) and (end is None or changed <= end)


def select_postings(
    call: Call, *, scheme: str, since: float, to: float, statuses, filt: dict, key: str = "in_process_at"
) -> list:
    now = call.now
    warehouses = call.ids(filt, "warehouse_ids") or call.ids(filt, "warehouse_id")
    methods = call.ids(filt, "delivery_method_ids") or call.ids(filt, "delivery_method_id")
    providers = call.ids(filt, "provider_ids") or call.ids(filt, "provider_id")
    numbers = call.strings(filt, "order_numbers") or None
    posting_numbers = call.strings(filt, "posting_numbers") or None
    order_id = call.integer(filt, "order_id", lo=0, hi=2**63 - 1, required=False)
    changed = call.obj(filt, "last_changed_status_date") or call.obj(filt, "last_change_status_date")
    rows = []
    for posting in call.seller.postings:
        when = getattr(posting, key)
        if posting.scheme != scheme or when > now or not since <= when <= to:
            continue
        if statuses and posting.step(now)[1] not in statuses:
            continue
        if warehouses and posting.warehouse_id not in warehouses:
            continue
        if methods and objects.delivery_method_id(posting) not in methods:
            continue
        if providers and objects.PROVIDER[0] not in providers:
            continue
        if numbers and posting.order_number not in numbers:
            continue
        if posting_numbers and posting.posting_number not in posting_numbers:
            continue
        if order_id and posting.order_id != order_id:
            continue
        if changed_between(posting, now, changed, call):
            rows.append(posting)
    rows.sort(key=lambda p: (getattr(p, key), p.id))
    return rows


def fingerprint(call: Call) -> str:
    scope = {k: v for k, v in call.body.items() if k not in ("cursor", "limit")}
    text = json.dumps({"path": call.path, "client": call.seller.client_id, "q": scope}, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def encode_cursor(call: Call, key_name: str, value, row_id: int, direction: str) -> str:
    data = {
        "fields": [
            {"name": f"osp.{key_name}", "dir": direction.lower(), "val": value},
            {"name": "osp.id", "dir": direction.lower(), "val": str(row_id)},
        ],
        "q": fingerprint(call),
        "t": int(call.now),
    }
    return base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def decode_cursor(call: Call) -> tuple | None:
    """(value, id) from the request's cursor; 400 for garbage, another query's cursor or an expired one."""
    cursor = call.body.get("cursor") or ""
    if not cursor:
        return None
    if not isinstance(cursor, str):
        raise invalid("invalid request payload: cursor must be a string")
    try:
        data = json.loads(base64.b64decode(cursor, validate=True))
        value, row_id = int(data["fields"][0]["val"]), int(data["fields"][1]["val"])
        query, issued = data["q"], int(data["t"])
    except (ValueError, KeyError, IndexError, TypeError, binascii.Error):
        raise invalid("invalid cursor") from None
    if query != fingerprint(call):
        raise invalid("cursor does not match the request filter")
    ttl = call.world.config["ozon"]["cursor_ttl"]
    if ttl and call.now - issued > ttl:
        raise invalid("cursor is expired")
    return value, row_id


def cursor_page(call: Call, rows: list, *, limit: int, direction: str, key_name: str, key_of: Callable):
    """Keyset paging over rows sorted ascending by key_of(row) = (value, id): (page, next_cursor, has_next)."""
    if direction == "DESC":
        rows = rows[::-1]
    after = decode_cursor(call)
    if after is not None:
        if direction == "ASC":
            rows = [r for r in rows if key_of(r) > after]
        else:
            rows = [r for r in rows if key_of(r) < after]
    page = rows[:limit]
    has_next = len(rows) > limit
    cursor = encode_cursor(call, key_name, *key_of(page[-1]), direction) if has_next else ""
    return page, cursor, has_next


def with_flags(call: Call) -> dict:
    flags = call.obj(call.body, "with")
    return {k: bool(v) for k, v in flags.items()}


def period(call: Call, filt: dict, *, max_period: float | None = YEAR, message: str = "") -> tuple[float, float]:
    since, to = call.date(filt, "since"), call.date(filt, "to")
    if to < since:
        raise invalid("invalid request payload: filter.to must not be earlier than filter.since")
    if max_period and to - since > max_period:
        raise invalid(message or "invalid request payload: the filter period must not exceed one year")
    return since, to
