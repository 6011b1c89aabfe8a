"""Pages of the reports app: the cross-store board (with its exports), one SKU across every store, SKU costs and
exchange rates. Gate → selector or service → render, as every page (core.views)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import generic

from core import charts
from core.exports import export_format, table_response
from core.forms import add_service_errors
from core.gates import Scope
from core.views import FORM_METHODS, GateMixin

from . import render, selectors, services
from .forms import BoardForm, ExchangeRateForm, SkuCostUploadForm
from .models import ExchangeRate, SkuCost

COLUMNS = [
    ("store", _("Store")), ("platform", _("Platform")), ("orders", _("Orders")), ("sales", _("Sales (converted)")),
    ("margin", _("Gross margin")), ("margin_pct", _("Margin %")), ("on_time", _("Shipped on time %")),
    ("cancel", _("Cancellation %")), ("return", _("Return %")), ("out_of_stock", _("Out of stock %")),
    ("overdue", _("After-sales past due")), ("low_stock", _("Low-stock SKUs")), ("sync", _("Sync")),
    ("checklist", _("Checklists done %")), ("ads_spend", _("Ads spend")), ("ads_sales", _("Sales from ads")),
    ("roas", _("Ads ROAS")),
]  # fmt: skip


class BoardMixin(GateMixin):
    required_permission = selectors.VIEW

    def board(self):
        user = self.request.user
        choices = selectors.board_choices(viewer=user)
        form = BoardForm(self.request.GET or None, groups=choices["groups"], owners=choices["owners"])
        filters = form.filters()
        sort = self.request.GET.get("sort", "-sales")
        return form, filters, sort


class BoardView(BoardMixin, generic.TemplateView):
    """The cross-store board: per store and in total over a period, sortable and filterable, with charts."""

    template_name = "reports/board.html"

    def get_context_data(self, **kwargs):
        form, filters, sort = self.board()
        rows, total = selectors.board_rows(viewer=self.request.user, filters=filters, sort=sort)
        trend = selectors.board_trend(viewer=self.request.user, filters=filters)
        query = self.request.GET.copy()
        query.pop("sort", None)
        return super().get_context_data(
            form=form,
            filters=filters,
            rows=rows,
            total=total,
            body=render.board_body(rows, total),
            sort=sort,
            columns=[(key, label, _sort_link(key, sort)) for key, label in COLUMNS],
            query=query.urlencode(),
            company_currency=_company_currency(),
            sales_chart=charts.bars(
                [(r.store.name, r.sales_converted) for r in rows if r.store and r.sales_converted > 0]
            ),
            trend_chart=charts.line([(d.strftime("%m-%d"), v) for d, v, _n in trend]),
            may_export=_may_export(self.request.user),
            may_manage=_may_manage(self.request.user),
            **kwargs,
        )


def _sort_link(key: str, current: str) -> str:
    return key if current == f"-{key}" else f"-{key}"


def _company_currency() -> str:
    from django.conf import settings

    return settings.SHOPCREW_COMPANY_CURRENCY


def _may_export(user) -> bool:
    from core.permissions import permissions_of

    return permissions_of(user).has_anywhere(selectors.EXPORT)


def _may_manage(user) -> bool:
    from core.permissions import ALL_STORES, permissions_of

    return permissions_of(user).stores_with(services.MANAGE) is ALL_STORES


def _pct(value) -> float | str:
    return "" if value is None else value  # a number in the sheet, empty where there is nothing to divide


def export_table(rows, total) -> list[list]:
    head: list = [_("Store"), _("Platform"), _("Site"), _("Orders"), _("Sales"), _("Sales (converted)"), _("Cost of goods"),
            _("Gross margin"), _("Margin %"), _("Shipped"), _("Shipped on time %"), _("Cancellation %"), _("Return %"),
            _("Out of stock %"), _("After-sales past due"), _("Low-stock SKUs"), _("Sync"), _("Checklists done %"),
            _("Ads spend"), _("Sales from ads"), _("Ads currency"), _("Ads spend (converted)"),
            _("Sales from ads (converted)"), _("Ads ROAS")]  # fmt: skip
    table: list[list] = [head]
    for row in [*rows, total]:
        store = row.store
        table.append([
            store.name if store else _("Total"), store.get_platform_display() if store else "", store.site if store else "",
            row.orders, "; ".join(f"{amount} {cur}" for cur, amount in sorted(row.sales.items())), row.sales_converted,
            row.cost, row.margin, _pct(row.margin_pct), row.shipped, _pct(row.on_time_pct), _pct(row.cancel_pct),
            _pct(row.return_pct), _pct(row.out_of_stock_pct), "" if row.open_cases_past_due is None else row.open_cases_past_due,
            "" if row.low_stock_skus is None else row.low_stock_skus,
            "" if row.sync_ok is None else (_("OK") if row.sync_ok else _("Failing")), _pct(row.checklist_pct),
            _pct(row.ads_spend), _pct(row.ads_sales), row.ads_currency, _pct(row.ads_spend_converted),
            _pct(row.ads_sales_converted), _pct(row.roas),
        ])  # fmt: skip
    return table


class BoardExportView(BoardMixin, generic.View):
    """The board as CSV (UTF-8 with a BOM, for Excel) or .xlsx: what the filters show, in the stores where the
    viewer may both read and export reports; audited."""

    required_permission = selectors.EXPORT

    def get(self, request, *args, **kwargs):
        form, filters, sort = self.board()
        rows, total = selectors.board_rows(viewer=request.user, filters=filters, sort=sort, permission=selectors.EXPORT)
        fmt = export_format(request.GET.get("format"))
        table = export_table(rows, total)
        services.board_export_record(
            actor=request.user,
            fmt=fmt,
            filters={
                "start": str(filters.start),
                "end": str(filters.end),
                "platform": filters.platform,
                "site": filters.site,
                "group": filters.group,
                "owner": filters.owner,
            },  # fmt: skip
            rows=len(rows),
        )
        return table_response(table, fmt=fmt, name=f"board-{filters.start}-{filters.end}")


class SkuStockView(GateMixin, generic.TemplateView):
    """One SKU across every store the viewer may see (全局与店铺级库存): shortages and surpluses side by side."""

    required_permission = selectors.VIEW
    template_name = "reports/sku.html"

    def get_context_data(self, **kwargs):
        text = self.request.GET.get("sku", "").strip()[:100]
        lines = selectors.sku_across_stores(viewer=self.request.user, sku=text) if text else []
        matches = selectors.sku_matches(viewer=self.request.user, text=text) if text and not lines else []
        return super().get_context_data(
            sku=text,
            lines=lines,
            matches=matches,
            shortages=[s for s in lines if s.shortage],
            surpluses=[s for s in lines if s.surplus],
            total=sum(s.quantity for s in lines),
            surplus_days=selectors.SURPLUS_DAYS,
            **kwargs,
        )


class CompanyPage(GateMixin, generic.TemplateView):
    required_permission = services.MANAGE
    scope = Scope.COMPANY
    http_method_names = FORM_METHODS


class SkuCostView(CompanyPage):
    """The SKU costs (a page of them) and the spreadsheet upload: every row checked first, all or nothing."""

    template_name = "reports/sku_costs.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", SkuCostUploadForm())
        return super().get_context_data(costs=SkuCost.objects.all()[:200], count=SkuCost.objects.count(), **kwargs)

    def post(self, request, *args, **kwargs):
        form = SkuCostUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            created, updated, errors = services.skucost_import(actor=request.user, upload=form.cleaned_data["file"])
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if errors:
            return self.render_to_response(self.get_context_data(form=form, row_errors=errors), status=400)
        messages.success(
            request,
            _("Imported: %(created)s new SKU costs, %(updated)s changed.") % {"created": created, "updated": updated},
        )
        return redirect("reports:skucost_list")


class ExchangeRateView(CompanyPage):
    """The company's exchange rates: each currency's value in the company currency; set one at a time, audited."""

    template_name = "reports/rates.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ExchangeRateForm())
        return super().get_context_data(
            rates=ExchangeRate.objects.all(), company_currency=_company_currency(), **kwargs
        )

    def post(self, request, *args, **kwargs):
        form = ExchangeRateForm(request.POST)
        if form.is_valid():
            try:
                services.exchangerate_set(
                    actor=request.user, currency=form.cleaned_data["currency"], rate=form.cleaned_data["rate"]
                )
            except (ValidationError, PermissionDenied) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Exchange rate saved."))
                return redirect("reports:rate_list")
        return self.render_to_response(self.get_context_data(form=form), status=400)
