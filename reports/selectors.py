"""Reads for the board: the stores a viewer may see, their figures over a period from StoreDay, one SKU's stock
across stores. Each reader issues a fixed number of queries whatever the number of stores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from core.permissions import ALL_STORES, permissions_of
from orders.models import OrderItem, StockLevel
from stores.models import Store, StoreGroup

from .models import ExchangeRate, StoreDay

VIEW = "reports_view"
EXPORT = "reports_export"
SURPLUS_DAYS = 60  # a store holding more than this many days of its own sales has a surplus of the SKU


def visible_stores(*, viewer, permission: str = VIEW) -> QuerySet[Store]:
    """The stores where the viewer holds reports_view and `permission` (every store for a super admin), unevaluated."""
    perms = permissions_of(viewer)
    seen, allowed = perms.stores_with(VIEW), perms.stores_with(permission)
    if seen is ALL_STORES and allowed is ALL_STORES:
        return Store.objects.all()
    stores = allowed if seen is ALL_STORES else seen if allowed is ALL_STORES else frozenset(seen) & frozenset(allowed)
    return Store.objects.filter(id__any_of=stores) if stores else Store.objects.none()


@dataclass
class BoardFilters:
    """What the board shows: the period (inclusive local days) and the store filters."""

    start: date
    end: date
    platform: str = ""
    site: str = ""
    group: int | None = None
    owner: int | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _ratio(part, whole) -> float | None:
    return round(100.0 * float(part) / float(whole), 1) if whole else None


@dataclass
class BoardRow:
    """One store's figures over the period (or the total of all shown stores, `store` None)."""

    store: Store | None
    orders: int = 0
    sales: dict[str, Decimal] = field(default_factory=dict)  # currency → amount
    sales_converted: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    margin: Decimal = Decimal(0)
    uncosted_lines: int = 0
    shipped: int = 0
    shipped_on_time: int = 0
    cancelled: int = 0
    returned: int = 0
    skus: int | None = None
    out_of_stock_skus: int | None = None
    low_stock_skus: int | None = None
    open_cases_past_due: int | None = None
    sync_ok: bool | None = None
    sync_error: str = ""
    checklist_done: int = 0
    checklist_total: int = 0
    # ads (ads.AdsDay), only where the viewer holds ads_view: None elsewhere. In the store's ads currency; the
    # converted figures (company currency, ExchangeRate) make the total and its ROAS.
    ads_currency: str = ""
    ads_spend: Decimal | None = None
    ads_sales: Decimal | None = None
    ads_spend_converted: Decimal | None = None
    ads_sales_converted: Decimal | None = None

    @property
    def roas(self):
        """Sales from ads per unit of ads spend (the total's from the converted figures)."""
        if self.store is None:
            spend, sales = self.ads_spend_converted, self.ads_sales_converted
        else:
            spend, sales = self.ads_spend, self.ads_sales
        return round(float(sales) / float(spend), 2) if spend and sales is not None else None

    @property
    def margin_pct(self):
        return _ratio(self.margin, self.sales_converted)

    @property
    def on_time_pct(self):
        return _ratio(self.shipped_on_time, self.shipped)

    @property
    def cancel_pct(self):
        return _ratio(self.cancelled, self.orders)

    @property
    def return_pct(self):
        return _ratio(self.returned, self.orders)

    @property
    def out_of_stock_pct(self):
        return _ratio(self.out_of_stock_skus or 0, self.skus)

    @property
    def checklist_pct(self):
        return _ratio(self.checklist_done, self.checklist_total)

    def add(self, other: BoardRow) -> None:
        for name in ("orders", "sales_converted", "cost", "margin", "uncosted_lines", "shipped", "shipped_on_time",
                     "cancelled", "returned", "checklist_done", "checklist_total"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for currency, amount in other.sales.items():
            self.sales[currency] = self.sales.get(currency, Decimal(0)) + amount
        for name in ("skus", "out_of_stock_skus", "low_stock_skus", "open_cases_past_due"):
            if getattr(other, name) is not None:
                setattr(self, name, (getattr(self, name) or 0) + getattr(other, name))
        if other.sync_ok is not None:
            self.sync_ok = (self.sync_ok is not False) and other.sync_ok
        for name in ("ads_spend_converted", "ads_sales_converted"):
            if getattr(other, name) is not None:
                setattr(self, name, (getattr(self, name) or Decimal(0)) + getattr(other, name))


SORT_KEYS = {
    "store": lambda r: r.store.name if r.store else "",
    "platform": lambda r: (r.store.platform, r.store.site) if r.store else ("", ""),
    "orders": lambda r: r.orders,
    "sales": lambda r: r.sales_converted,
    "margin": lambda r: r.margin,
    "margin_pct": lambda r: r.margin_pct,
    "on_time": lambda r: r.on_time_pct,
    "cancel": lambda r: r.cancel_pct,
    "return": lambda r: r.return_pct,
    "out_of_stock": lambda r: r.out_of_stock_pct,
    "overdue": lambda r: r.open_cases_past_due,
    "low_stock": lambda r: r.low_stock_skus,
    "sync": lambda r: r.sync_ok,
    "checklist": lambda r: r.checklist_pct,
    "ads_spend": lambda r: r.ads_spend_converted,
    "ads_sales": lambda r: r.ads_sales_converted,
    "roas": lambda r: r.roas,
}


def board_stores(*, viewer, filters: BoardFilters, permission: str = VIEW) -> QuerySet[Store]:
    """The viewer's stores narrowed by the filters (platform, site, store group, owner)."""
    stores = visible_stores(viewer=viewer, permission=permission)
    if filters.platform:
        stores = stores.filter(platform=filters.platform)
    if filters.site:
        stores = stores.filter(site=filters.site)
    if filters.group:
        stores = stores.filter(
            id__in=StoreGroup.stores.through.objects.filter(storegroup_id=filters.group).values("store_id")
        )
    if filters.owner:
        stores = stores.filter(Q(primary_owner_id=filters.owner) | Q(backup_owner_id=filters.owner))
    return stores


def board_rows(
    *, viewer, filters: BoardFilters, sort: str = "sales", permission: str = VIEW
) -> tuple[list[BoardRow], BoardRow]:
    """Every shown store's row and the total, sorted by `sort` ("-" first for descending). Two queries: the
    stores with their owners, and one aggregate over StoreDay grouped by store. Snapshot figures (stock,
    overdue cases, sync) are those of the period's last day."""
    stores = board_stores(viewer=viewer, filters=filters, permission=permission)
    store_list = list(stores.only("id", "name", "platform", "site").order_by("name", "id"))
    last = Q(day=filters.end)
    sums = (
        _days(stores, filters)
        .values("store_id")
        .annotate(
            orders_=Sum("orders"), currency_=Max("currency"), sales_=Sum("sales"), converted=Sum("sales_converted"),
            cost_=Sum("cost"), margin_=Sum("margin"), uncosted=Sum("uncosted_lines"), shipped_=Sum("shipped"),
            on_time=Sum("shipped_on_time"), cancelled_=Sum("cancelled"), returned_=Sum("returned"),
            skus_=Max("skus", filter=last), out_=Max("out_of_stock_skus", filter=last),
            low_=Max("low_stock_skus", filter=last), overdue=Max("open_cases_past_due", filter=last),
            sync_=Count("id", filter=last & Q(sync_ok=True)), synced=Count("id", filter=last),
            sync_error_=Max("sync_error", filter=last), done=Sum("checklist_done"), total=Sum("checklist_total"),
        )
    )  # fmt: skip
    by_store = {s["store_id"]: s for s in sums}
    rows = [_row(store, by_store.get(store.pk)) for store in store_list]
    _ads_figures(rows, viewer=viewer, filters=filters)
    total = BoardRow(store=None)
    for row in rows:
        total.add(row)
    key = sort.lstrip("-") if sort.lstrip("-") in SORT_KEYS else "sales"
    getter = SORT_KEYS[key]
    present = [r for r in rows if getter(r) is not None]
    missing = [r for r in rows if getter(r) is None]
    present.sort(key=getter, reverse=sort.startswith("-"))
    return present + missing, total


def _ads_figures(rows: list[BoardRow], *, viewer, filters: BoardFilters) -> None:
    """Each row's ads spend and sales over the period where the viewer may see the store's ads (two queries: the
    figures, the exchange rates)."""
    from ads.selectors import board_ads

    figures = board_ads(
        viewer=viewer, store_ids=[r.store.pk for r in rows if r.store], start=filters.start, end=filters.end
    )
    if not figures:
        return
    rates = dict(ExchangeRate.objects.values_list("currency", "rate"))
    rates.setdefault(settings.SHOPCREW_COMPANY_CURRENCY, Decimal(1))
    for row in rows:
        if row.store is None or row.store.pk not in figures:
            continue
        row.ads_currency, row.ads_spend, row.ads_sales = figures[row.store.pk]
        rate = rates.get(row.ads_currency)
        if rate is not None:
            row.ads_spend_converted = (row.ads_spend * rate).quantize(Decimal("0.01"))
            row.ads_sales_converted = (row.ads_sales * rate).quantize(Decimal("0.01"))


def _days(stores: QuerySet[Store], filters: BoardFilters) -> QuerySet[StoreDay]:
    """The StoreDay rows of the period in these stores (no store condition when they are all the stores), unordered
    so that grouping needs no join."""
    days = StoreDay.objects.filter(day__gte=filters.start, day__lte=filters.end).order_by()
    return days if not stores.query.where else days.filter(store_id__in=stores.values("id"))


def _row(store: Store, s: Mapping[str, Any] | None) -> BoardRow:
    if s is None:
        return BoardRow(store=store)
    return BoardRow(
        store=store,
        orders=s["orders_"] or 0,
        sales={s["currency_"]: s["sales_"]} if s["currency_"] else {},
        sales_converted=s["converted"] or Decimal(0),
        cost=s["cost_"] or Decimal(0),
        margin=s["margin_"] or Decimal(0),
        uncosted_lines=s["uncosted"] or 0,
        shipped=s["shipped_"] or 0,
        shipped_on_time=s["on_time"] or 0,
        cancelled=s["cancelled_"] or 0,
        returned=s["returned_"] or 0,
        skus=s["skus_"],
        out_of_stock_skus=s["out_"],
        low_stock_skus=s["low_"],
        open_cases_past_due=s["overdue"],
        sync_ok=(s["sync_"] > 0) if s["synced"] else None,
        sync_error=s["sync_error_"] or "",
        checklist_done=s["done"] or 0,
        checklist_total=s["total"] or 0,
    )


def board_trend(*, viewer, filters: BoardFilters) -> list[tuple[date, Decimal, int]]:
    """(day, converted sales, orders) of every day of the period over the shown stores: one query."""
    stores = board_stores(viewer=viewer, filters=filters)
    per_day = {
        r["day"]: r
        for r in _days(stores, filters).values("day").annotate(sales=Sum("sales_converted"), orders=Sum("orders"))
    }
    days = [filters.start + timedelta(days=i) for i in range(filters.days)]
    return [
        (d, per_day[d]["sales"] if d in per_day else Decimal(0), per_day[d]["orders"] if d in per_day else 0)
        for d in days
    ]


def board_choices(*, viewer) -> dict:
    """The filters' choices among the viewer's stores: store groups and owners (two queries)."""
    stores = visible_stores(viewer=viewer)
    ids = stores.values("id")
    groups = StoreGroup.objects.filter(stores__in=ids).distinct().order_by("name").values_list("id", "name")
    owners = (
        get_user_model()
        .objects.filter(Q(primary_stores__in=ids) | Q(backup_stores__in=ids))
        .distinct()
        .order_by("name")
        .values_list("id", "name")
    )
    return {"groups": list(groups), "owners": list(owners)}


def today_for_board() -> date:
    """The board's "today": the company's local date (stores' own days may differ by a few hours)."""
    return timezone.localdate()


@dataclass
class SkuStock:
    """One store's stock of the SKU, with what it sold over the last 30 days and the days that covers."""

    store: Store
    quantity: int
    state: str
    threshold: int | None
    sold_30d: int

    @property
    def days_of_cover(self) -> float | None:
        return round(self.quantity / (self.sold_30d / 30), 1) if self.sold_30d else None

    @property
    def shortage(self) -> bool:
        return self.state in ("low", "out")

    @property
    def surplus(self) -> bool:
        cover = self.days_of_cover
        return not self.shortage and self.quantity > 0 and (cover is None or cover > SURPLUS_DAYS)


def sku_matches(*, viewer, text: str, limit: int = 20) -> list[str]:
    """SKUs (seller SKU or platform SKU) in the viewer's stores containing `text`: one query."""
    if not text:
        return []
    stores = visible_stores(viewer=viewer).values("id")
    rows = (
        StockLevel.objects.filter(store_id__in=stores)
        .filter(Q(seller_sku__icontains=text) | Q(sku__icontains=text))
        .values_list("seller_sku", "sku")
        .distinct()[: limit * 3]
    )
    found = sorted({seller or sku for seller, sku in rows})
    return found[:limit]


def sku_across_stores(*, viewer, sku: str) -> list[SkuStock]:
    """The SKU's stock in every store the viewer may see that holds it, shortages first then by cover: two
    queries (stock levels with their stores; 30-day sales per store)."""
    stores = visible_stores(viewer=viewer).values("id")
    match = Q(seller_sku=sku) | Q(sku=sku)
    levels = list(StockLevel.objects.filter(match, store_id__in=stores).select_related("store"))
    since = timezone.now() - timedelta(days=30)
    sold = (
        dict(
            OrderItem.objects.filter(
                match, order__store_id__in=[lv.store_id for lv in levels], order__platform_created_at__gte=since
            )
            .exclude(order__status="cancelled")
            .values("order__store_id")
            .annotate(n=Sum("quantity"))
            .values_list("order__store_id", "n")
        )
        if levels
        else {}
    )
    merged: dict[int, SkuStock] = {}
    for lv in levels:  # an Ozon store may hold the SKU under two schemes (fbs, fbo): one line per store
        line = merged.get(lv.store_id)
        if line is None:
            merged[lv.store_id] = SkuStock(
                lv.store, lv.quantity, lv.state, lv.low_stock_threshold, sold.get(lv.store_id, 0)
            )
        else:
            line.quantity += lv.quantity
            line.state = min(line.state, lv.state, key=("out", "low", "ok").index)  # the worse of the two
    lines = list(merged.values())
    lines.sort(key=lambda s: (not s.shortage, -(s.days_of_cover or 0), s.store.name))
    return lines
