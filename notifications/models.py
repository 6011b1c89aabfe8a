"""Notifications: WeCom group robots (群机器人) that messages are sent to."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower, Now
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField
from core.models import RestrictedModel, TimeStampedModel


def validate_robot_name(value: str) -> None:
    """Robot names follow 店名-部门-用途: at least three non-empty parts joined by "-"."""
    parts = [part.strip() for part in (value or "").split("-")]
    if len(parts) < 3 or not all(parts):
        filled = [part for part in parts if part]
        raise ValidationError(
            _(
                "“%(value)s” is not 店名-部门-用途: it has %(count)s filled part(s) and needs 3 (store, department, "
                "purpose) joined by “-” with nothing empty between them, for example 泰国店-客服部-新订单."
            ),
            code="robot_name",
            params={"value": value, "count": len(filled)},
        )


class Robot(RestrictedModel, TimeStampedModel):
    """A WeCom group robot: its webhook key (encrypted; never shown again after saving) and health.

    A robot may belong to one store (then that store's settings managers look after it) or to none
    (a company-wide group, looked after by those who manage settings in every store). Names are
    unique regardless of case and follow 店名-部门-用途.
    """

    name = models.CharField(
        _("name"),
        max_length=120,
        validators=[validate_robot_name],
        help_text=_("店名-部门-用途, for example 泰国店-客服部-新订单."),
    )
    webhook_key = EncryptedTextField(_("webhook key"))
    store = models.ForeignKey(
        "stores.Store", verbose_name=_("store"), null=True, blank=True, on_delete=models.PROTECT, related_name="robots"
    )
    department = models.ForeignKey(
        "staff.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="robots",
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_success_at = models.DateTimeField(_("last successful send"), null=True, blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # A permanent error (93000 invalid key, 40058 message refused) marks the robot broken: deliveries to it
    # go dead until someone fixes the key or the template, and admins are alerted once per breakage.
    broken_at = models.DateTimeField(_("broken since"), null=True, blank=True)
    broken_reason = models.CharField(_("why it is broken"), max_length=500, blank=True)

    store_lookups = ("store",)
    permission_map = {
        "view": "settings_view",
        "add": "settings_manage",
        "change": "settings_manage",
        "delete": "settings_manage",
    }

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="robot_unique_name_ci")]
        indexes = [models.Index(fields=["store", "is_active"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("notifications:robot_detail", args=[self.pk])


class Route(RestrictedModel, TimeStampedModel):
    """Which events go to which robot: event kinds × stores → robot, with quiet hours and mentions.

    The stores are one store (`store`), or every store of a platform, a site or a store group, or every store
    when none of these is set; the fields combine (platform and site narrow each other). Quiet hours are read
    in each store's time zone: messages due inside them are held and go out, summarized, when they end.
    Mentions name who is @-mentioned: the store's primary or backup owner, holders of a permission on the
    store (e.g. after_sales_operate), the order's or case's assignee, or everyone (@all); by WeCom userid,
    or by mobile for staff without one.
    """

    name = models.CharField(_("name"), max_length=120)
    event_kinds = models.JSONField(_("event kinds"), default=list)
    robot = models.ForeignKey(Robot, verbose_name=_("robot"), on_delete=models.CASCADE, related_name="routes")
    store = models.ForeignKey(
        "stores.Store", verbose_name=_("store"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    platform = models.CharField(_("platform"), max_length=10, blank=True)
    site = models.CharField(_("site"), max_length=2, blank=True)
    store_group = models.ForeignKey(
        "stores.StoreGroup",
        verbose_name=_("store group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # a group in use is not deleted from under its routes
        related_name="routes",
    )
    quiet_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    mention_primary_owner = models.BooleanField(_("mention the primary owner"), default=False)
    mention_backup_owner = models.BooleanField(_("mention the backup owner"), default=False)
    mention_permission = models.CharField(_("mention holders of permission"), max_length=64, blank=True)
    mention_assignee = models.BooleanField(_("mention the assignee"), default=True)
    mention_all = models.BooleanField(_("mention everyone (@all)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    store_lookups = ("store",)
    permission_map = {
        "view": "settings_view",
        "add": "settings_manage",
        "change": "settings_manage",
        "delete": "settings_manage",
    }

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["is_active", "store"], name="route_active_store_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("notifications:route_detail", args=[self.pk])


class MessageFormat(models.TextChoices):
    TEXT = "text", _("Text")
    MARKDOWN = "markdown", _("Markdown")


class MessageTemplate(TimeStampedModel):
    """The message of one event kind: text or markdown with {placeholders}, checked when saved (an unknown
    placeholder or a message that cannot fit the robot's byte limit is refused then, never at send time)."""

    event_kind = models.CharField(_("event kind"), max_length=40, unique=True)
    msgtype = models.CharField(_("format"), max_length=10, choices=MessageFormat.choices, default=MessageFormat.TEXT)
    body = models.TextField(_("template"))

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["event_kind"]

    def __str__(self):
        return self.event_kind


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to send")
    HELD = "held", _("Held for quiet hours")
    SENDING = "sending", _("Sending")
    RETRYING = "retrying", _("Retrying")
    SENT = "sent", _("Sent")
    COALESCED = "coalesced", _("Sent in a summary")
    DEAD = "dead", _("Failed (dead letter)")


class SentMessage(RestrictedModel):
    """The console's own copy of every message a robot was sent (one per successful send; a summary covers
    several deliveries)."""

    robot = models.ForeignKey(Robot, verbose_name=_("robot"), on_delete=models.CASCADE, related_name="messages")
    store = models.ForeignKey(
        "stores.Store", verbose_name=_("store"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    msgtype = models.CharField(_("format"), max_length=10, choices=MessageFormat.choices)
    content = models.TextField(_("content"))
    mentioned = models.JSONField(_("mentioned"), default=list, blank=True)
    is_summary = models.BooleanField(_("summary"), default=False)
    delivery_count = models.PositiveIntegerField(_("deliveries"), default=1)
    sent_at = models.DateTimeField(_("sent at"))

    store_lookups = ("store",)
    permission_map = {"view": "settings_view"}

    class Meta:
        verbose_name = _("sent message")
        verbose_name_plural = _("sent messages")
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["robot", "-sent_at"], name="sentmessage_robot_idx")]

    def __str__(self):
        return f"{self.robot_id} {self.sent_at:%Y-%m-%d %H:%M}"


class Delivery(RestrictedModel):
    """One event to one robot: unique per (event, robot), so an event is delivered to a robot at most once
    however many routes or workers reach it. `content` is the rendered message; `message` the sent copy
    (shared by the deliveries a summary covered)."""

    event = models.ForeignKey("events.Event", verbose_name=_("event"), on_delete=models.CASCADE, related_name="+")
    robot = models.ForeignKey(Robot, verbose_name=_("robot"), on_delete=models.CASCADE, related_name="deliveries")
    route = models.ForeignKey(
        Route, verbose_name=_("route"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    store = models.ForeignKey(
        "stores.Store", verbose_name=_("store"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event_kind = models.CharField(_("event kind"), max_length=40)
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    msgtype = models.CharField(_("format"), max_length=10, choices=MessageFormat.choices, default=MessageFormat.TEXT)
    content = models.TextField(_("content"), blank=True)
    mentioned_userids = models.JSONField(default=list, blank=True)
    mentioned_mobiles = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    message = models.ForeignKey(
        SentMessage, verbose_name=_("message"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), db_default=Now())
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    store_lookups = ("store",)
    permission_map = {"view": "settings_view", "change": "settings_manage"}

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["event", "robot"], name="delivery_unique_event_robot")]
        indexes = [
            models.Index(fields=["robot", "state", "next_attempt_at"], name="delivery_robot_state_idx"),
            models.Index(fields=["state", "next_attempt_at"], name="delivery_state_due_idx"),
            models.Index(fields=["store", "-id"], name="delivery_store_idx"),
        ]

    def __str__(self):
        return f"{self.event_id} → {self.robot_id}: {self.state}"


class RateWindow(models.Model):
    """The database-backed per-robot limiter (used where there is no Redis): sends counted per robot per
    minute, incremented atomically; Redis holds the same counts where it is available."""

    robot = models.ForeignKey(Robot, on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["robot", "minute"], name="ratewindow_unique_robot_minute")]

    def __str__(self):
        return f"{self.robot_id} {self.minute:%H:%M}: {self.count}"
