"""The daily rollups on databases other than PostgreSQL (the quick start's embedded SQLite): the same StoreDay rows
as reports.rollup's set-based statements, computed through the ORM a store at a time (seven queries per store,
whatever its number of orders), so the board of a quick-start console fills like a production one.

Same definitions, same rounding (money to the cent, half away from zero, as PostgreSQL stores numeric), same
snapshot rule: a new row starts with what the store looks like now; an existing past row keeps the snapshot it had
while its day was current; the current day's row takes the new one. PostgreSQL keeps using the statements: they
are what the 1,000-store benchmark measures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from orders.models import AfterSalesCase, Order, OrderItem, StockLevel, SyncState
from sop.models import Checklist
from stores.models import Store

from .models import ExchangeRate, SkuCost, StoreDay

CENT = Decimal("0.01")
FLOWS = (
    "orders", "currency", "sales", "sales_converted", "cost", "margin", "uncosted_lines", "shipped",
    "shipped_on_time", "cancelled", "returned", "checklist_done", "checklist_total", "rolled_up_at",
)  # fmt: skip
SNAPSHOTS = ("skus", "out_of_stock_skus", "low_stock_skus", "open_cases_past_due", "sync_ok", "sync_error")


@dataclass
class _Day:
    """One store's flows for one local day, before rounding."""

    orders: int = 0
    currencies: set = field(default_factory=set)
    sales: Decimal = Decimal(0)
    converted: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    uncosted: int = 0
    shipped: int = 0
    on_time: int = 0
    cancelled: int = 0
    returned: int = 0
    done: int = 0
    total: int = 0

    def values(self, now: datetime) -> dict:
        cent = lambda v: v.quantize(CENT, ROUND_HALF_UP)  # noqa: E731
        return {
            "orders": self.orders,
            "currency": max(self.currencies, default=""),
            "sales": cent(self.sales),
            "sales_converted": cent(self.converted),
            "cost": cent(self.cost),
            "margin": cent(self.converted - self.cost),
            "uncosted_lines": self.uncosted,
            "shipped": self.shipped,
            "shipped_on_time": self.on_time,
            "cancelled": self.cancelled,
            "returned": self.returned,
            "checklist_done": self.done,
            "checklist_total": self.total,
            "rolled_up_at": now,
        }


def storeday_rollup_portable(*, now: datetime, days_back: int) -> int:
    """reports.rollup.storeday_rollup through the ORM: every store's rows for its current local day and the
    `days_back` days before, then the current day's snapshots. Idempotent; one transaction. Returns the rows
    written."""
    from .rollup import OPEN_CASES, RETURN_KINDS, SHIPPED

    rates = {r.currency: r.rate for r in ExchangeRate.objects.all()}
    rates.setdefault(settings.SHOPCREW_COMPANY_CURRENCY, Decimal(1))
    costs = {c.sku: c.cost * rates[c.currency] for c in SkuCost.objects.all() if c.currency in rates}
    written = 0
    with transaction.atomic():
        for store in Store.objects.only("pk", "timezone"):
            tz = ZoneInfo(store.timezone or "UTC")
            today = now.astimezone(tz).date()
            days = {today - timedelta(days=k): _Day() for k in range(days_back + 1)}
            since = datetime.combine(min(days), time.min, tzinfo=tz)
            until = datetime.combine(today + timedelta(days=1), time.min, tzinfo=tz)
            _orders(store, days, tz, (since, until), rates, costs)
            _shipping(store, days, tz, (since, until), SHIPPED)
            for at in AfterSalesCase.objects.filter(
                store=store, kind__in=RETURN_KINDS, platform_created_at__gte=since, platform_created_at__lt=until
            ).values_list("platform_created_at", flat=True):
                days[_local_day(at, tz)].returned += 1
            for day, completed in Checklist.objects.filter(store=store, kind="daily", for_date__in=days).values_list(
                "for_date", "completed_at"
            ):
                days[cast(date, day)].total += 1
                days[cast(date, day)].done += completed is not None
            snapshot = _snapshot(store, now, OPEN_CASES)
            written += _write(store, days, today, snapshot, now)
    return written


def _orders(store, days: dict[date, _Day], tz, window, rates, costs) -> None:
    orders = Order.objects.filter(store=store, platform_created_at__gte=window[0], platform_created_at__lt=window[1])
    day_of = {}
    for pk, at, amount, currency, status in orders.values_list(
        "pk", "platform_created_at", "amount", "currency", "status"
    ):
        day = days[_local_day(at, tz)]
        day.orders += 1
        day.currencies.add(currency)
        if status == "cancelled":
            day.cancelled += 1
            continue
        day_of[pk] = day
        day.sales += amount or 0
        day.converted += (amount or 0) * rates[currency] if currency in rates else 0
    lines = OrderItem.objects.filter(order_id__in=list(day_of)).values_list("order_id", "seller_sku", "sku", "quantity")
    for order_id, seller_sku, sku, quantity in lines:
        cost = costs.get(seller_sku or sku)
        if cost is None:
            day_of[order_id].uncosted += 1
        else:
            day_of[order_id].cost += quantity * cost


def _shipping(store, days: dict[date, _Day], tz, window, shipped_states) -> None:
    shipped = Order.objects.filter(
        store=store, status__in=shipped_states, ship_by__gte=window[0], ship_by__lt=window[1]
    ).values_list("ship_by", "handled_at", "platform_updated_at")
    for ship_by, handled_at, updated_at in shipped:
        due = cast(datetime, ship_by)  # filtered on it
        day = days[_local_day(due, tz)]
        day.shipped += 1
        done_at = handled_at or updated_at
        day.on_time += done_at is not None and done_at <= due


def _snapshot(store, now: datetime, open_cases) -> dict:
    stock = StockLevel.objects.filter(store=store).aggregate(
        skus=Count("pk"), out=Count("pk", filter=Q(state="out")), low=Count("pk", filter=Q(state="low"))
    )
    overdue = AfterSalesCase.objects.filter(store=store, status__in=open_cases, due_at__lt=now).count()
    health, error = SyncState.objects.filter(store=store).values_list("health", "last_error").first() or ("ok", "")
    healthy = health == "ok"
    return {
        "skus": stock["skus"],
        "out_of_stock_skus": stock["out"],
        "low_stock_skus": stock["low"],
        "open_cases_past_due": overdue,
        "sync_ok": healthy,
        "sync_error": "" if healthy else error or "",
    }


def _local_day(at: datetime | None, tz: ZoneInfo) -> date:
    """The store's local day of a time the query filtered on (so never None)."""
    return cast(datetime, at).astimezone(tz).date()


def _write(store, days: dict[date, _Day], today: date, snapshot: dict, now: datetime) -> int:
    existing = {row.day: row for row in StoreDay.objects.filter(store=store, day__in=list(days))}
    fresh, changed = [], []
    for day, flows in days.items():
        values = flows.values(now)
        row = existing.get(day)
        if row is None:
            fresh.append(StoreDay(store=store, day=day, **values, **snapshot))
            continue
        for name, value in {**values, **(snapshot if day == today else {})}.items():
            setattr(row, name, value)
        changed.append(row)
    StoreDay.objects.bulk_create(fresh)
    StoreDay.objects.bulk_update(changed, [*FLOWS, *SNAPSHOTS])
    return len(fresh) + len(changed)
