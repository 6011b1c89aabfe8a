"""Two workers upserting the same page at the same moment, each on its own PostgreSQL connection, write one
event per transition: the second writer waits on the first one's row locks, then finds nothing left to change
(and, were its snapshot different, the unique dedupe key would still keep one event)."""

import threading
import time

import pytest
from django.db import connection, transaction

import events
from events.choices import EventKind
from events.models import Event
from events.services import EventRow
from orders.models import Order
from orders.services import orders_upsert_page
from tests.factories import StoreFactory

from .rows import page

pytestmark = pytest.mark.django_db(transaction=True)


def _waiting_on_a_lock(pid: int, timeout: float = 10.0) -> None:
    """Until the backend `pid` is blocked on a lock (pg_stat_activity), or fail."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
            if row and row[0] == "Lock":
                return
            assert time.monotonic() < deadline, "the second writer never waited for the first"
            time.sleep(0.01)


def overlap(first, second):
    """Run `first` in a transaction that stays open until `second` (another connection) is blocked behind
    it, then commit; return both results. The interleaving is forced, not hoped for."""
    results, errors = {}, []
    holding, release, pid = threading.Event(), threading.Event(), {}

    def run_first():
        try:
            with transaction.atomic():
                results["first"] = first()
                holding.set()
                assert release.wait(20)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            holding.set()
        finally:
            connection.close()

    def run_second():
        try:
            connection.ensure_connection()
            pid["second"] = connection.connection.info.backend_pid
            holding.wait(20)
            results["second"] = second()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    a, b = threading.Thread(target=run_first), threading.Thread(target=run_second)
    a.start()
    assert holding.wait(20)
    b.start()
    while "second" not in pid:
        assert b.is_alive() or "second" in results
        time.sleep(0.005)
    try:
        _waiting_on_a_lock(pid["second"])
    finally:
        release.set()
        a.join(30)
        b.join(30)
    assert not errors, errors
    return results["first"], results["second"]


def test_the_same_new_page_from_two_workers_is_one_event_per_order():
    store = StoreFactory()
    rows = page(30, items=2)
    first, second = overlap(
        lambda: orders_upsert_page(store=store, rows=rows), lambda: orders_upsert_page(store=store, rows=rows)
    )
    assert len(first.events) == 30 and second.events == [] and second.inserted == []
    assert Event.objects.filter(kind="order.new").count() == 30 and Order.objects.count() == 30


def test_the_same_shipment_seen_by_a_push_and_a_poll_at_once_is_one_event():
    store = StoreFactory()
    orders_upsert_page(store=store, rows=page(10))
    shipped = page(10, "shipped", minutes=5)
    first, second = overlap(
        lambda: orders_upsert_page(store=store, rows=shipped), lambda: orders_upsert_page(store=store, rows=shipped)
    )
    assert len(first.events) == 10 and second.events == []
    assert Event.objects.filter(kind="order.shipped").count() == 10


def test_concurrent_writers_of_one_dedupe_key_write_one_event():
    store = StoreFactory()
    rows = [EventRow(EventKind.STOCK_OUT, store.pk, f"stock.out:{store.pk}::{n}:1", {"n": n}) for n in range(20)]
    first, second = overlap(lambda: events.emit_many(rows), lambda: transaction.atomic()(events.emit_many)(rows))
    assert len(first) == 20 and second == []
    assert Event.objects.count() == 20
