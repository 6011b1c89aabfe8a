"""Normalized orders (订单), after-sales cases (售后) and stock levels (库存) of every store.

Rows arrive from the platforms through orders.services (batched upserts, one statement per table per page);
people read them through orders.selectors, scoped by store with restrict(). `platform_*` columns keep what
the platform said; everything else is our normalization of it.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import RestrictedModel

from .choices import AssignmentMode, CaseKind, CaseStatus, Fulfilment, OrderStatus, StockState, SyncHealth

STORE = settings.SHOPCREW_STORE_MODEL


class Order(RestrictedModel):
    """One Shopee order or Ozon posting of a store; unique by (store, order_id).

    `order_id` is the platform's key (Shopee order_sn, Ozon posting_number); `status` is normalized,
    `platform_status` raw. `previous_status` is the status before the last change the upsert applied (NULL
    right after the first sighting), so a transition is read from the row the writer itself changed —
    correct under concurrent writers. `items_digest` fingerprints the item lines so a change of items is a
    change of the order. Buyer personal data (`buyer_name`) is shown only to people with order rights on the
    store (orders.selectors.order_public).
    """

    store = models.ForeignKey(
        STORE, verbose_name=_("store"), on_delete=models.CASCADE, related_name="+", db_index=False
    )  # the unique constraint below leads with store
    order_id = models.CharField(_("platform order ID"), max_length=64)
    order_number = models.CharField(_("order number"), max_length=64, blank=True)
    fulfilment = models.CharField(_("fulfilment"), max_length=10, choices=Fulfilment.choices)
    status = models.CharField(_("status"), max_length=12, choices=OrderStatus.choices)
    previous_status = models.CharField(_("previous status"), max_length=12, choices=OrderStatus.choices, null=True)
    platform_status = models.CharField(_("platform status"), max_length=40)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    buyer_name = models.CharField(_("buyer"), max_length=200, blank=True)
    ship_by = models.DateTimeField(_("ship by"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=200, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    item_count = models.PositiveIntegerField(_("item lines"), default=0)
    items_digest = models.CharField(max_length=32, blank=True)
    items_changed = models.BooleanField(default=True)  # whether the last write changed the lines (for that writer)
    platform_created_at = models.DateTimeField(_("created on the platform"), null=True, blank=True)
    platform_updated_at = models.DateTimeField(_("updated on the platform"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # a partial index (Meta): most rows have none, and intake writes them by the thousand
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # a partial index (Meta): most rows have none, and intake writes them by the thousand
    )
    synced_at = models.DateTimeField(_("synced at"))

    permission_map = {"view": "orders_view", "change": "orders_operate"}

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-platform_created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["store", "order_id"], name="order_unique_store_order_id")]
        indexes = [
            models.Index(fields=["store", "status", "ship_by"], name="order_store_status_idx"),
            models.Index(fields=["store", "-platform_created_at"], name="order_store_created_idx"),
            models.Index(fields=["assignee"], condition=Q(assignee__isnull=False), name="order_assignee_idx"),
            models.Index(fields=["handled_by"], condition=Q(handled_by__isnull=False), name="order_handled_by_idx"),
        ]

    def __str__(self):
        return self.order_id


class OrderItem(RestrictedModel):
    """One line of an order, in the platform's order (`line` 0..n-1); unique by (order, line).

    A table rather than JSON on the order: stock, reports and digests ask "which orders sold this SKU", and
    the page upsert stays one statement for the lines of every changed order of a page.
    """

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="items", db_index=False
    )  # the unique (order, line) constraint leads with it
    line = models.PositiveSmallIntegerField(_("line"))
    sku = models.CharField(_("SKU"), max_length=64)
    seller_sku = models.CharField(_("seller SKU"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=300, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    price = models.DecimalField(_("price"), max_digits=16, decimal_places=2, null=True, blank=True)

    store_lookups = ("order__store",)
    permission_map = {"view": "orders_view"}

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        ordering = ["order", "line"]
        constraints = [models.UniqueConstraint(fields=["order", "line"], name="orderitem_unique_order_line")]
        indexes = [models.Index(fields=["sku"], name="orderitem_sku_idx")]

    def __str__(self):
        return f"{self.sku} × {self.quantity}"


class AfterSalesCase(RestrictedModel):
    """A return or refund request of a store (Shopee return_sn, Ozon return id); unique by (store, case_id).

    `order` is linked when the order is known to us (`order_ref` keeps the platform's order key either way);
    `due_at` is the last moment the seller can act; `assignee` is the colleague handling it.
    """

    store = models.ForeignKey(
        STORE, verbose_name=_("store"), on_delete=models.CASCADE, related_name="+", db_index=False
    )  # the unique constraint below leads with store
    case_id = models.CharField(_("return / refund ID"), max_length=64)
    order = models.ForeignKey(
        Order, verbose_name=_("order"), null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    order_ref = models.CharField(_("platform order ID"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CaseKind.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices)
    previous_status = models.CharField(_("previous status"), max_length=12, choices=CaseStatus.choices, null=True)
    platform_status = models.CharField(_("platform status"), max_length=60)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    buyer_name = models.CharField(_("buyer"), max_length=200, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    platform_created_at = models.DateTimeField(_("created on the platform"), null=True, blank=True)
    platform_updated_at = models.DateTimeField(_("updated on the platform"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # a partial index (Meta): most rows have none, and intake writes them by the thousand
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # a partial index (Meta): most rows have none, and intake writes them by the thousand
    )
    # How far the case has been escalated for missing its due time: 0 none, 1 backup owner, 2 department manager.
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    synced_at = models.DateTimeField(_("synced at"))

    permission_map = {"view": "after_sales_view", "change": "after_sales_operate"}

    class Meta:
        verbose_name = _("after-sales case")
        verbose_name_plural = _("after-sales cases")
        ordering = ["due_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["store", "case_id"], name="case_unique_store_case_id")]
        indexes = [
            models.Index(fields=["store", "status", "due_at"], name="case_store_status_idx"),
            models.Index(fields=["assignee"], condition=Q(assignee__isnull=False), name="case_assignee_idx"),
            models.Index(fields=["handled_by"], condition=Q(handled_by__isnull=False), name="case_handled_by_idx"),
        ]

    def __str__(self):
        return self.case_id


class StockLevel(RestrictedModel):
    """Sellable quantity of one SKU of a store under one scheme (Ozon fbs/fbo; "" for Shopee).

    `state` is ok / low / out against `low_stock_threshold` (this SKU's override) or the store's threshold
    (StoreSettings); `alert_seq` counts the times it left ok, so each low-stock episode is announced once.
    """

    store = models.ForeignKey(
        STORE, verbose_name=_("store"), on_delete=models.CASCADE, related_name="+", db_index=False
    )  # the unique constraint below leads with store
    sku = models.CharField(_("SKU"), max_length=64)
    scheme = models.CharField(_("scheme"), max_length=8, blank=True)
    seller_sku = models.CharField(_("seller SKU"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=300, blank=True)
    quantity = models.IntegerField(_("sellable quantity"))
    reserved = models.IntegerField(_("reserved"), default=0)
    low_stock_threshold = models.PositiveIntegerField(_("low-stock threshold"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=4, choices=StockState.choices)
    previous_state = models.CharField(_("previous state"), max_length=4, choices=StockState.choices, null=True)
    alert_seq = models.PositiveIntegerField(default=0)
    synced_at = models.DateTimeField(_("synced at"))

    permission_map = {"view": "inventory_view", "change": "inventory_operate"}

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["store", "sku", "scheme"]
        constraints = [
            models.UniqueConstraint(fields=["store", "sku", "scheme"], name="stock_unique_store_sku_scheme"),
        ]
        indexes = [models.Index(fields=["store", "state"], name="stock_store_state_idx")]

    def __str__(self):
        return f"{self.sku} {self.quantity}"


class StoreSettings(RestrictedModel):
    """What the orders module keeps per store: the low-stock threshold (SKUs may override it)."""

    store = models.OneToOneField(
        STORE, verbose_name=_("store"), on_delete=models.CASCADE, related_name="order_settings"
    )
    low_stock_threshold = models.PositiveIntegerField(_("low-stock threshold"), default=5)
    # 客服分单: new orders and after-sales cases are claimed by on-duty staff, or assigned to them in turn.
    assignment_mode = models.CharField(
        _("assignment"), max_length=12, choices=AssignmentMode.choices, default=AssignmentMode.CLAIM
    )
    on_duty = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("on-duty staff"), blank=True, related_name="+"
    )
    # The last colleague handed work in round-robin mode (the next one in on_duty order follows).
    round_robin_last = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A case not handled this long before its due time escalates (backup owner, then department manager).
    escalation_margin = models.DurationField(_("escalation margin"), default=timedelta(hours=12))

    permission_map = {"view": "inventory_view", "change": "inventory_operate"}

    class Meta:
        verbose_name = _("store order settings")
        verbose_name_plural = _("store order settings")

    def __str__(self):
        return f"{self.store_id}: {self.low_stock_threshold}"


class SyncState(RestrictedModel):
    """Where polling of one store stands: when it is next due, the durable cursor of each stream, its health.

    The dispatcher claims due rows with select_for_update(skip_locked=True) and moves `next_poll_at` forward
    before queuing the poll, so many workers share stores and none is polled twice at once. `cursors` maps a
    stream name ("orders", "returns", "stock", "fbs", "fbo" …) to what that stream continues from (a
    timestamp or a platform cursor); the poller re-reads an overlap window behind it so late updates are not
    missed. A failing store backs off (`failures`, `last_error`); an expired or revoked authorization pauses it
    (`health` = paused) until it is authorized again, and its owners are alerted once per episode.
    """

    store = models.OneToOneField(STORE, verbose_name=_("store"), on_delete=models.CASCADE, related_name="sync_state")
    health = models.CharField(_("sync health"), max_length=8, choices=SyncHealth.choices, default=SyncHealth.OK)
    next_poll_at = models.DateTimeField(_("next poll"), db_index=True)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last successful poll"), null=True, blank=True)
    last_push_at = models.DateTimeField(_("last push received"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    failure_episode = models.PositiveIntegerField(default=0)  # counts failing spells, for once-per-episode alerts
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    cursors = models.JSONField(default=dict, blank=True)

    permission_map = {"view": "orders_view", "change": "settings_manage"}

    class Meta:
        verbose_name = _("store sync state")
        verbose_name_plural = _("store sync states")
        indexes = [models.Index(fields=["health", "next_poll_at"], name="sync_due_idx")]

    def __str__(self):
        return f"{self.store_id}: {self.health}"
