"""Checklist pages: the checklists I may read (a store's history with ?store=), one checklist with its items to
tick, ticking and unticking, completion rates per store and per person, and the templates (list, create, edit).

Checklists are read by their assignee and subject and by people with any permission on their store; ticked by the
assignee, the store's owners and super admins (the services check again). Templates are changed by super admins
and people who manage the settings of every store."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic

from core.forms import add_service_errors
from core.gates import Scope
from core.permissions import ALL_STORES, ANY, permissions_of
from core.views import FORM_METHODS, POST_ONLY, GateMixin
from stores.models import Store

from . import checklists, forms_checklists, selectors
from .models import Checklist, ChecklistItem, ChecklistKind, ChecklistTemplate

PER_PAGE = 50


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


class ChecklistListView(GateMixin, generic.TemplateView):
    """The checklists the viewer may read, newest first, with progress: ?store= a store's history, ?kind=,
    ?mine=1 those assigned to me."""

    scope = Scope.OWN
    template_name = "sop/checklists/checklist_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        viewer, query = self.request.user, self.request.GET
        store_id = _int(query.get("store"))
        kind = query.get("kind", "") if query.get("kind", "") in ChecklistKind.values else ""
        mine = query.get("mine") == "1"
        rows = selectors.checklist_list(viewer=viewer, store_id=store_id, kind=kind, mine=mine)
        store = None
        if store_id:
            stores = permissions_of(viewer).stores_with(ANY)
            if stores is ALL_STORES or store_id in stores:
                store = Store.objects.filter(pk=store_id).first()
        params = {k: v for k, v in {"store": store_id, "kind": kind, "mine": "1" if mine else ""}.items() if v}
        context.update(
            page_obj=Paginator(rows, PER_PAGE).get_page(query.get("page")),
            store=store,
            kind=kind,
            mine=mine,
            kinds=ChecklistKind.choices,
            querystring="&".join(f"{k}={v}" for k, v in params.items()),
            can_manage_templates=selectors.template_can_manage(viewer=viewer),
        )
        return context


class ChecklistDetailView(GateMixin, generic.TemplateView):
    """One checklist: its items by section, each ticked by whom and when with its evidence, the console's facts
    (what it finds now, for the open items of an open store checklist; read, never written here) and, for those who may, tick / untick buttons."""

    scope = Scope.OWN
    template_name = "sop/checklists/checklist_detail.html"

    def load(self) -> Checklist:
        try:
            return selectors.checklist_detail(viewer=self.request.user, pk=self.kwargs["pk"])
        except Checklist.DoesNotExist:
            raise Http404 from None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        checklist = kwargs.get("checklist") or self.load()
        items = list(checklist.items.all())
        if any(i.fact and not i.done_at for i in items):  # an open item shows what the console finds now
            current = selectors.checklist_current_facts(checklist=checklist)
            for item in items:
                if item.fact and not item.done_at and item.fact in current:
                    item.facts = current[item.fact]
        failed = kwargs.get("failed")  # (item pk, form) of a refused tick
        for item in items:
            item.form = (
                failed[1] if failed and failed[0] == item.pk else forms_checklists.TickForm(prefix=f"i{item.pk}")
            )
        done = sum(1 for i in items if i.done_at)
        context.update(
            checklist=checklist,
            items=items,
            done=done,
            total=len(items),
            percent=round(100 * done / len(items)) if items else 0,
            may_tick=selectors.checklist_may_tick(viewer=self.request.user, checklist=checklist),
            overdue=checklist.completed_at is None and checklist.due_at and checklist.due_at < timezone.now(),
        )
        return context


class ItemTickView(ChecklistDetailView):
    """POST: tick one item with its evidence or note (refused in words where the item needs one); audited."""

    http_method_names = POST_ONLY

    def post(self, request, pk):
        try:
            item = selectors.item_for_tick(viewer=request.user, pk=pk)
        except ChecklistItem.DoesNotExist:
            raise Http404 from None
        form = forms_checklists.TickForm(request.POST, prefix=f"i{item.pk}")
        if form.is_valid():
            try:
                checklists.item_tick(actor=request.user, item=item, evidence=form.cleaned_data["evidence"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Ticked: %(item)s") % {"item": item.title})
                return redirect(f"{item.checklist.get_absolute_url()}#item-{item.pk}")
        self.kwargs["pk"] = item.checklist_id
        context = self.get_context_data(failed=(item.pk, form))
        return self.render_to_response(context, status=400)


class ItemUntickView(GateMixin, generic.View):
    """POST: untick one item (the checklist is open again); audited."""

    scope = Scope.OWN
    http_method_names = POST_ONLY

    def post(self, request, pk):
        try:
            item = selectors.item_for_tick(viewer=request.user, pk=pk)
        except ChecklistItem.DoesNotExist:
            raise Http404 from None
        checklists.item_untick(actor=request.user, item=item)
        messages.success(request, _("Unticked: %(item)s") % {"item": item.title})
        return redirect(f"{item.checklist.get_absolute_url()}#item-{item.pk}")


class RatesView(GateMixin, generic.TemplateView):
    """Completion rates of checklists over a period (the last 30 days by default), per store and per person, for
    the stores where the viewer reads reports."""

    required_permission = "reports_view"
    template_name = "sop/checklists/rates.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms_checklists.PeriodForm(forms_checklists.period_data(self.request.GET))
        rates = None
        if form.is_valid():
            data = form.cleaned_data
            rates = selectors.completion_rates(
                viewer=self.request.user, start=data["start"], end=data["end"], kind=data["kind"]
            )
        context.update(form=form, rates=rates)
        return context

    def render_to_response(self, context, **kwargs):
        if context["rates"] is None:
            kwargs["status"] = 400
        return super().render_to_response(context, **kwargs)


# ---------------------------------------------------------------------------------------------- templates
class TemplateGateMixin(GateMixin):
    required_permission = "settings_manage"
    scope = Scope.COMPANY


class TemplateListView(TemplateGateMixin, generic.TemplateView):
    """Every checklist template with its kind, item count and whether it is its kind's default."""

    template_name = "sop/checklists/template_list.html"

    def get_context_data(self, **kwargs):
        from django.db.models import Count

        context = super().get_context_data(**kwargs)
        context["templates"] = ChecklistTemplate.objects.annotate(item_count=Count("items")).order_by("kind", "name")
        return context


