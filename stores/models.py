"""Stores (店铺): one shop on one platform and site, with a primary and a backup owner."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField
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
    primary_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("primary owner"),
        on_delete=models.PROTECT,
        related_name="primary_stores",
    )
    backup_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("backup owner"), on_delete=models.PROTECT, related_name="backup_stores"
    )
    emergency_contact = models.CharField(_("emergency contact"), max_length=200, blank=True)
    duties_note = models.TextField(_("duties note"), blank=True)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        choices=TIMEZONE_CHOICES,
        help_text=_("Left empty, the site's time zone is used."),
    )

    store_lookups = ("id",)
    permission_map = {"view": ANY, "add": "settings_manage", "change": "settings_manage", "delete": "settings_manage"}

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["platform", "site", "name"]
        permissions = DJANGO_PERMISSIONS
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["platform", "shop_id"], name="store_unique_platform_shop_id"),
            models.CheckConstraint(
                condition=~models.Q(primary_owner=models.F("backup_owner")), name="store_owners_differ"
            ),
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
                "platform": self.get_platform_display(),
                "site": self.site,
            }
        if self.primary_owner_id and self.primary_owner_id == self.backup_owner_id:
            errors["backup_owner"] = _("The backup owner must be a different person from the primary owner.")
        for field in ("primary_owner", "backup_owner"):
            owner = getattr(self, field, None) if getattr(self, f"{field}_id") else None
            if owner is not None and not owner.is_working:
                errors.setdefault(field, _("%(name)s is not an active staff member.") % {"name": owner})
        if errors:
            raise ValidationError(errors)


class ShopeeEnvironment(models.TextChoices):
    PRODUCTION = "production", _("Production")
    SANDBOX = "sandbox", _("Sandbox")
    SIMULATOR = "simulator", _("Simulator")


class ShopeeApp(TimeStampedModel):
    """A Shopee Open Platform app (partner): its partner id and the partner key, encrypted at rest.

    Not tied to one store: every Shopee store is authorized through one app. The key is never shown
    again after saving (only its masked tail); requests go to settings.SHOPEE_BASE_URL.
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    partner_id = models.PositiveBigIntegerField(_("partner ID"), unique=True)
    partner_key = EncryptedTextField(_("partner key"))
    environment = models.CharField(
        _("environment"), max_length=12, choices=ShopeeEnvironment.choices, default=ShopeeEnvironment.PRODUCTION
    )
    note = models.CharField(
        _("note"),
        max_length=300,
        blank=True,
        help_text=_("For example which console account owns the app, or its base URL."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("Shopee app")
        verbose_name_plural = _("Shopee apps")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.partner_id})"

    def get_absolute_url(self):
        return reverse("store_auth:shopeeapp_edit", args=[self.pk])


class ConnectionHealth(RestrictedModel, TimeStampedModel):
    """What the console last saw of a store's platform connection (shared by both platforms).

    `last_error` is sanitized before it is stored: it never holds a token, key or signature.
    """

    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last successful call"), null=True, blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    permission_map = {
        "view": "settings_view",
        "add": "settings_manage",
        "change": "settings_manage",
        "delete": "settings_manage",
    }

    class Meta:
        abstract = True

    @property
    def last_call_failed(self) -> bool:
        return bool(self.last_error_at and (not self.last_success_at or self.last_error_at >= self.last_success_at))


class ShopeeCredential(ConnectionHealth):
    """A Shopee store's authorization: the shop's tokens (encrypted) and their expiry times.

    The access token lives 4 hours and the single-use refresh token 30 days from when it was issued;
    the authorization itself ends at most 365 days after the seller granted it. One row per store.
    """

    store = models.OneToOneField(
        Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="shopee_credential"
    )
    app = models.ForeignKey(
        ShopeeApp, verbose_name=_("Shopee app"), on_delete=models.PROTECT, related_name="credentials"
    )
    access_token = EncryptedTextField(_("access token"), blank=True)
    refresh_token = EncryptedTextField(_("refresh token"), blank=True)
    access_expires_at = models.DateTimeField(_("access token expires at"), null=True, blank=True)
    refresh_issued_at = models.DateTimeField(_("refresh token issued at"), null=True, blank=True)
    refresh_expires_at = models.DateTimeField(_("refresh token expires at"), null=True, blank=True)
    authorized_at = models.DateTimeField(_("authorized at"), null=True, blank=True)
    authorization_expires_at = models.DateTimeField(_("authorization expires at"), null=True, blank=True)
    authorized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("authorized by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reauthorize_required = models.BooleanField(
        _("re-authorization required"),
        default=False,
        help_text=_("Set when Shopee refused the refresh token: a person has to authorize the shop again."),
    )

    class Meta:
        verbose_name = _("Shopee authorization")
        verbose_name_plural = _("Shopee authorizations")
        indexes = [models.Index(fields=["access_expires_at"]), models.Index(fields=["authorization_expires_at"])]

    def __str__(self):
        return f"Shopee authorization of {self.store}"

    @property
    def is_authorized(self) -> bool:
        return bool(self.refresh_token)


class OzonCredential(ConnectionHealth):
    """An Ozon store's Seller API keys: the Client-Id and the Api-Key (encrypted). One row per store."""

    store = models.OneToOneField(
        Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="ozon_credential"
    )
    client_id = models.PositiveBigIntegerField(_("Client-Id"))
    api_key = EncryptedTextField(_("Api-Key"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Ozon API keys")
        verbose_name_plural = _("Ozon API keys")

    def __str__(self):
        return f"Ozon API keys of {self.store}"


class OzonPerformanceCredential(ConnectionHealth):
    """An Ozon store's Performance API keys (ads), beside its Seller API keys: the client id
    (`…@advertising.performance.ozon.ru`) and the client secret (encrypted). One row per store."""

    store = models.OneToOneField(
        Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="ozon_performance_credential"
    )
    client_id = models.CharField(_("Performance client ID"), max_length=200)
    client_secret = EncryptedTextField(_("Performance client secret"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Ozon Performance API keys")
        verbose_name_plural = _("Ozon Performance API keys")

    def __str__(self):
        return f"Ozon Performance API keys of {self.store}"


class StoreGroup(TimeStampedModel):
    """A group of stores under a name of the seller's choosing (e.g. 东南亚大促组), used by notification
    routes, the bulk grant forms and the store filters. Platform and site act as groups too, without a row.
    Names are unique regardless of case; managed by those who manage settings in every store.
    """

    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    stores = models.ManyToManyField(Store, verbose_name=_("stores"), blank=True, related_name="groups")

    class Meta:
        verbose_name = _("store group")
        verbose_name_plural = _("store groups")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="storegroup_unique_name_ci")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("stores:group_detail", args=[self.pk])
