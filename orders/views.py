"""Orders, after-sales and stock pages, and the work actions (claim, hand over, mark handled).

Orders are seen by orders_view holders of their store, cases by after_sales_view holders, stock by
inventory_view holders; outside the viewer's stores → 404. Buyer names are shown in full only to people with
order rights on the store (orders.selectors.buyer_name_for), masked elsewhere. Every list is a fixed number of
queries however many rows (joins, one prefetch, rights answered from the viewer's PermissionSet in memory).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import generic

from core.forms import add_service_errors, service_error_messages
from core.gates import Scope
from core.permissions import permissions_of
from core.views import FORM_METHODS, DetailPageView, GateMixin, ListPageView, ObjectActionView
from stores.models import Store

from . import assignment, selectors, store_settings
from .filtersets import CaseFilterSet, OrderFilterSet, StockFilterSet
from .forms import HandOverForm, StoreThresholdForm, ThresholdForm, WorkSettingsForm
from .models import AfterSalesCase, Order, OrderItem, StockLevel, StoreSettings


class RightsMixin:
    """The viewer's rights, for templates: `can(perm, store_id)` answered from the request's PermissionSet."""

    def rights_context(self) -> dict:
        perms = permissions_of(self.request.user)  # type: ignore[attr-defined]
        return {"perms_set": perms}


# ---------------------------------------------------------------------------------------------- orders


class OrderScopeMixin:
    model = Order

    def scope_queryset(self, queryset):
        return queryset.select_related("store", "assignee", "handled_by")


class OrderListView(OrderScopeMixin, RightsMixin, ListPageView):
    """Orders of the viewer's stores: filters (store, status, fulfilment, assignee, mine, unassigned, handled,
    created between), search by order ID, newest first."""

    filterset_class = OrderFilterSet
    ordering_fields = ("platform_created_at", "ship_by", "amount", "order_id")
    template_name = "orders/order_list.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **self.rights_context()}


class OrderDetailView(OrderScopeMixin, RightsMixin, DetailPageView):
    """One order: its lines, buyer (masked without order rights), shipping, after-sales cases, and who has it,
    with claim / hand over / mark handled for people who handle the store's orders."""

    template_name = "orders/order_detail.html"
    context_object_name = "order"

    def scope_queryset(self, queryset):
        return (
            super()
            .scope_queryset(queryset)
            .prefetch_related(
                Prefetch("items", queryset=OrderItem.objects.order_by("line")),
                Prefetch("cases", queryset=AfterSalesCase.objects.order_by("pk")),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(work_context(self.request.user, self.object), **self.rights_context())
        return context


def work_context(viewer, item) -> dict:
    """What a detail page shows of the work on `item`: whether the viewer may act, and whom it may go to."""
    may_operate = permissions_of(viewer).has(assignment.operate_right(item), item.store_id)
    form = HandOverForm(choices=selectors.work_hand_over_choices(item=item)) if may_operate else None
    return {
        "may_operate": may_operate,
        "hand_over_form": form,
        "buyer": selectors.buyer_name_for(viewer=viewer, store_id=item.store_id, name=item.buyer_name),
    }


# ---------------------------------------------------------------------------------------------- cases


class CaseScopeMixin:
    model = AfterSalesCase

    def scope_queryset(self, queryset):
        return queryset.select_related("store", "order", "assignee", "handled_by")


class CaseListView(CaseScopeMixin, RightsMixin, ListPageView):
    """After-sales cases of the viewer's stores, soonest due first, buyers masked without order rights."""

    filterset_class = CaseFilterSet
    ordering_fields = ("due_at", "platform_created_at", "amount", "case_id")
    template_name = "orders/case_list.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **self.rights_context()}


class CaseDetailView(CaseScopeMixin, RightsMixin, DetailPageView):
    """One after-sales case: reason, amount, due time, its order, who has it, the work actions."""

    template_name = "orders/case_detail.html"
    context_object_name = "case"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(work_context(self.request.user, self.object), **self.rights_context())
        context["order_visible"] = self.object.order_id is not None and permissions_of(self.request.user).has(
            "orders_view", self.object.store_id
        )
        return context


# ---------------------------------------------------------------------------------------------- work actions


class WorkActionView(ObjectActionView):
    """POST: one work service on one order or case of the restricted queryset; the outcome as a message."""

    permission_action = "change"
    service = None

    def post(self, request, *args, **kwargs):
        item = self.get_object()
        try:
            self.perform(item)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(service_error_messages(exc)))
        else:
            messages.success(request, self.done_message(item))
        return redirect(_next(request) or detail_url(item))

    def perform(self, item):
        raise NotImplementedError

    def done_message(self, item) -> str:
        return _("Done.")


class ClaimMixin:
    def perform(self, item):
        assignment.work_claim(actor=self.request.user, item=item)  # type: ignore[attr-defined]

    def done_message(self, item) -> str:
        return _("%(ref)s is yours now.") % {"ref": item}


class HandOverMixin:
    def perform(self, item):
        form = HandOverForm(self.request.POST, choices=selectors.work_hand_over_choices(item=item))  # type: ignore[attr-defined]
        if not form.is_valid():
            raise ValidationError(_("Choose a colleague who handles this store's work."))
        assignment.work_hand_over(actor=self.request.user, item=item, to=form.cleaned_data["to"])  # type: ignore[attr-defined]

    def done_message(self, item) -> str:
        return _("%(ref)s handed over.") % {"ref": item}


class HandleMixin:
    def perform(self, item):
        assignment.work_mark_handled(actor=self.request.user, item=item)  # type: ignore[attr-defined]

    def done_message(self, item) -> str:
        return _("%(ref)s marked handled.") % {"ref": item}


class OrderClaimView(ClaimMixin, OrderScopeMixin, WorkActionView):
    """POST: claim an unassigned order (orders_operate on its store)."""


class OrderHandOverView(HandOverMixin, OrderScopeMixin, WorkActionView):
    """POST `to`: hand an order to a colleague holding orders_operate on its store."""


class OrderHandleView(HandleMixin, OrderScopeMixin, WorkActionView):
    """POST: mark an order handled."""


class CaseClaimView(ClaimMixin, CaseScopeMixin, WorkActionView):
    """POST: claim an unassigned after-sales case (after_sales_operate on its store)."""


class CaseHandOverView(HandOverMixin, CaseScopeMixin, WorkActionView):
    """POST `to`: hand a case to a colleague holding after_sales_operate on its store."""


class CaseHandleView(HandleMixin, CaseScopeMixin, WorkActionView):
    """POST: mark an after-sales case handled."""


def detail_url(item) -> str:
    """The page of an order or an after-sales case."""
    name = "orders:order_detail" if isinstance(item, Order) else "orders:case_detail"
    return reverse(name, args=[item.pk])


def _next(request) -> str:
    target = request.POST.get("next", "")
    ok = bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if ok else ""


# ---------------------------------------------------------------------------------------------- stock


class StockListView(RightsMixin, ListPageView):
    """Stock per store and SKU with the threshold that applies (the SKU's override, else the store's); low /
    out filter; thresholds editable by inventory_operate holders of the store."""

    model = StockLevel
    filterset_class = StockFilterSet
    ordering_fields = ("quantity", "sku", "state")
    template_name = "orders/stock_list.html"

    def scope_queryset(self, queryset):
        return selectors.stock_with_thresholds(queryset.select_related("store"))

    def get_context_data(self, **kwargs):
        context = {**super().get_context_data(**kwargs), **self.rights_context()}
        store = self.filterset.form.cleaned_data.get("store") if self.filterset and self.filterset.is_valid() else None
        if store is not None and permissions_of(self.request.user).has("inventory_operate", store.pk):
            current = StoreSettings.objects.filter(store=store).values_list("low_stock_threshold", flat=True).first()
            context["store_threshold_form"] = StoreThresholdForm(initial={"threshold": current})
            context["threshold_store"] = store
        return context


class StockThresholdView(ObjectActionView):
    """POST `threshold` (empty: no override): one SKU's low-stock threshold (inventory_operate)."""

    model = StockLevel
    permission_action = "change"

    def post(self, request, *args, **kwargs):
        stock = self.get_object()
        form = ThresholdForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(list(form.errors.get("threshold", [])) or _("Enter a threshold of 0 or more."))
            store_settings.stock_threshold_update(
                actor=request.user, stock=stock, threshold=form.cleaned_data["threshold"]
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(service_error_messages(exc)))
        else:
            messages.success(
                request, _("Low-stock threshold of %(sku)s saved.") % {"sku": stock.seller_sku or stock.sku}
            )
        return redirect(_next(request) or "orders:stock_list")


class StoreThresholdView(ObjectActionView):
    """POST `threshold`: the store's low-stock threshold (inventory_operate on the store)."""

    model = Store
    permission_action = "inventory_operate"

    def post(self, request, *args, **kwargs):
        store = self.get_object()
        form = StoreThresholdForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(_("Enter a threshold of 0 or more."))
            store_settings.store_threshold_update(
                actor=request.user, store=store, threshold=form.cleaned_data["threshold"]
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(service_error_messages(exc)))
        else:
            messages.success(request, _("Low-stock threshold of %(store)s saved.") % {"store": store.name})
        return redirect(_next(request) or "orders:stock_list")


# ---------------------------------------------------------------------------------------------- work settings


class WorkSettingsView(GateMixin, generic.detail.SingleObjectMixin, generic.FormView):
    """A store's work settings (客服分单): claim or round-robin, who is on duty, the escalation margin.
    Needs settings_manage on the store."""

    model = Store
    permission_action = "settings_manage"
    scope = Scope.STORE
    http_method_names = FORM_METHODS
    template_name = "orders/work_settings.html"
    form_class = WorkSettingsForm
    context_object_name = "store"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["store"] = self.object
        return kwargs

    def form_valid(self, form):
        try:
            store_settings.store_work_settings_update(actor=self.request.user, store=self.object, **form.service_data())
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Work settings of %(store)s saved.") % {"store": self.object.name})
        return redirect("orders:work_settings", pk=self.object.pk)
