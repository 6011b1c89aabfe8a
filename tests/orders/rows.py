"""Hand-made normalized rows for the upsert tests (the normalizer tests build theirs from the simulators)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from orders.normalize import CaseRow, ItemRow, OrderRow, StockRow

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def order(n: int, status="to_ship", *, platform_status=None, minutes=0, fulfilment="seller", items=1, **changes):
    row = OrderRow(
        order_id=f"260301ORD{n:05d}",
        order_number=f"260301ORD{n:05d}",
        fulfilment=fulfilment,
        status=status,
        platform_status=platform_status or status.upper(),
        amount=Decimal("12.50") + n,
        currency="SGD",
        buyer_name=f"买家{n}号",
        ship_by=T0 + timedelta(days=2),
        carrier="SPX",
        tracking_number="",
        platform_created_at=T0,
        platform_updated_at=T0 + timedelta(minutes=minutes),
        items=tuple(ItemRow(f"{n}:{i}", f"SKU-{n}-{i}", f"商品{i}", i + 1, Decimal("6.25")) for i in range(items)),
    )
    return replace(row, **changes)


def page(count: int, status="to_ship", start=0, **kwargs):
    return [order(n, status, **kwargs) for n in range(start, start + count)]


def case(n: int, status="requested", *, order_ref="", minutes=0, **changes):
    row = CaseRow(
        case_id=f"RET{n:06d}",
        order_ref=order_ref or f"260301ORD{n:05d}",
        kind="return_refund",
        reason="ITEM_DAMAGED",
        status=status,
        platform_status=status.upper(),
        amount=Decimal("9.90"),
        currency="SGD",
        buyer_name="buyer42",
        due_at=T0 + timedelta(days=3),
        platform_created_at=T0,
        platform_updated_at=T0 + timedelta(minutes=minutes),
    )
    return replace(row, **changes)


def stock(n: int, quantity: int, scheme: str = ""):
    return StockRow(
        sku=f"{1000 + n}", scheme=scheme, seller_sku=f"SKU-{n}", name=f"商品{n}", quantity=quantity, reserved=0
    )
