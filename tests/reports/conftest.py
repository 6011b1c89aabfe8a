"""Stores with known orders, cases, stock and checklists for the board's tests, and viewers of some of them."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from orders.models import AfterSalesCase, Order, OrderItem, StockLevel, SyncState
from rbac import services as rbac_services
from reports.models import ExchangeRate, SkuCost
from sop.models import Checklist
from stores.models import StoreGroup
from tests.factories import RoleFactory, StaffFactory, StoreFactory

SG = ZoneInfo("Asia/Singapore")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=SG)  # the rollup's "now": Singapore's 10 March, noon
TODAY = NOW.date()
YESTERDAY = TODAY - timedelta(days=1)

_seq = iter(range(1, 10**6))


def order(store, *, at, amount, status="to_ship", currency="SGD", items=(), ship_by=None, handled_at=None):
    n = next(_seq)
    o = Order.objects.create(
        store=store, order_id=f"O{n}", fulfilment="seller", status=status, platform_status=status, amount=amount,
        currency=currency, platform_created_at=at, platform_updated_at=at, ship_by=ship_by, handled_at=handled_at,
        synced_at=at, item_count=len(items),
    )  # fmt: skip
    for line, (sku, qty) in enumerate(items):
        OrderItem.objects.create(order=o, line=line, sku=f"P-{sku}", seller_sku=sku, quantity=qty, price=Decimal(1))
    return o


def case(store, *, at, kind="return_refund", status="requested", due_at=None):
    n = next(_seq)
    return AfterSalesCase.objects.create(
        store=store, case_id=f"C{n}", kind=kind, status=status, platform_status=status, platform_created_at=at,
        due_at=due_at, synced_at=at,
    )  # fmt: skip


def stock(store, sku, quantity, state, scheme=""):
    return StockLevel.objects.create(
        store=store, sku=f"P-{sku}", seller_sku=sku, scheme=scheme, quantity=quantity, state=state, synced_at=NOW
    )


@pytest.fixture
def world(db):
    """Three Singapore stores and one in Russia (Ozon), with the figures the tests expect:

    A (SG): yesterday 2 orders (100 SGD with 2 × SKU-1, 50 SGD cancelled); today 1 order of 40 SGD (1 × SKU-2,
      no cost); one return opened today; stock 4 SKUs (1 out, 1 low); 1 case past due; the daily check done yesterday, not yet today.
    B (SG): today 3 orders of 10 SGD; one shipped on time, one late; sync failing.
    C (MY): nothing at all.
    """
    ExchangeRate.objects.create(currency="SGD", rate=Decimal("5.0"))
    SkuCost.objects.create(sku="SKU-1", cost=Decimal("8.00"), currency="CNY")
    owner, other_owner = StaffFactory(name="店主甲"), StaffFactory(name="店主乙")
    a = StoreFactory(name="A店", site="SG", primary_owner=owner)
    b = StoreFactory(name="B店", site="SG")
    c = StoreFactory(name="C店", site="MY", primary_owner=other_owner)
    group = StoreGroup.objects.create(name="东南亚组")
    group.stores.add(a, c)
    y = datetime.combine(YESTERDAY, datetime.min.time(), tzinfo=SG)
    t = datetime.combine(TODAY, datetime.min.time(), tzinfo=SG)
    order(a, at=y + timedelta(hours=9), amount=Decimal("100.00"), items=[("SKU-1", 2)])
    order(a, at=y + timedelta(hours=23, minutes=59), amount=Decimal("50.00"), status="cancelled", items=[("SKU-1", 1)])
    order(a, at=t + timedelta(hours=1), amount=Decimal("40.00"), items=[("SKU-2", 1)])
    order(a, at=y - timedelta(minutes=1), amount=Decimal("999.00"))  # the day before yesterday: not rolled up
    case(a, at=t + timedelta(hours=2))
    case(a, at=t + timedelta(hours=2), kind="cancellation")  # not a return
    case(a, at=y, status="processing", due_at=NOW - timedelta(hours=1))  # open, past due (and a return yesterday)
    case(a, at=y, status="closed", due_at=NOW - timedelta(hours=1))  # closed: not overdue (a return yesterday)
    for sku, qty, state in [("SKU-1", 50, "ok"), ("SKU-2", 0, "out"), ("SKU-3", 2, "low"), ("SKU-4", 9, "ok")]:
        stock(a, sku, qty, state)
    stock(b, "SKU-1", 300, "ok")
    stock(c, "SKU-1", 1, "low")
    Checklist.objects.create(kind="daily", title="每日巡检", store=a, for_date=TODAY)
    Checklist.objects.create(kind="daily", title="每日巡检", store=a, for_date=YESTERDAY, completed_at=NOW)
    for i in range(3):
        order(
            b, at=t + timedelta(hours=3 + i), amount=Decimal("10.00"), status="shipped" if i < 2 else "to_ship",
            ship_by=t + timedelta(hours=10), handled_at=t + timedelta(hours=9 if i == 0 else 11) if i < 2 else None,
        )  # fmt: skip
    SyncState.objects.create(store=b, health="failing", next_poll_at=NOW, last_error="HTTP 500 from Shopee")
    SyncState.objects.create(store=a, health="ok", next_poll_at=NOW)
    return {"a": a, "b": b, "c": c, "group": group, "owner": owner, "other_owner": other_owner}


@pytest.fixture
def reports_role(db):
    return RoleFactory(name="报表查看", permissions=["reports_view", "reports_export"])


@pytest.fixture
def viewer_of(super_admins, reports_role):
    """viewer_of(*stores) → a staff member with reports_view and reports_export on those stores only."""

    def _viewer(*stores):
        person = StaffFactory()
        for store in stores:
            rbac_services.binding_grant(actor=super_admins[0], staff=person, role=reports_role, store=store, reason="t")
        return person

    return _viewer


@pytest.fixture
def frozen_now():
    return NOW


def as_local(dt):
    return timezone.localtime(dt, SG)
