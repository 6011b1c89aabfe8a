"""The FilterSets of orders, after-sales cases and stock, shared by the list pages and the API.

Store choices are the stores where the viewer holds the list's right; "mine" and "unassigned" read the
viewer from the request. Dates are the viewer's calendar days (the site's time zone)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import FilterSet
from staff.choosers import STAFF
from staff.models import Staff
from stores.choosers import STORES
from stores.models import Store

from .choices import CaseKind, CaseStatus, Fulfilment, OrderStatus, StockState
from .models import AfterSalesCase, Order, StockLevel

ALL = _("All")
ATTENTION = "attention"  # stock: low or out


def _stores(perm: str):
    def rows(request):
        return Store.objects.restrict(getattr(request, "user", None), perm).order_by("platform", "site", "name")

    return rows


def _colleagues(perm: str):
    def rows(request):
        return Staff.objects.restrict(getattr(request, "user", None), perm).order_by("name", "pk")

    return rows


class WorkFilterSet(FilterSet):
    """What orders and cases share: store, assignee, mine, unassigned, handled."""

    right = "orders_view"

    mine = django_filters.BooleanFilter(label=_("Mine"), method="filter_mine")
    unassigned = django_filters.BooleanFilter(label=_("Unassigned"), field_name="assignee", lookup_expr="isnull")
    handled = django_filters.BooleanFilter(
        label=_("Handled"), field_name="handled_at", lookup_expr="isnull", exclude=True
    )

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if value is None or user is None:
            return queryset
        return queryset.filter(assignee=user) if value else queryset.exclude(assignee=user)

    def filter_search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(self.search_q(value))


class OrderFilterSet(WorkFilterSet):
    """Orders: search by order ID, store, status, fulfilment, assignee, mine / unassigned / handled, and the
    day range they were created on the platform."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search", help_text=_("Order ID"))
    store = django_filters.ModelChoiceFilter(
        label=_("Store"), empty_label=ALL, queryset=_stores("orders_view"), widget=STORES.widget("orders_view")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=OrderStatus.choices, empty_label=ALL)
    fulfilment = django_filters.ChoiceFilter(label=_("Fulfilment"), choices=Fulfilment.choices, empty_label=ALL)
    assignee = django_filters.ModelChoiceFilter(
        label=_("Assignee"), empty_label=ALL, queryset=_colleagues("orders_view"), widget=STAFF.widget("orders_view")
    )
    created_after = django_filters.DateFilter(
        label=_("Created from"), field_name="platform_created_at", lookup_expr="date__gte"
    )
    created_before = django_filters.DateFilter(
        label=_("Created until"), field_name="platform_created_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Order
        fields = ["q", "store", "status", "fulfilment", "assignee", "mine", "unassigned", "handled"]

    def search_q(self, value):
        return Q(order_id__icontains=value) | Q(order_number__icontains=value)


class CaseFilterSet(WorkFilterSet):
    """After-sales cases: search by case or order ID, store, status, kind, assignee, mine / unassigned /
    handled, overdue."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search", help_text=_("Return / refund or order ID"))
    store = django_filters.ModelChoiceFilter(
        label=_("Store"),
        empty_label=ALL,
        queryset=_stores("after_sales_view"),
        widget=STORES.widget("after_sales_view"),
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CaseStatus.choices, empty_label=ALL)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CaseKind.choices, empty_label=ALL)
    assignee = django_filters.ModelChoiceFilter(
        label=_("Assignee"),
        empty_label=ALL,
        queryset=_colleagues("after_sales_view"),
        widget=STAFF.widget("after_sales_view"),
    )
    due_before = django_filters.DateFilter(label=_("Due until"), field_name="due_at", lookup_expr="date__lte")

    class Meta:
        model = AfterSalesCase
        fields = ["q", "store", "status", "kind", "assignee", "mine", "unassigned", "handled"]

    def search_q(self, value):
        return Q(case_id__icontains=value) | Q(order_ref__icontains=value)


class StockFilterSet(FilterSet):
    """Stock levels: search by SKU or name, store, and state (low or out together: "needs attention")."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search", help_text=_("SKU or product name"))
    store = django_filters.ModelChoiceFilter(
        label=_("Store"), empty_label=ALL, queryset=_stores("inventory_view"), widget=STORES.widget("inventory_view")
    )
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=[(ATTENTION, _("Low or out of stock")), *StockState.choices],
        empty_label=ALL,
        method="filter_state",
    )

    class Meta:
        model = StockLevel
        fields = ["q", "store", "state"]

    def filter_state(self, queryset, name, value):
        if value == ATTENTION:
            return queryset.filter(state__in=[StockState.LOW, StockState.OUT])
        return queryset.filter(state=value) if value else queryset

    def filter_search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(sku__icontains=value) | Q(seller_sku__icontains=value) | Q(name__icontains=value))