class TemplateFormView(TemplateGateMixin, generic.TemplateView):
    """Create or edit a template and its items (add rows, reorder by the order numbers, remove); audited."""

    http_method_names = FORM_METHODS
    template_name = "sop/checklists/template_form.html"

    def get_template_object(self) -> ChecklistTemplate | None:
        pk = self.kwargs.get("pk")
        return get_object_or_404(ChecklistTemplate, pk=pk) if pk else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        template = self.get_template_object()
        context.setdefault("template_object", template)
        context.setdefault("form", forms_checklists.TemplateForm(instance=template))
        context.setdefault(
            "formset", forms_checklists.ItemFormSet(prefix="items", initial=forms_checklists.item_initial(template))
        )
        return context

    def post(self, request, pk=None):
        template = self.get_template_object()
        form = forms_checklists.TemplateForm(request.POST, instance=template)
        formset = forms_checklists.ItemFormSet(request.POST, prefix="items")
        if form.is_valid() and formset.is_valid():
            try:
                with transaction.atomic():
                    saved = checklists.template_save(
                        actor=request.user,
                        template=template,
                        items=formset.items(),  # type: ignore[attr-defined]
                        **form.cleaned_data,
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Template saved: %(name)s") % {"name": saved.name})
                return redirect("sop:template_list")
        context = self.get_context_data(template_object=template, form=form, formset=formset)
        return self.render_to_response(context, status=400)
