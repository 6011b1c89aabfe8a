"""Notifications: WeCom group robots (群机器人) that messages are sent to."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField
from core.models import RestrictedModel, TimeStampedModel


def validate_robot_name(value: str) -> None:
    """Robot names follow 店名-部门-用途: at least three non-empty parts joined by "-"."""
    parts = [part.strip() for part in (value or "").split("-")]
    if len(parts) < 3 or not all(parts):
        raise ValidationError(
            _("Name the robot 店名-部门-用途 (store-department-purpose), for example 泰国店-客服部-新订单."),
            code="robot_name",
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
