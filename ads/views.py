"""The ads pages: every store's ads at a glance (广告概览), one store's ads with its campaigns, a 14-day chart and
its alert thresholds, and the exports. Only stores where the viewer holds ads_view; thresholds need ads_operate."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import generic

from audit.services import record
from core import charts
from core.exports import export_format, table_response
from core.forms import add_service_errors
from core.permissions import permissions_of
from core.views import FORM_METHODS, GateMixin
from stores.choices import StoreStatus
from stores.models import Store

from . import selectors, services
from .forms import AdsAlertForm

OVERVIEW_PAGE = 100


class AdsOverviewView(GateMixin, generic.TemplateView):
    """广告概览: each store's ads today and over the last 7 closed days, 100 stores a page (a fixed number of
    queries), the ones spending most first among those with figures."""

    required_permission = selectors.VIEW
    template_name = "ads/overview.html"

    def get_context_data(self, **kwargs):
        stores = selectors.ads_stores(viewer=self.request.user).filter(status=StoreStatus.ACTIVE).order_by("name", "pk")
        platform = self.request.GET.get("platform", "")
        if platform in ("shopee", "ozon"):
            stores = stores.filter(platform=platform)
        page = Paginator(stores.only("id", "name", "platform", "site", "timezone"), OVERVIEW_PAGE).get_page(
            self.request.GET.get("page")
        )
        rows = selectors.overview_rows(list(page.object_list))
        return super().get_context_data(
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.paginator.num_pages > 1,
            querystring=f"platform={platform}" if platform else "",
            rows=rows,
            platform=platform,
            **kwargs,
        )


class StoreAdsMixin(GateMixin):
    model = Store
    permission_action = selectors.VIEW
    context_object_name = "store"


class StoreAdsView(StoreAdsMixin, generic.detail.SingleObjectMixin, generic.TemplateView):
    """One store's ads: today so far, the last 14 days (chart and table), campaigns, the alert thresholds."""

    template_name = "ads/store.html"
    http_method_names = FORM_METHODS

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render_page()

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if selectors.OPERATE not in permissions_of(request.user).perms_on(self.object.pk):
            raise PermissionDenied
        ads = services.ads_store_for(self.object)
        form = AdsAlertForm(request.POST, instance=ads)
        if form.is_valid():
            try:
                services.ads_settings_update(
                    actor=request.user, ads=ads, data={name: form.cleaned_data[name] for name in form.fields}
                )
            except (ValidationError, PermissionDenied) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Ads alerts of %(store)s saved.") % {"store": self.object.name})
                return redirect("ads:store", pk=self.object.pk)
        return self.render_page(form=form, status=400)

    def render_page(self, *, form=None, status=200):
        store = self.object
        page = selectors.store_page(store)
        may_operate = selectors.OPERATE in permissions_of(self.request.user).perms_on(store.pk)
        if form is None and may_operate:
            form = AdsAlertForm(instance=page["ads"] or services.AdsStore(store=store))
        chart = charts.line([(d.strftime("%m-%d"), t.spend if t else 0) for d, t in page["days"]])
        context = self.get_context_data(
            object=store, page=page, chart=chart, form=form, may_operate=may_operate, currency=_currency(store, page)
        )
        return self.render_to_response(context, status=status)


def _currency(store, page) -> str:
    from .polling import store_currency

    return (page["ads"].currency if page["ads"] else "") or store_currency(store)


class StoreAdsExportView(StoreAdsMixin, generic.detail.SingleObjectMixin, generic.View):
    """One store's ads as CSV (BOM) or .xlsx: a row per day of the last 14 days and today, then a row per
    campaign; audited (ads.export)."""

    def get(self, request, *args, **kwargs):
        store = self.get_object()
        page = selectors.store_page(store)
        fmt = export_format(request.GET.get("format"))
        currency = _currency(store, page)
        table: list[list] = [
            [_("Day"), _("Campaign"), _("State"), _("Spend"), _("Currency"), _("Impressions"), _("Clicks"),
             _("Orders from ads"), _("Sales from ads"), _("ROAS"), _("ACOS %")],
        ]  # fmt: skip
        for day, t in page["days"]:
            if t is not None:
                table.append(
                    [day, "", "", t.spend, currency, t.impressions, t.clicks, t.orders, t.sales, _n(t.roas), _n(t.acos)]
                )
        for row in page["campaigns"]:
            c, t = row.campaign, row.period
            table.append(
                [
                    _("last 14 days"), f"{c.name} ({c.platform_id})", c.get_state_display(), t.spend, currency,
                    t.impressions, t.clicks, t.orders, t.sales, _n(t.roas), _n(t.acos),
                ]
            )  # fmt: skip
        record(
            "ads.export",
            target=store,
            store=store,
            after={"format": fmt, "rows": len(table) - 1, "days": selectors.CHART_DAYS},
        )
        return table_response(table, fmt=fmt, name=f"ads-{store.pk}-{page['today']}")


def _n(value):
    return "" if value is None else value
