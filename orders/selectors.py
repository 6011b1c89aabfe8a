"""Reading orders, after-sales cases and stock, scoped to what the viewer may see; buyer data masked."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from core.permissions import ALL_STORES, holders_of, permissions_of

from .choices import AssignmentMode, StockState
from .models import AfterSalesCase, Order, StockLevel, StoreSettings

BUYER_RIGHT = "orders_view"  # the right that shows buyers' personal data of a store's orders


def mask_name(name: str) -> str:
    """A buyer's name with all but its first character (and last, when longer than two) hidden: 张三 → 张*,
    buyer1234 → b*******4. Empty stays empty."""
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*" * (len(name) - 1 or 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]


def buyer_visible(*, viewer, store_id: int) -> bool:
    """Whether `viewer` may see buyers' personal data of this store's orders (order rights on the store)."""
    return permissions_of(viewer).has(BUYER_RIGHT, store_id)


def buyer_name_for(*, viewer, store_id: int, name: str) -> str:
    """The buyer's name as `viewer` may see it: in full with order rights on the store, masked otherwise."""
    return name if buyer_visible(viewer=viewer, store_id=store_id) else mask_name(name)


def order_list(*, viewer, action: str = "view") -> QuerySet[Order]:
    """The orders of the stores where the viewer holds the action's right (orders_view for "view")."""
    return Order.objects.restrict(viewer, action).select_related("store")


def case_list(*, viewer, action: str = "view") -> QuerySet[AfterSalesCase]:
    """The after-sales cases of the stores where the viewer holds the action's right (after_sales_view)."""
    return AfterSalesCase.objects.restrict(viewer, action).select_related("store", "order")


def stock_list(*, viewer, state: str | None = None) -> QuerySet[StockLevel]:
    """Stock levels of the stores where the viewer may see inventory; only low / out ones with `state`."""
    qs = StockLevel.objects.restrict(viewer, "view")
    return qs.filter(state=state) if state else qs


def order_public(order: Order, *, viewer) -> dict:
    """An order as a page or the API shows it to `viewer`: buyer personal data masked without order rights
    on its store (an after-sales or shipping colleague sees the order, not who bought it)."""
    return {
        "id": order.pk,
        "store": order.store_id,
        "order_id": order.order_id,
        "status": order.status,
        "platform_status": order.platform_status,
        "amount": order.amount,
        "currency": order.currency,
        "buyer_name": buyer_name_for(viewer=viewer, store_id=order.store_id, name=order.buyer_name),
        "ship_by": order.ship_by,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
    }


def case_public(case: AfterSalesCase, *, viewer) -> dict:
    """An after-sales case as `viewer` may see it (buyer masked without order rights on its store)."""
    return {
        "id": case.pk,
        "store": case.store_id,
        "case_id": case.case_id,
        "order_id": case.order_ref,
        "kind": case.kind,
        "reason": case.reason,
        "status": case.status,
        "amount": case.amount,
        "currency": case.currency,
        "buyer_name": buyer_name_for(viewer=viewer, store_id=case.store_id, name=case.buyer_name),
        "due_at": case.due_at,
        "assignee": case.assignee_id,
    }


# ---------------------------------------------------------------------------------------------- work for people


def work_hand_over_choices(*, item) -> QuerySet:
    """Colleagues an order or case may be handed to: working people holding the operate right on its store
    (one query)."""
    from .assignment import operate_right

    return holders_of(store=item.store, perm=operate_right(item)).order_by("name", "pk")


def on_duty_choices(*, store) -> QuerySet:
    """Working people who may be on duty for a store: those holding orders_operate or after_sales_operate
    there (one query)."""
    orders = holders_of(store=store, perm="orders_operate").values("pk")
    cases = holders_of(store=store, perm="after_sales_operate").values("pk")
    model = holders_of(store=store, perm="orders_operate").model
    return model.objects.filter(Q(pk__in=orders) | Q(pk__in=cases)).order_by("name", "pk")


def stock_with_thresholds(queryset: QuerySet[StockLevel]) -> QuerySet[StockLevel]:
    """Stock levels annotated with `store_threshold` (the store's, or the project default) and
    `effective_threshold` (the SKU's override, else the store's), in the same query."""
    store_threshold = Coalesce(
        Subquery(StoreSettings.objects.filter(store_id=OuterRef("store_id")).values("low_stock_threshold")[:1]),
        Value(settings.SHOPCREW_LOW_STOCK_THRESHOLD),
    )
    return queryset.annotate(store_threshold=store_threshold).annotate(
        effective_threshold=Coalesce("low_stock_threshold", "store_threshold")
    )


@dataclass(frozen=True)
class StoreRef:
    """A store as a list names it (id and name), read in the same query as its figures."""

    pk: int
    name: str


@dataclass
class WorkItems:
    """我的职责's work: what waits on the viewer (first rows and how many in all) and low stock per store."""

    orders: list = field(default_factory=list)
    order_count: int = 0
    cases: list = field(default_factory=list)
    case_count: int = 0
    low_stock: list = field(default_factory=list)  # [(StoreRef, low, out)], stores with the most out first
    any_rights: bool = False


def _waiting(model, *, viewer, right: str, statuses, perms) -> QuerySet:
    stores = perms.stores_with(right)
    qs = model.objects.filter(status__in=statuses, handled_at__isnull=True)
    if stores is not ALL_STORES:
        qs = qs.filter(store_id__in=stores)
    claimable = StoreSettings.objects.filter(assignment_mode=AssignmentMode.CLAIM, on_duty=viewer).values("store_id")
    return qs.filter(Q(assignee=viewer) | Q(assignee__isnull=True, store_id__in=claimable))


def work_items(*, viewer, limit: int = 20) -> WorkItems:
    """The work waiting on `viewer` (我的职责): new orders awaiting shipment and open after-sales cases of
    the stores where they hold the operate right that are assigned to them, or unassigned in a claim-mode
    store where they are on duty; and low / out-of-stock SKU counts per store where they see inventory.
    At most five queries whatever the number of stores, orders or SKUs."""
    from .assignment import OPEN_CASE_STATUSES, OPEN_ORDER_STATUSES

    perms = permissions_of(viewer)
    items = WorkItems()
    if perms.has_anywhere("orders_operate"):
        items.any_rights = True
        qs = _waiting(Order, viewer=viewer, right="orders_operate", statuses=OPEN_ORDER_STATUSES, perms=perms)
        items.order_count = qs.count()
        items.orders = list(qs.select_related("store", "assignee").order_by("ship_by", "pk")[:limit])
    if perms.has_anywhere("after_sales_operate"):
        items.any_rights = True
        qs = _waiting(
            AfterSalesCase, viewer=viewer, right="after_sales_operate", statuses=OPEN_CASE_STATUSES, perms=perms
        )
        items.case_count = qs.count()
        items.cases = list(qs.select_related("store", "assignee").order_by("due_at", "pk")[:limit])
    if perms.has_anywhere("inventory_view"):
        items.any_rights = True
        low = (
            StockLevel.objects.restrict(viewer, "view")
            .filter(state__in=[StockState.LOW, StockState.OUT])
            .values("store_id", "store__name")
            .annotate(low=Count("pk", filter=Q(state=StockState.LOW)), out=Count("pk", filter=Q(state=StockState.OUT)))
            .order_by("-out", "-low", "store_id")[:limit]
        )
        items.low_stock = [(StoreRef(r["store_id"], r["store__name"]), r["low"], r["out"]) for r in low]
    return items
