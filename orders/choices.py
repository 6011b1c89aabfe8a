from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    """The small set every platform status is normalized to (the raw one is kept beside it)."""

    PENDING = "pending", _("Awaiting payment")
    TO_SHIP = "to_ship", _("To ship")
    CANCELLING = "cancelling", _("Cancellation requested")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    RETURNING = "returning", _("Returning")
    EXCEPTION = "exception", _("Exception")


class Fulfilment(models.TextChoices):
    """Who ships the order: the seller (Shopee, Ozon FBS) or the platform's warehouse (Ozon FBO, Shopee FBS)."""

    SELLER = "seller", _("Seller")
    PLATFORM = "platform", _("Platform warehouse")


class CaseKind(models.TextChoices):
    RETURN_REFUND = "return_refund", _("Return and refund")
    REFUND = "refund", _("Refund only")
    RETURN = "return", _("Return")
    CANCELLATION = "cancellation", _("Cancellation")


class CaseStatus(models.TextChoices):
    """Normalized after-sales status."""

    REQUESTED = "requested", _("Requested")
    PROCESSING = "processing", _("Processing")
    DISPUTED = "disputed", _("Disputed")
    RETURNING = "returning", _("Returning to seller")
    ACCEPTED = "accepted", _("Refunded / accepted")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class StockState(models.TextChoices):
    OK = "ok", _("In stock")
    LOW = "low", _("Low stock")
    OUT = "out", _("Out of stock")


class AssignmentMode(models.TextChoices):
    """How a store's new orders and after-sales cases reach customer service (客服分单)."""

    CLAIM = "claim", _("Claimed by on-duty staff")
    ROUND_ROBIN = "round_robin", _("Assigned in turn")


class SyncHealth(models.TextChoices):
    """How polling of a store is going."""

    OK = "ok", _("Syncing")
    FAILING = "failing", _("Failing, backing off")
    PAUSED = "paused", _("Paused: authorization expired or revoked")
