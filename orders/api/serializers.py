"""Orders, after-sales cases and stock as the API shows them: buyer names masked without order rights on the
store (orders.selectors.buyer_name_for), read-only (the work actions take their own small inputs)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from ..models import AfterSalesCase, Order, OrderItem, StockLevel
from ..selectors import buyer_name_for


class BuyerMixin(serializers.Serializer):
    buyer_name = serializers.SerializerMethodField()

    def get_buyer_name(self, obj) -> str:
        request = self.context.get("request")
        return buyer_name_for(viewer=getattr(request, "user", None), store_id=obj.store_id, name=obj.buyer_name)


class OrderItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderItem
        fields = ["line", "sku", "seller_sku", "name", "quantity", "price"]


class OrderSerializer(BuyerMixin, serializers.ModelSerializer):
    """An order with its lines; `buyer_name` in full only for people with order rights on its store."""

    store_name = serializers.CharField(source="store.name", read_only=True)
    items = OrderItemSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "store",
            "store_name",
            "order_id",
            "order_number",
            "status",
            "platform_status",
            "fulfilment",
            "amount",
            "currency",
            "buyer_name",
            "ship_by",
            "carrier",
            "tracking_number",
            "platform_created_at",
            "platform_updated_at",
            "assignee",
            "assigned_at",
            "handled_at",
            "handled_by",
            "items",
        ]
        read_only_fields = fields


class CaseSerializer(BuyerMixin, serializers.ModelSerializer):
    """An after-sales case; `buyer_name` in full only for people with order rights on its store."""

    store_name = serializers.CharField(source="store.name", read_only=True)

    class Meta:
        model = AfterSalesCase
        fields = [
            "id",
            "store",
            "store_name",
            "case_id",
            "order_ref",
            "kind",
            "reason",
            "status",
            "platform_status",
            "amount",
            "currency",
            "buyer_name",
            "due_at",
            "escalation_level",
            "assignee",
            "assigned_at",
            "handled_at",
            "handled_by",
            "platform_created_at",
        ]
        read_only_fields = fields


class StockSerializer(serializers.ModelSerializer):
    """A stock level with the threshold that applies (`effective_threshold`: the SKU's override, else the
    store's)."""

    store_name = serializers.CharField(source="store.name", read_only=True)
    store_threshold = serializers.IntegerField(read_only=True)
    effective_threshold = serializers.SerializerMethodField()

    class Meta:
        model = StockLevel
        fields = [
            "id",
            "store",
            "store_name",
            "sku",
            "scheme",
            "seller_sku",
            "name",
            "quantity",
            "reserved",
            "state",
            "low_stock_threshold",
            "store_threshold",
            "effective_threshold",
            "synced_at",
        ]
        read_only_fields = fields

    def get_effective_threshold(self, obj) -> int | None:
        """The SKU's override, else the store's threshold (orders.selectors.stock_with_thresholds)."""
        return obj.low_stock_threshold if obj.low_stock_threshold is not None else getattr(obj, "store_threshold", None)


class HandOverSerializer(serializers.Serializer):
    """The colleague to hand the work to (the service checks they hold the right on the store)."""

    to = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True))


class ThresholdSerializer(serializers.Serializer):
    """A SKU's low-stock threshold override; null: the store's applies."""

    threshold = serializers.IntegerField(min_value=0, max_value=10**9, allow_null=True)
