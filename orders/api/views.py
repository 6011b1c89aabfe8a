"""The orders API: orders, after-sales cases and stock (read, scoped to the caller's stores) and the work
actions (claim, hand over, mark handled; a SKU's threshold), each one service call."""

from __future__ import annotations

from django.db.models import Prefetch

from core.api.viewsets import ReadOnlyViewSet, service_action

from .. import assignment, selectors, store_settings
from ..filtersets import CaseFilterSet, OrderFilterSet, StockFilterSet
from ..models import AfterSalesCase, Order, OrderItem, StockLevel
from .serializers import CaseSerializer, HandOverSerializer, OrderSerializer, StockSerializer, ThresholdSerializer


class OrderViewSet(ReadOnlyViewSet):
    """Orders of the stores where the caller holds orders_view; the work actions need orders_operate there."""

    queryset = Order.objects.all()
    serializer_class = OrderSerializer
    filterset_class = OrderFilterSet
    ordering_fields = ["platform_created_at", "ship_by", "amount", "order_id"]
    ordering = ["-platform_created_at", "-id"]

    def scope_queryset(self, queryset):
        return queryset.select_related("store").prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.order_by("line"))
        )

    claim = service_action(assignment.work_claim, object_name="item", answer="object")
    hand_over = service_action(
        assignment.work_hand_over, input=HandOverSerializer, object_name="item", answer="object", url_path="hand-over"
    )
    handle = service_action(assignment.work_mark_handled, object_name="item", answer="object", url_path="handled")


class CaseViewSet(ReadOnlyViewSet):
    """After-sales cases of the stores where the caller holds after_sales_view; the work actions need
    after_sales_operate there."""

    queryset = AfterSalesCase.objects.all()
    serializer_class = CaseSerializer
    filterset_class = CaseFilterSet
    ordering_fields = ["due_at", "platform_created_at", "amount", "case_id"]
    ordering = ["due_at", "-id"]

    def scope_queryset(self, queryset):
        return queryset.select_related("store")

    claim = service_action(assignment.work_claim, object_name="item", answer="object")
    hand_over = service_action(
        assignment.work_hand_over, input=HandOverSerializer, object_name="item", answer="object", url_path="hand-over"
    )
    handle = service_action(assignment.work_mark_handled, object_name="item", answer="object", url_path="handled")


class StockViewSet(ReadOnlyViewSet):
    """Stock levels of the stores where the caller holds inventory_view; a SKU's threshold needs
    inventory_operate."""

    queryset = StockLevel.objects.all()
    serializer_class = StockSerializer
    filterset_class = StockFilterSet
    ordering_fields = ["quantity", "sku", "state"]
    ordering = ["store", "sku", "scheme"]

    def scope_queryset(self, queryset):
        return selectors.stock_with_thresholds(queryset.select_related("store"))

    threshold = service_action(
        store_settings.stock_threshold_update, input=ThresholdSerializer, object_name="stock", answer="object"
    )
