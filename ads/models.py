"""A store's ads: its campaigns, its figures per day (the store's and each campaign's), today's spend hour by hour,
and its alert thresholds with the state of its polling (AdsStore).

Written only by ads.services from what the workers read (ads.polling); read on the ads pages and the board by
people with ads_view on the store. Money is in the store's ads currency (`currency`).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import RestrictedModel

from .choices import BudgetPeriod, CampaignState

STORE = settings.SHOPCREW_STORE_MODEL
MONEY = {"max_digits": 16, "decimal_places": 2, "default": Decimal(0)}


class AdsStore(RestrictedModel):
    """One store's ads settings (alert thresholds) and polling state; created at the store's first poll."""

    store = models.OneToOneField(STORE, verbose_name=_("store"), on_delete=models.CASCADE, related_name="ads")
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    balance = models.DecimalField(_("ads balance"), max_digits=16, decimal_places=2, null=True, blank=True)
    # alert thresholds
    spike_ratio = models.DecimalField(
        _("spend spike: times the usual spend by this hour"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=[MinValueValidator(Decimal("1.1")), MaxValueValidator(Decimal("100"))],
        help_text=_(
            "Alert when today's spend so far is this many times the average of the same hours of the last 7 days."
        ),
    )
    spike_min_spend = models.DecimalField(
        _("spend spike: at least this much more"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("50.00"),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("In the store's currency: small amounts never alert."),
    )
    budget_share = models.PositiveSmallIntegerField(
        _("budget nearly used at (%)"), default=80, validators=[MinValueValidator(10), MaxValueValidator(100)]
    )
    roas_drop = models.PositiveSmallIntegerField(
        _("ROAS drop alert (%)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(95)],
        help_text=_("Alert when yesterday's ROAS is this much below the average of the 7 days before."),
    )
    # polling
    next_poll_at = models.DateTimeField(_("next poll"), null=True, blank=True, db_index=True)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    closed_through = models.DateField(_("closed days read through"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    connected = models.BooleanField(_("ads connected"), default=True)

    permission_map = {"view": "ads_view", "change": "ads_operate"}

    class Meta:
        verbose_name = _("store ads")
        verbose_name_plural = _("store ads")

    def __str__(self):
        return f"ads {self.store_id}"


class Campaign(RestrictedModel):
    store = models.ForeignKey(STORE, verbose_name=_("store"), on_delete=models.CASCADE, related_name="+")
    platform_id = models.CharField(_("campaign ID"), max_length=64)
    name = models.CharField(_("name"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=CampaignState.choices)
    platform_state = models.CharField(_("platform state"), max_length=64, blank=True)
    budget = models.DecimalField(_("budget"), max_digits=16, decimal_places=2, null=True, blank=True)
    budget_period = models.CharField(_("budget period"), max_length=8, choices=BudgetPeriod.choices, blank=True)
    seen_at = models.DateTimeField(_("last seen"))

    permission_map = {"view": "ads_view"}

    class Meta:
        verbose_name = _("ads campaign")
        verbose_name_plural = _("ads campaigns")
        ordering = ["store", "name", "platform_id"]
        constraints = [models.UniqueConstraint(fields=["store", "platform_id"], name="ads_campaign_unique")]

    def __str__(self):
        return self.name or self.platform_id


class AdsDay(RestrictedModel):
    """A day's figures of the store as a whole (`campaign_ref` "") or of one campaign (its platform id)."""

    store = models.ForeignKey(
        STORE, verbose_name=_("store"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField(_("day"))
    campaign_ref = models.CharField(_("campaign ID"), max_length=64, blank=True)
    spend = models.DecimalField(_("spend"), **MONEY)
    impressions = models.PositiveBigIntegerField(_("impressions"), default=0)
    clicks = models.PositiveBigIntegerField(_("clicks"), default=0)
    orders = models.PositiveIntegerField(_("orders from ads"), default=0)
    sales = models.DecimalField(_("sales from ads"), **MONEY)
    final = models.BooleanField(_("day closed"), default=False)

    permission_map = {"view": "ads_view"}

    class Meta:
        verbose_name = _("ads day")
        verbose_name_plural = _("ads days")
        ordering = ["store", "day", "campaign_ref"]
        constraints = [models.UniqueConstraint(fields=["store", "day", "campaign_ref"], name="ads_day_unique")]
        indexes = [models.Index(fields=["day", "store"], name="ads_day_day_store_idx")]

    def __str__(self):
        return f"{self.store_id} {self.day} {self.campaign_ref or '*'}"


class AdsHour(models.Model):
    """The store's spend from the start of `day` to the end of `hour` (a running total): from Shopee's hourly
    figures, or what an Ozon poll saw in that hour. The spend-spike alert compares today's with these."""

    store = models.ForeignKey(STORE, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()
    spend_to_date = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "day", "hour"], name="ads_hour_unique")]

    def __str__(self):
        return f"{self.store_id} {self.day} {self.hour:02d}h {self.spend_to_date}"
