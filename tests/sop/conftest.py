"""Fixtures of the checklist tests: the default templates, stores in chosen time zones, order facts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import AfterSalesCase, Order, StockLevel
from sop.checklists import templates_ensure
from tests.factories import StoreFactory


@pytest.fixture
def sop_templates(db):
    """The default templates (the data migration's, again after a transactional test's flush)."""
    templates_ensure()


@pytest.fixture
def sop_store(db):
    """sop_store(tz="Asia/Bangkok", **fields) → an active store in that time zone."""

    def _store(tz="Asia/Bangkok", **fields):
        return StoreFactory(timezone=tz, **fields)

    return _store


def low_stock(store, sku, quantity=1, threshold=5):
    return StockLevel.objects.create(
        store=store,
        sku=sku,
        name=f"商品{sku}",
        quantity=quantity,
        low_stock_threshold=threshold,
        state="out" if quantity <= 0 else "low",
        synced_at=timezone.now(),
    )


def overdue_case(store, case_id, hours=2):
    return AfterSalesCase.objects.create(
        store=store,
        case_id=case_id,
        kind="return",
        status="requested",
        platform_status="REQUESTED",
        due_at=timezone.now() - timedelta(hours=hours),
        synced_at=timezone.now(),
    )


def late_order(store, order_id, hours=3):
    return Order.objects.create(
        store=store,
        order_id=order_id,
        fulfilment="seller",
        status="to_ship",
        platform_status="READY_TO_SHIP",
        ship_by=timezone.now() - timedelta(hours=hours),
        synced_at=timezone.now(),
    )
