"""The daily rollup: one statement for every store, the figures a board reads, idempotent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import StoreDay
from reports.rollup import storeday_rollup
from tests.factories import StoreFactory

from .conftest import NOW, TODAY, YESTERDAY


def rows():
    return {(d.store.name, d.day): d for d in StoreDay.objects.select_related("store")}


def test_rollup_writes_today_and_yesterday_of_every_store(world):
    written = storeday_rollup(now=NOW)
    assert written == 6  # 3 stores × 2 days
    days = rows()
    assert set(days) == {(s, d) for s in ("A店", "B店", "C店") for d in (TODAY, YESTERDAY)}

    a_y = days["A店", YESTERDAY]
    assert (a_y.orders, a_y.cancelled, a_y.currency) == (2, 1, "SGD")
    assert a_y.sales == Decimal("100.00")  # the cancelled order's 50 is not a sale
    assert a_y.sales_converted == Decimal("500.00")  # at 5 CNY per SGD
    assert a_y.cost == Decimal("16.00")  # 2 × SKU-1 at 8 CNY (the cancelled order's line is left out)
    assert a_y.margin == Decimal("484.00")
    assert a_y.uncosted_lines == 0
    assert a_y.returned == 2  # the two return cases opened yesterday
    assert (a_y.checklist_done, a_y.checklist_total) == (1, 1)

    a_t = days["A店", TODAY]
    assert (a_t.orders, a_t.sales, a_t.sales_converted, a_t.cost, a_t.uncosted_lines) == (
        1, Decimal("40.00"), Decimal("200.00"), Decimal("0.00"), 1,
    )  # fmt: skip
    assert a_t.returned == 1  # the cancellation case is not a return
    assert (a_t.skus, a_t.out_of_stock_skus, a_t.low_stock_skus) == (4, 1, 1)
    assert a_t.open_cases_past_due == 1
    assert a_t.sync_ok is True
    assert (a_t.checklist_done, a_t.checklist_total) == (0, 1)

    b_t = days["B店", TODAY]
    assert (b_t.orders, b_t.shipped, b_t.shipped_on_time) == (3, 2, 1)
    assert b_t.sync_ok is False and "HTTP 500" in b_t.sync_error

    c_t = days["C店", TODAY]
    assert (c_t.orders, c_t.sales, c_t.skus, c_t.low_stock_skus) == (0, Decimal(0), 1, 1)


def test_rollup_is_idempotent_and_follows_changes(world):
    storeday_rollup(now=NOW)
    first = {k: (d.orders, d.sales, d.margin) for k, d in rows().items()}
    storeday_rollup(now=NOW)
    assert {k: (d.orders, d.sales, d.margin) for k, d in rows().items()} == first
    assert StoreDay.objects.count() == 6

    from .conftest import order

    order(world["c"], at=NOW - timedelta(hours=1), amount=Decimal("7.00"), currency="MYR")
    storeday_rollup(now=NOW)
    c_t = rows()["C店", TODAY]
    assert (c_t.orders, c_t.sales, c_t.currency, c_t.sales_converted) == (1, Decimal("7.00"), "MYR", Decimal(0))


def test_yesterdays_snapshot_is_kept_when_rolled_up_again_the_next_day(world):
    storeday_rollup(now=NOW)
    world_stock = world["a"]
    from orders.models import StockLevel

    StockLevel.objects.filter(store=world_stock).update(state="out")
    storeday_rollup(now=NOW + timedelta(days=1))
    days = rows()
    assert days["A店", TODAY].out_of_stock_skus == 1  # what it was while it was today
    assert days["A店", TODAY + timedelta(days=1)].out_of_stock_skus == 4


def test_the_rollup_is_two_statements_whatever_the_number_of_stores(world):
    for _ in range(20):
        StoreFactory()
    with CaptureQueriesContext(connection) as ctx:
        storeday_rollup(now=NOW)
    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 2
    assert StoreDay.objects.count() == 46


def test_the_beat_schedule_runs_the_rollup():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["reports-rollup-days"]
    assert entry["task"] == "reports.tasks.rollup_days"
    from reports.tasks import rollup_days

    assert rollup_days.name == entry["task"]
    nightly = settings.CELERY_BEAT_SCHEDULE["reports-rollup-month"]
    assert nightly["task"] == entry["task"] and nightly["kwargs"] == {"days_back": 35}


def test_the_nightly_rollup_corrects_a_day_an_order_was_cancelled_on_since(world):
    """An order of two days ago cancelled today: the 10-minute rollup leaves its day alone, the nightly one not."""
    from orders.models import Order

    storeday_rollup(now=NOW, days_back=35)
    before = TODAY - timedelta(days=2)
    assert (rows()["A店", before].orders, rows()["A店", before].sales) == (1, Decimal("999.00"))
    Order.objects.filter(amount=Decimal("999.00")).update(status="cancelled")
    storeday_rollup(now=NOW)
    assert rows()["A店", before].cancelled == 0
    storeday_rollup(now=NOW, days_back=35)
    assert (rows()["A店", before].cancelled, rows()["A店", before].sales) == (1, Decimal(0))


FIELDS = [f.attname for f in StoreDay._meta.concrete_fields if f.name not in ("id", "rolled_up_at")]


def _figures():
    return {(d.store_id, d.day): tuple(getattr(d, f) for f in FIELDS) for d in StoreDay.objects.all()}


@pytest.mark.parametrize("days_back", [1, 35])
def test_other_databases_roll_up_the_same_rows_through_the_orm(world, days_back):
    """The quick start's SQLite cannot run the statements: the ORM rollup writes the same rows — fresh ones, and
    rolled up again the next day after changes (the past day's snapshot kept, the new day's taken now)."""
    from orders.models import StockLevel
    from reports.rollup_portable import storeday_rollup_portable

    from .conftest import order

    written = storeday_rollup(now=NOW, days_back=days_back)
    expected = _figures()
    StoreDay.objects.all().delete()
    assert storeday_rollup_portable(now=NOW, days_back=days_back) == written
    assert _figures() == expected and expected[world["a"].pk, TODAY][FIELDS.index("orders")] == 1

    saved = list(StoreDay.objects.all())
    StockLevel.objects.filter(store=world["a"]).update(state="out")
    order(world["c"], at=NOW + timedelta(hours=2), amount=Decimal("7.00"), currency="MYR")
    storeday_rollup_portable(now=NOW + timedelta(days=1), days_back=days_back)
    portable = _figures()
    StoreDay.objects.all().delete()
    StoreDay.objects.bulk_create(saved)
    storeday_rollup(now=NOW + timedelta(days=1), days_back=days_back)
    assert portable == _figures()
    assert portable[world["a"].pk, TODAY][FIELDS.index("out_of_stock_skus")] == 1
