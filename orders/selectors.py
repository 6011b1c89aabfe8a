"""Reading orders, after-sales cases and stock, scoped to what the viewer may see; buyer data masked."""

from __future__ import annotations

from django.db.models import QuerySet

from core.permissions import permissions_of

from .models import AfterSalesCase, Order, StockLevel

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
