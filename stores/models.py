"""Stores (店铺): one shop on one platform and site, with a primary and a backup owner."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import RestrictedModel, TimeStampedModel
from core.permissions import ANY

from .catalogue import DJANGO_PERMISSIONS
from .choices import SITE_TIMEZONES, SITES_BY_PLATFORM, Platform, Site, StoreStatus

TIMEZONE_CHOICES = [(tz, tz) for tz in sorted(set(SITE_TIMEZONES.values()) | {"Asia/Shanghai", "UTC"})]


class Store(RestrictedModel, TimeStampedModel):
    """A shop on Shopee or Ozon. The platform's shop id is unique per platform; the primary and the
    backup owner are two different people (a database constraint), both active staff (clean()).
    Module permissions (the catalogue) are declared here, so django-guardian applies them per store.
    """

    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    site = models.CharField(_("site"), max_length=2, choices=Site.choices)
    shop_id = models.CharField(_("platform shop ID"), max_length=32)
    name = models.CharField(_("name"), max_length=120)
    status = models.CharField(_("status"), max_length=10, choices=StoreStatus.choices, default=StoreStatus.ACTIVE)
    primary_owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("primary owner"),
                                      on_delete=models.PROTECT, related_name="primary_stores")
    backup_owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("backup owner"),
                                     on_delete=models.PROTECT, related_name="backup_stores")
    emergency_contact = models.CharField(_("emergency contact"), max_length=200, blank=True)
    duties_note = models.TextField(_("duties note"), blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True, choices=TIMEZONE_CHOICES,
                                help_text=_("Left empty, the site's time zone is used."))

    store_lookups = ("id",)
    permission_map = {"view": ANY, "add": "settings_manage", "change": "settings_manage",
                      "delete": "settings_manage"}

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["platform", "site", "name"]
        permissions = DJANGO_PERMISSIONS
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["platform", "shop_id"], name="store_unique_platform_shop_id"),
            models.CheckConstraint(condition=~models.Q(primary_owner=models.F("backup_owner")),
                                   name="store_owners_differ"),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["site"])]

    def __str__(self):
        return f"{self.name} ({self.get_platform_display()} {self.site})"

    def get_absolute_url(self):
        return reverse("stores:store_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        if not self.timezone:
            self.timezone = SITE_TIMEZONES.get(self.site, "UTC")
        super().save(*args, **kwargs)

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.timezone or SITE_TIMEZONES.get(self.site, "UTC"))

    def clean(self):
        errors = {}
        if self.platform and self.site and self.site not in SITES_BY_PLATFORM.get(self.platform, []):
            errors["site"] = _("%(platform)s has no site %(site)s.") % {
                "platform": self.get_platform_display(), "site": self.site}
        if self.primary_owner_id and self.primary_owner_id == self.backup_owner_id:
            errors["backup_owner"] = _("The backup owner must be a different person from the primary owner.")
        for field in ("primary_owner", "backup_owner"):
            owner = getattr(self, field, None) if getattr(self, f"{field}_id") else None
            if owner is not None and not owner.is_working:
                errors.setdefault(field, _("%(name)s is not an active staff member.") % {"name": owner})
        if errors:
            raise ValidationError(errors)
