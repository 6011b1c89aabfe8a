"""Daily and weekly digests (日报 / 周报) per store and per department (issue 9, item 4).

Figures of a period (a day, or a Monday-to-Sunday week) in the store's own time zone:
- `orders`: orders created on the platform in the period, unpaid ones not counted;
- `sales`: their amount, cancelled ones not counted, per currency (stores sell in their own currency);
- `shipped_on_time`: of the orders that shipped in the period (their `order.shipped` events), the share that
  shipped by their ship-by time; "-" when none shipped;
- `open_cases` and `low_stock`: open, unhandled after-sales cases and low / out-of-stock SKUs when the digest
  is made (a snapshot: yesterday's backlog is today's).

A department's stores are those whose PRIMARY owner belongs to it (the owner answers for the store; a store
has one primary owner, so each store counts in exactly one department and the company's figures add up).
A department's digest covers the company's calendar day (settings.TIME_ZONE) and adds up its stores' figures
for that date, each store's day taken in its own zone.

Digests are made once the period is over and the local clock has reached `SHOPCREW_DIGEST_HOUR` (9:00 by
default, when people read them), by a beat task every 15 minutes; each is one `digest.daily` /
`digest.weekly` event under the key `<kind>:store:<id>:<period>` or `<kind>:department:<id>:<period>`, so a
run that repeats, or a second worker, writes nothing twice, and a run after downtime still catches up.
Every figure is one aggregate query grouped by store per time zone, never a query per store.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, DateTimeField, F, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

import events
from events.choices import EventKind
from events.models import Event
from events.services import EventRow
from stores.choices import StoreStatus
from stores.models import Store

from .assignment import OPEN_CASE_STATUSES
from .choices import OrderStatus, StockState
from .models import AfterSalesCase, Order, StockLevel

DAILY, WEEKLY = EventKind.DIGEST_DAILY, EventKind.DIGEST_WEEKLY


def digest_hour() -> int:
    return int(getattr(settings, "SHOPCREW_DIGEST_HOUR", 9))


# Figures other apps add to the digests (ads registers its spend and sales in its AppConfig.ready): each is called
# as f(figures, start=, days=) with {store id: Figures} and fills what it knows, in a fixed number of queries.
_CONTRIBUTORS: list[Callable[..., None]] = []


def register_contributor(contribute: Callable[..., None]) -> Callable[..., None]:
    if contribute not in _CONTRIBUTORS:
        _CONTRIBUTORS.append(contribute)
    return contribute


@dataclass
class Figures:
    """One store's (or department's) figures for one period."""

    orders: int = 0
    sales: dict[str, Decimal] = field(default_factory=dict)
    shipped: int = 0
    shipped_on_time: int = 0
    open_cases: int = 0
    low_stock: int = 0
    stores: int = 1
    ads_spend: dict[str, Decimal] = field(default_factory=dict)  # currency → spend on ads (ads.AdsDay)
    ads_sales: dict[str, Decimal] = field(default_factory=dict)

    def add(self, other: Figures) -> None:
        self.orders += other.orders
        for currency, amount in other.sales.items():
            self.sales[currency] = self.sales.get(currency, Decimal(0)) + amount
        self.shipped += other.shipped
        self.shipped_on_time += other.shipped_on_time
        self.open_cases += other.open_cases
        self.low_stock += other.low_stock
        for mine, theirs in ((self.ads_spend, other.ads_spend), (self.ads_sales, other.ads_sales)):
            for currency, amount in theirs.items():
                mine[currency] = mine.get(currency, Decimal(0)) + amount

    def on_time_text(self) -> str:
        if not self.shipped:
            return "-"
        return f"{round(100 * self.shipped_on_time / self.shipped)}%"

    def sales_text(self) -> str:
        return _amounts(self.sales)

    def ads_roas_text(self) -> str:
        """Sales from ads per unit of spend, when the spend is in one currency (else per currency)."""
        parts = [
            f"{self.ads_sales.get(c, Decimal(0)) / spend:.2f}" for c, spend in sorted(self.ads_spend.items()) if spend
        ]
        return "; ".join(parts) or "-"

    def payload(self, *, period: str, start: date, end: date) -> dict:
        """What the event carries: the template's values ({orders}, {sales}, {shipped_on_time}, {open_cases},
        {low_stock}, {period}) and the raw figures behind them."""
        return {
            "period": period,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "orders": self.orders,
            "sales": self.sales_text(),
            "sales_by_currency": {c: str(a) for c, a in sorted(self.sales.items())},
            "shipped": self.shipped,
            "shipped_on_time_count": self.shipped_on_time,
            "shipped_on_time": self.on_time_text(),
            "open_cases": self.open_cases,
            "low_stock": self.low_stock,
            "stores": self.stores,
            "ads_spend": _amounts(self.ads_spend),
            "ads_sales": _amounts(self.ads_sales),
            "ads_roas": self.ads_roas_text(),
        }


def _amounts(by_currency: dict[str, Decimal]) -> str:
    if not by_currency:
        return "-"
    return "; ".join(f"{amount:,.2f} {currency}".strip() for currency, amount in sorted(by_currency.items()))


def _window(tz, start: date, days: int) -> tuple[datetime, datetime]:
    first = datetime.combine(start, time.min, tzinfo=tz)
    return first, datetime.combine(start + timedelta(days=days), time.min, tzinfo=tz)


def store_figures(*, stores, start: date, days: int) -> dict[int, Figures]:
    """{store id: Figures} for the `days` local days from `start` of each store: per time zone among the
    stores, one aggregate query each for orders, sales and shipments; open cases and low stock once for all."""
    by_tz: dict[str, list[int]] = defaultdict(list)
    for store in stores:
        by_tz[str(store.tzinfo)].append(store.pk)
    figures = {pk: Figures() for ids in by_tz.values() for pk in ids}
    for tz_name, ids in by_tz.items():
        since, until = _window(zoneinfo.ZoneInfo(tz_name), start, days)
        created = Order.objects.filter(
            store_id__in=ids, platform_created_at__gte=since, platform_created_at__lt=until
        ).exclude(status=OrderStatus.PENDING)
        for store_id, n in created.values_list("store_id").annotate(n=Count("pk")).order_by():
            figures[store_id].orders = n
        sold = created.exclude(status=OrderStatus.CANCELLED).filter(amount__isnull=False)
        for store_id, currency, total in sold.values_list("store_id", "currency").annotate(t=Sum("amount")).order_by():
            figures[store_id].sales[currency] = total
        shipped = Event.objects.filter(
            kind=EventKind.ORDER_SHIPPED, store_id__in=ids, occurred_at__gte=since, occurred_at__lt=until
        ).annotate(ship_by=Cast(KT("payload__ship_by"), DateTimeField()))
        on_time = Q(ship_by__isnull=True) | Q(occurred_at__lte=F("ship_by"))
        counted = shipped.values_list("store_id").annotate(n=Count("pk"), ok=Count("pk", filter=on_time)).order_by()
        for store_id, n, ok in counted:
            figures[store_id].shipped, figures[store_id].shipped_on_time = n, ok
    all_ids = list(figures)
    open_cases = AfterSalesCase.objects.filter(
        store_id__in=all_ids, status__in=OPEN_CASE_STATUSES, handled_at__isnull=True
    )
    for store_id, n in open_cases.values_list("store_id").annotate(n=Count("pk")).order_by():
        figures[store_id].open_cases = n
    low = StockLevel.objects.filter(store_id__in=all_ids, state__in=[StockState.LOW, StockState.OUT])
    for store_id, n in low.values_list("store_id").annotate(n=Count("pk")).order_by():
        figures[store_id].low_stock = n
    for contribute in _CONTRIBUTORS:
        contribute(figures, start=start, days=days)
    return figures


def _period(kind: str, start: date) -> tuple[str, int, str]:
    """(label, days, key part) of the period starting `start`."""
    if kind == DAILY:
        return start.strftime("%m-%d"), 1, start.isoformat()
    end = start + timedelta(days=6)
    year, week, _ = start.isocalendar()
    return f"{start:%m-%d}~{end:%m-%d}", 7, f"{year}-W{week:02d}"


def last_period(kind: str, local_now: datetime) -> date | None:
    """The start of the last finished period whose digest is due at `local_now` (after the digest hour)."""
    if local_now.hour < digest_hour():
        return None
    today = local_now.date()
    if kind == DAILY:
        return today - timedelta(days=1)
    return today - timedelta(days=today.weekday() + 7)  # last week's Monday


def _active_stores() -> list[Store]:
    return list(
        Store.objects.filter(status=StoreStatus.ACTIVE).select_related("primary_owner__department").order_by("pk")
    )


def _store_rows(kind: str, stores, now: datetime) -> list[EventRow]:
    due: dict[tuple[date, str], list] = defaultdict(list)
    for store in stores:
        start = last_period(kind, now.astimezone(store.tzinfo))
        if start is not None:
            due[(start, f"{kind}:store:{store.pk}:{_period(kind, start)[2]}")].append(store)
    done = set(Event.objects.filter(dedupe_key__in=[k for _s, k in due]).values_list("dedupe_key", flat=True))
    todo: dict[date, list] = defaultdict(list)
    for (start, key), group in due.items():
        if key not in done:
            todo[start] += group
    rows = []
    for start, group in todo.items():
        label, days, part = _period(kind, start)
        end = start + timedelta(days=days - 1)
        for pk, fig in store_figures(stores=group, start=start, days=days).items():
            payload = fig.payload(period=label, start=start, end=end)
            rows.append(EventRow(kind, pk, f"{kind}:store:{pk}:{part}", payload, now))
    return rows


def _department_rows(kind: str, stores, now: datetime) -> list[EventRow]:
    start = last_period(kind, timezone.localtime(now))
    if start is None:
        return []
    label, days, part = _period(kind, start)
    by_department: dict[int, list] = defaultdict(list)
    for store in stores:
        department = getattr(store.primary_owner, "department", None)
        if department is not None:
            by_department[department.pk].append(store)
    keys = {pk: f"{kind}:department:{pk}:{part}" for pk in by_department}
    done = set(Event.objects.filter(dedupe_key__in=keys.values()).values_list("dedupe_key", flat=True))
    wanted = {pk: group for pk, group in by_department.items() if keys[pk] not in done}
    if not wanted:
        return []
    figures = store_figures(stores=[s for g in wanted.values() for s in g], start=start, days=days)
    rows = []
    for pk, group in wanted.items():
        total = Figures(stores=len(group))
        for store in group:
            total.add(figures[store.pk])
        department = group[0].primary_owner.department
        payload = total.payload(period=label, start=start, end=start + timedelta(days=days - 1))
        payload |= {"department_id": pk, "department": department.name}
        rows.append(EventRow(kind, None, keys[pk], payload, now))
    return rows


def digests_emit_due(*, now: datetime | None = None) -> int:
    """Write every daily and weekly digest that is due and not yet written (stores, then departments); the
    number of events written. Safe to run as often as wanted, by as many workers as wanted."""
    now = now or timezone.now()
    stores = _active_stores()
    written = 0
    for kind in (DAILY, WEEKLY):
        rows = _store_rows(kind, stores, now) + _department_rows(kind, stores, now)
        if rows:
            with transaction.atomic():
                written += len(events.emit_many(rows))
    return written
