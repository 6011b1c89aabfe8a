"""The cross-store board's data: daily rollups per store (StoreDay), SKU costs and exchange rates.

StoreDay rows are written only by reports.rollup (one set-based statement for every store); the board reads
them, never the order tables, so it answers in a fixed number of queries whatever the number of stores.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import RestrictedModel

STORE = settings.SHOPCREW_STORE_MODEL


class StoreDay(RestrictedModel):
    """One store's figures for one local day (the store's time zone); unique by (store, day).

    Flows (orders, sales, cancellations, returns, shipping) count what happened that day; snapshots (stock,
    overdue cases, sync health) are what the rollup saw while the day was current. `sales` is in `currency`
    (the store's own); `sales_converted`, `cost` and `margin` are in the company currency
    (settings.SHOPCREW_COMPANY_CURRENCY) at the rates of ExchangeRate.
    """

    store = models.ForeignKey(
        STORE, verbose_name=_("store"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField(_("day"))
    orders = models.PositiveIntegerField(_("orders"), default=0)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    sales = models.DecimalField(_("sales"), max_digits=18, decimal_places=2, default=0)
    sales_converted = models.DecimalField(_("sales (converted)"), max_digits=18, decimal_places=2, default=0)
    cost = models.DecimalField(_("cost of goods"), max_digits=18, decimal_places=2, default=0)
    margin = models.DecimalField(_("gross margin"), max_digits=18, decimal_places=2, default=0)
    uncosted_lines = models.PositiveIntegerField(_("lines without a cost"), default=0)
    shipped = models.PositiveIntegerField(_("shipped"), default=0)
    shipped_on_time = models.PositiveIntegerField(_("shipped on time"), default=0)
    cancelled = models.PositiveIntegerField(_("cancelled"), default=0)
    returned = models.PositiveIntegerField(_("returned"), default=0)
    skus = models.PositiveIntegerField(_("SKUs"), default=0)
    out_of_stock_skus = models.PositiveIntegerField(_("out-of-stock SKUs"), default=0)
    low_stock_skus = models.PositiveIntegerField(_("low-stock SKUs"), default=0)
    open_cases_past_due = models.PositiveIntegerField(_("open after-sales past due"), default=0)
    sync_ok = models.BooleanField(_("sync healthy"), default=True)
    sync_error = models.CharField(_("last sync error"), max_length=500, blank=True)
    checklist_done = models.PositiveIntegerField(_("checklists done"), default=0)
    checklist_total = models.PositiveIntegerField(_("checklists"), default=0)
    rolled_up_at = models.DateTimeField(_("rolled up at"))

    permission_map = {"view": "reports_view"}

    class Meta:
        verbose_name = _("store day")
        verbose_name_plural = _("store days")
        ordering = ["store", "day"]
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="storeday_unique_store_day")]
        indexes = [models.Index(fields=["day", "store"], name="storeday_day_store_idx")]

    def __str__(self):
        return f"{self.store_id} {self.day}"


class SkuCost(models.Model):
    """The cost of one unit of a seller SKU (company-wide, as the seller's spreadsheet gives it); unique SKU.

    Matched against order lines by seller SKU, or the platform SKU when the line has none."""

    sku = models.CharField(_("SKU"), max_length=100, unique=True)
    cost = models.DecimalField(_("unit cost"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("SKU cost")
        verbose_name_plural = _("SKU costs")
        ordering = ["sku"]
        constraints = [models.CheckConstraint(condition=models.Q(cost__gte=0), name="skucost_cost_not_negative")]

    def __str__(self):
        return f"{self.sku} {self.cost} {self.currency}"


class ExchangeRate(models.Model):
    """How many units of the company currency one unit of `currency` is worth, as the company sets it.

    A currency without a row converts to nothing (its sales show as not converted); the company currency
    itself converts at 1 without a row."""

    currency = models.CharField(_("currency"), max_length=3, unique=True)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency"]
        constraints = [models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchangerate_rate_positive")]

    def __str__(self):
        return f"{self.currency} {self.rate}"
