from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    """Every business transition announced through the outbox (issue "Orders into WeCom", item 4)."""

    ORDER_NEW = "order.new", _("New order")
    ORDER_SHIPPED = "order.shipped", _("Order shipped")
    ORDER_CANCELLED = "order.cancelled", _("Order cancelled")
    AFTERSALES_NEW = "aftersales.new", _("New after-sales case")
    AFTERSALES_UPDATED = "aftersales.updated", _("After-sales case updated")
    AFTERSALES_DUE_SOON = "aftersales.due_soon", _("After-sales case due soon")
    STOCK_LOW = "stock.low", _("Low stock")
    STOCK_OUT = "stock.out", _("Out of stock")
    STORE_AUTH_EXPIRING = "store.auth_expiring", _("Store authorization expiring")
    STORE_SYNC_FAILING = "store.sync_failing", _("Store sync failing")
    ACCESS_REQUEST_OPENED = "access.request_opened", _("Access request waiting")
    ACCESS_APPROVED_ALONE = "access.approved_alone", _("Grant approved alone (no second approver)")
    SECURITY_LOCKOUT = "security.lockout", _("Sign-in locked out")
    SECURITY_UNLOCK = "security.unlock", _("Sign-in lockout lifted")
    SECURITY_NEW_SOURCE = "security.new_source", _("Administrator signed in from a new address or browser")
    SECURITY_AUDIT_CHECKPOINT = "security.audit_checkpoint", _("Audit log checkpoint")
    DIGEST_DAILY = "digest.daily", _("Daily digest")
    DIGEST_WEEKLY = "digest.weekly", _("Weekly digest")
    SOP_CHECKLIST_OVERDUE = "sop.checklist_overdue", _("Checklist overdue")
    ACCESS_REVIEW_REMINDER = "access.review_reminder", _("Access review waiting")
    ACCESS_REVIEW_ESCALATED = "access.review_escalated", _("Access review past its deadline")
    ADS_SPEND_SPIKE = "ads.spend_spike", _("Ads spend spike")
    ADS_BUDGET_NEARLY_USED = "ads.budget_nearly_used", _("Ads budget nearly used")
    ADS_CAMPAIGN_STOPPED = "ads.campaign_stopped", _("Ads campaign stopped")
    ADS_ROAS_DROP = "ads.roas_drop", _("Ads ROAS dropped")


class EventState(models.TextChoices):
    """Where the consumer (notifications) is with an event."""

    PENDING = "pending", _("Pending")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")
