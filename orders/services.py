"""Writing orders, after-sales cases and stock levels: one page at a time, one statement per table per page.

Each `*_upsert_page` runs in one transaction: the page's rows are upserted by a single
`INSERT … ON CONFLICT … DO UPDATE … WHERE <changed> RETURNING` (orders.sql), which hands back only the rows
it inserted or changed together with the state they were in before (`previous_status`, written by that same
statement, so a second writer that waited for the first sees the first one's result, not a stale read); the
business transitions read from those rows are written to the outbox by one `events.emit_many` in the same
transaction, under deterministic dedupe keys. Re-upserting a page changes nothing and emits nothing; the same
transition written by a push and a poll, twice, or by two workers at once is one event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import events
from events.choices import EventKind
from events.services import EventRow

from . import sql
from .choices import CaseStatus, Fulfilment, OrderStatus, StockState
from .models import AfterSalesCase, Order, OrderItem, StockLevel, StoreSettings
from .normalize import CaseRow, OrderRow, StockRow

SHIPPED_OR_LATER = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.RETURNING})
WORKED_ON = frozenset({OrderStatus.TO_SHIP, OrderStatus.CANCELLING})
CASE_FINISHED = frozenset({CaseStatus.ACCEPTED, CaseStatus.CLOSED, CaseStatus.CANCELLED})


@dataclass
class PageResult:
    """What one page changed: the keys of rows inserted and updated, and the ids of the events written."""

    inserted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    events: list[int] = field(default_factory=list)


def _store_id(store) -> int:
    return int(getattr(store, "pk", store))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _latest(rows: Iterable, key: str) -> list:
    """One row per key (the last given wins): a row may appear on a page once only."""
    return list({getattr(row, key): row for row in rows}.values())


# --- orders -------------------------------------------------------------------------------------------

ORDER_COLUMNS = (
    "store_id",
    "order_id",
    "order_number",
    "fulfilment",
    "status",
    "previous_status",
    "platform_status",
    "amount",
    "currency",
    "buyer_name",
    "ship_by",
    "carrier",
    "tracking_number",
    "item_count",
    "items_digest",
    "items_changed",
    "platform_created_at",
    "platform_updated_at",
    "synced_at",
)
_O = Order._meta.db_table
ORDER_UPDATES = {
    "order_number": "EXCLUDED.order_number",
    "fulfilment": "EXCLUDED.fulfilment",
    "status": "EXCLUDED.status",
    "previous_status": f"{_O}.status",
    "platform_status": "EXCLUDED.platform_status",
    "amount": f"COALESCE(EXCLUDED.amount, {_O}.amount)",
    "currency": "EXCLUDED.currency",
    "buyer_name": f"COALESCE(NULLIF(EXCLUDED.buyer_name, ''), {_O}.buyer_name)",
    "ship_by": f"COALESCE(EXCLUDED.ship_by, {_O}.ship_by)",
    "carrier": f"COALESCE(NULLIF(EXCLUDED.carrier, ''), {_O}.carrier)",
    "tracking_number": f"COALESCE(NULLIF(EXCLUDED.tracking_number, ''), {_O}.tracking_number)",
    "item_count": "EXCLUDED.item_count",
    "items_digest": "EXCLUDED.items_digest",
    "items_changed": f"({_O}.items_digest <> EXCLUDED.items_digest)",
    "platform_created_at": f"COALESCE({_O}.platform_created_at, EXCLUDED.platform_created_at)",
    "platform_updated_at": f"COALESCE(EXCLUDED.platform_updated_at, {_O}.platform_updated_at)",
    "synced_at": "EXCLUDED.synced_at",
}
ORDER_CHANGED = (
    "order_number",
    "fulfilment",
    "status",
    "platform_status",
    "amount",
    "currency",
    "buyer_name",
    "ship_by",
    "carrier",
    "tracking_number",
    "items_digest",
)
# An older snapshot of the platform (a slow push fetch finishing after a newer poll) never overwrites a newer one.
ORDER_GUARD = (
    f"EXCLUDED.platform_updated_at IS NULL OR {_O}.platform_updated_at IS NULL "
    f"OR EXCLUDED.platform_updated_at >= {_O}.platform_updated_at"
)
ITEM_COLUMNS = ("order_id", "line", "sku", "seller_sku", "name", "quantity", "price")
_I = OrderItem._meta.db_table
ITEM_UPDATES = {c: f"EXCLUDED.{c}" for c in ("sku", "seller_sku", "name", "quantity", "price")}


def _order_values(store_id: int, row: OrderRow, now: datetime) -> tuple:
    return (
        store_id,
        row.order_id,
        row.order_number,
        row.fulfilment,
        row.status,
        None,
        row.platform_status,
        row.amount,
        row.currency,
        row.buyer_name,
        row.ship_by,
        row.carrier,
        row.tracking_number,
        len(row.items),
        row.items_digest,
        True,
        row.platform_created_at,
        row.platform_updated_at,
        now,
    )


def order_transitions(*, previous: str | None, status: str, fulfilment: str) -> list[str]:
    """The event kinds an order's change from `previous` (None: first sighting) to `status` announces.

    New: the first time it needs work (paid and awaiting shipment; not while unpaid). Shipped: it left the
    seller (also when first seen already shipped, or when the awaiting step was never seen). Cancelled: only
    when somebody may have been working on it (it was awaiting shipment or a cancellation request).
    Orders the platform's warehouse fulfils (Ozon FBO, Shopee's own) need nobody and announce nothing.
    """
    if fulfilment != Fulfilment.SELLER or previous == status:
        return []
    if status == OrderStatus.TO_SHIP and previous in (None, OrderStatus.PENDING):
        return [EventKind.ORDER_NEW]
    if status == OrderStatus.SHIPPED and (previous is None or previous not in SHIPPED_OR_LATER):
        return [EventKind.ORDER_SHIPPED]
    if status in SHIPPED_OR_LATER and previous is not None and previous not in SHIPPED_OR_LATER:
        return [EventKind.ORDER_SHIPPED]
    if status == OrderStatus.CANCELLED and previous in WORKED_ON:
        return [EventKind.ORDER_CANCELLED]
    return []


def _order_payload(row: OrderRow, *, status: str, carrier: str, tracking: str) -> dict:
    return {
        "order_id": row.order_id,
        "order_number": row.order_number,
        "status": status,
        "platform_status": row.platform_status,
        "amount": str(row.amount) if row.amount is not None else None,
        "currency": row.currency,
        "customer": row.buyer_name,
        "items": [{"sku": i.seller_sku or i.sku, "name": i.name, "quantity": i.quantity} for i in row.items],
        "quantity": sum(i.quantity for i in row.items),
        "ship_by": _iso(row.ship_by),
        "carrier": carrier,
        "tracking_number": tracking,
    }


def _write_items(changed: list[tuple[int, OrderRow, bool]]) -> None:
    """The lines of orders whose items changed: one upsert, then one delete of lines past the new count
    (only when an existing order's lines changed)."""
    values = [
        (pk, n, i.sku, i.seller_sku, i.name, i.quantity, i.price)
        for pk, row, _ in changed
        for n, i in enumerate(row.items)
    ]
    sql.upsert(
        model=OrderItem,
        columns=ITEM_COLUMNS,
        rows=values,
        conflict=("order_id", "line"),
        updates=ITEM_UPDATES,
        changed=tuple(ITEM_UPDATES),
        returning=("id",),
    )
    existing = [pk for pk, _, inserted in changed if not inserted]
    if existing:
        sql.execute(
            f"DELETE FROM {_I} WHERE order_id IN ({', '.join(['%s'] * len(existing))}) "
            f"AND line >= (SELECT o.item_count FROM {_O} o WHERE o.id = {_I}.order_id)",
            existing,
        )


@transaction.atomic
def orders_upsert_page(*, store, rows: Iterable[OrderRow], announce: bool = True) -> PageResult:
    """Upsert one page of a store's orders and their lines, and announce their transitions (see
    order_transitions) in the same transaction. At most four statements whatever the page size: orders,
    lines, surplus lines, events. `announce=False` (a store's first import of its history) writes no events."""
    store_id = _store_id(store)
    rows = _latest(rows, "order_id")
    now = timezone.now()
    returned = sql.upsert(
        model=Order,
        columns=ORDER_COLUMNS,
        rows=[_order_values(store_id, row, now) for row in rows],
        conflict=("store_id", "order_id"),
        updates=ORDER_UPDATES,
        changed=ORDER_CHANGED,
        guard=ORDER_GUARD,
        relaxed=True,
        returning=("id", "order_id", "status", "previous_status", "items_changed", "carrier", "tracking_number"),
    )
    by_key = {row.order_id: row for row in rows}
    result, items, emitted = PageResult(), [], []
    for pk, key, status, previous, items_changed, carrier, tracking in returned:
        row = by_key[key]
        (result.inserted if previous is None else result.updated).append(key)
        if items_changed:
            items.append((pk, row, previous is None))
        for kind in order_transitions(previous=previous, status=status, fulfilment=row.fulfilment) if announce else ():
            payload = _order_payload(row, status=status, carrier=carrier, tracking=tracking)
            emitted.append(EventRow(kind, store_id, f"{kind}:{store_id}:{key}", payload, row.platform_updated_at))
    if items:
        _write_items(items)
    result.events = events.emit_many(emitted) if emitted else []
    return result


# --- after-sales cases --------------------------------------------------------------------------------

_C = AfterSalesCase._meta.db_table
CASE_COLUMNS = (
    "store_id",
    "case_id",
    "order_ref",
    "kind",
    "reason",
    "status",
    "previous_status",
    "platform_status",
    "amount",
    "currency",
    "buyer_name",
    "due_at",
    "platform_created_at",
    "platform_updated_at",
    "synced_at",
    "escalation_level",  # 0 on insert (the model's default is not the column's); never updated by a sync
)
# The case's order, when we know it: looked up inside the statement, so a page stays one statement.
CASE_DERIVED = {"order_id": f"(SELECT o.id FROM {_O} o WHERE o.store_id = r.store_id AND o.order_id = r.order_ref)"}
CASE_UPDATES = {
    "order_id": f"COALESCE(EXCLUDED.order_id, {_C}.order_id)",
    "order_ref": "EXCLUDED.order_ref",
    "kind": "EXCLUDED.kind",
    "reason": "EXCLUDED.reason",
    "status": "EXCLUDED.status",
    "previous_status": f"{_C}.status",
    "platform_status": "EXCLUDED.platform_status",
    "amount": f"COALESCE(EXCLUDED.amount, {_C}.amount)",
    "currency": "EXCLUDED.currency",
    "buyer_name": f"COALESCE(NULLIF(EXCLUDED.buyer_name, ''), {_C}.buyer_name)",
    "due_at": "EXCLUDED.due_at",
    "platform_created_at": f"COALESCE({_C}.platform_created_at, EXCLUDED.platform_created_at)",
    "platform_updated_at": f"COALESCE(EXCLUDED.platform_updated_at, {_C}.platform_updated_at)",
    "synced_at": "EXCLUDED.synced_at",
}
CASE_CHANGED = (
    "order_id",
    "order_ref",
    "kind",
    "reason",
    "status",
    "platform_status",
    "amount",
    "currency",
    "buyer_name",
    "due_at",
)
CASE_GUARD = (
    f"EXCLUDED.platform_updated_at IS NULL OR {_C}.platform_updated_at IS NULL "
    f"OR EXCLUDED.platform_updated_at >= {_C}.platform_updated_at"
)


def case_transitions(*, previous: str | None, status: str) -> list[str]:
    """A case first seen still open is new; a known case whose normalized status changed is updated."""
    if previous is None:
        return [] if status in CASE_FINISHED else [EventKind.AFTERSALES_NEW]
    return [EventKind.AFTERSALES_UPDATED] if previous != status else []


def _case_key(kind: str, store_id: int, row: CaseRow, status: str) -> str:
    key = f"{kind}:{store_id}:{row.case_id}"
    return f"{key}:{status}" if kind == EventKind.AFTERSALES_UPDATED else key


def _case_payload(row: CaseRow, *, status: str, previous: str | None) -> dict:
    return {
        "case_id": row.case_id,
        "order_id": row.order_ref,
        "kind": row.kind,
        "issue": row.reason,
        "status": status,
        "previous_status": previous,
        "platform_status": row.platform_status,
        "amount": str(row.amount) if row.amount is not None else None,
        "currency": row.currency,
        "due_date": _iso(row.due_at),
    }


@transaction.atomic
def cases_upsert_page(*, store, rows: Iterable[CaseRow], announce: bool = True) -> PageResult:
    """Upsert one page of a store's after-sales cases (linked to their order when it is known) and announce
    new and changed ones, in one transaction: two statements whatever the page size."""
    sql.relax_commit()
    store_id = _store_id(store)
    rows = _latest(rows, "case_id")
    now = timezone.now()
    values = [
        (store_id, row.case_id, row.order_ref, row.kind, row.reason, row.status, None)
        + (row.platform_status, row.amount, row.currency, row.buyer_name, row.due_at)
        + (row.platform_created_at, row.platform_updated_at, now, 0)
        for row in rows
    ]
    returned = sql.upsert(
        model=AfterSalesCase,
        columns=CASE_COLUMNS,
        rows=values,
        conflict=("store_id", "case_id"),
        updates=CASE_UPDATES,
        changed=CASE_CHANGED,
        guard=CASE_GUARD,
        returning=("case_id", "status", "previous_status"),
        derived=CASE_DERIVED,
    )
    by_key = {row.case_id: row for row in rows}
    result, emitted = PageResult(), []
    for key, status, previous in returned:
        row = by_key[key]
        (result.inserted if previous is None else result.updated).append(key)
        for kind in case_transitions(previous=previous, status=status) if announce else ():
            payload = _case_payload(row, status=status, previous=previous)
            emitted.append(
                EventRow(kind, store_id, _case_key(kind, store_id, row, status), payload, row.platform_updated_at)
            )
    result.events = events.emit_many(emitted) if emitted else []
    return result


# --- stock --------------------------------------------------------------------------------------------

_S = StockLevel._meta.db_table
STOCK_COLUMNS = (
    "store_id",
    "sku",
    "scheme",
    "seller_sku",
    "name",
    "quantity",
    "reserved",
    "state",
    "previous_state",
    "alert_seq",
    "synced_at",
)


def _stock_state_sql(threshold: int) -> str:
    limit = f"COALESCE({_S}.low_stock_threshold, {int(threshold)})"
    return f"CASE WHEN EXCLUDED.quantity <= 0 THEN 'out' WHEN EXCLUDED.quantity <= {limit} THEN 'low' ELSE 'ok' END"


def stock_state(quantity: int, threshold: int) -> str:
    """ok / low / out of a sellable quantity against a threshold (low at or below it, out at zero or less)."""
    return StockState.OUT if quantity <= 0 else StockState.LOW if quantity <= threshold else StockState.OK


def store_low_stock_threshold(store) -> int:
    """The store's low-stock threshold (orders.StoreSettings), or the project default when it set none."""
    value = StoreSettings.objects.filter(store_id=_store_id(store)).values_list("low_stock_threshold", flat=True)
    return next(iter(value), settings.SHOPCREW_LOW_STOCK_THRESHOLD)


def stock_transitions(*, previous: str | None, state: str) -> list[str]:
    """Low when it leaves ok (or is first seen low); out when it reaches out from anything else."""
    if state == StockState.LOW and previous in (None, StockState.OK):
        return [EventKind.STOCK_LOW]
    if state == StockState.OUT and previous != StockState.OUT:
        return [EventKind.STOCK_OUT]
    return []


@transaction.atomic
def stock_upsert_page(*, store, rows: Iterable[StockRow], announce: bool = True) -> PageResult:
    """Upsert one page of a store's stock levels, judge each against its threshold (the SKU's override, else
    the store's) and announce SKUs that turned low or ran out: one event per low-stock episode (`alert_seq`
    counts episodes). Three statements whatever the page size: the threshold, the stock, the events."""
    sql.relax_commit()
    store_id = _store_id(store)
    rows = list({(r.sku, r.scheme): r for r in rows}.values())
    threshold = store_low_stock_threshold(store_id)
    now = timezone.now()
    state = _stock_state_sql(threshold)
    values = []
    for row in rows:
        first = stock_state(row.quantity, threshold)
        values.append(
            (store_id, row.sku, row.scheme, row.seller_sku, row.name, row.quantity, row.reserved, first, None)
            + (0 if first == StockState.OK else 1, now)
        )
    updates = {
        "seller_sku": "EXCLUDED.seller_sku",
        "name": f"COALESCE(NULLIF(EXCLUDED.name, ''), {_S}.name)",
        "quantity": "EXCLUDED.quantity",
        "reserved": "EXCLUDED.reserved",
        "state": state,
        "previous_state": f"{_S}.state",
        "alert_seq": f"CASE WHEN {_S}.state = 'ok' AND ({state}) <> 'ok' THEN {_S}.alert_seq + 1 ELSE {_S}.alert_seq END",
        "synced_at": "EXCLUDED.synced_at",
    }
    returned = sql.upsert(
        model=StockLevel,
        columns=STOCK_COLUMNS,
        rows=values,
        conflict=("store_id", "sku", "scheme"),
        updates=updates,
        changed=("seller_sku", "name", "quantity", "reserved", "state"),
        returning=("sku", "scheme", "state", "previous_state", "alert_seq", "quantity", "low_stock_threshold"),
    )
    by_key = {(row.sku, row.scheme): row for row in rows}
    result, emitted = PageResult(), []
    for sku, scheme, new_state, previous, seq, quantity, override in returned:
        row = by_key[(sku, scheme)]
        (result.inserted if previous is None else result.updated).append(f"{scheme}:{sku}" if scheme else sku)
        for kind in stock_transitions(previous=previous, state=new_state) if announce else ():
            payload = {"sku": row.seller_sku or sku, "platform_sku": sku, "scheme": scheme, "name": row.name}
            payload |= {"quantity": quantity, "threshold": threshold if override is None else override}
            emitted.append(EventRow(kind, store_id, f"{kind}:{store_id}:{scheme}:{sku}:{seq}", payload, now))
    result.events = events.emit_many(emitted) if emitted else []
    return result
