"""Audit log pages: the filtered list, one event, and the CSV export of the filtered list.

All three read AuditEvent.objects.restrict(viewer, "view"): events of stores where the viewer holds
users_view; events that belong to no store (sign-ins, company-wide changes) only for super admins.
"""

import csv
import json
import re
from typing import Any

from django.apps import apps
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from core.permissions import permissions_of
from core.stepup import StepUpRequiredMixin
from core.views import DetailPageView, GateMixin, ListPageView

from .checkpoints import chain_status
from .filtersets import AuditEventFilterSet
from .models import AuditEvent
from .services import record

EXPORT_CHUNK = 2000
KEY = re.compile(r"[0-9]{1,18}")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class AuditScopeMixin:
    model: Any = AuditEvent  # Any: the list and detail base views declare model differently

    def scope_queryset(self, queryset):
        return queryset.select_related("store").order_by("-id")


class EventListView(AuditScopeMixin, ListPageView):
    """The audit log, newest first: search, filters (action, actor, store, target, source, dates), pages.

    Pages are keyset pages (`?before=<id>` older, `?after=<id>` newer): each reads one page and one more row
    through the (…, id) indexes, however deep, and nothing counts the table (at millions of events a COUNT(*)
    or an OFFSET would cost seconds)."""

    filterset_class = AuditEventFilterSet
    template_name = "audit/event_list.html"
    context_object_name = "events"
    paginate_by = 0  # not Django's numbered pages: keyset pages of page_size
    page_size = 50

    def keyset(self) -> tuple[str, int | None]:
        for direction in ("before", "after"):
            values = self.request.GET.getlist(direction)
            if values:
                if len(values) == 1 and KEY.fullmatch(values[0]):
                    return direction, int(values[0])
                self.page_errors.append(_("That page does not exist; showing the newest events."))
        return "", None

    def get_context_data(self, **kwargs):
        """One keyset page; super admins (the whole log is theirs to read) also see the chain's last verification
        and its newest checkpoint: two single-row reads, never a walk of the table."""
        direction, key = self.keyset()
        queryset: Any = self.object_list
        if direction == "after":
            rows = list(queryset.filter(pk__gt=key).order_by("id")[: self.page_size + 1])
            newer, rows = len(rows) > self.page_size, rows[: self.page_size]
            rows.reverse()
            older = bool(rows)
        else:
            if direction == "before":
                queryset = queryset.filter(pk__lt=key)
            rows = list(queryset.order_by("-id")[: self.page_size + 1])
            older, rows = len(rows) > self.page_size, rows[: self.page_size]
            newer = direction == "before"
        context = super().get_context_data(object_list=rows, **kwargs)
        context["events"] = rows
        query = self.request.GET.copy()
        for name in ("before", "after", "page"):
            query.pop(name, None)
        context["querystring"] = query.urlencode()
        context["older_url"] = _page_url(query, "before", rows[-1].pk) if older and rows else ""
        context["newer_url"] = _page_url(query, "after", rows[0].pk) if newer and rows else ""
        context["newest_url"] = "?" + query.urlencode() if direction else ""
        if permissions_of(self.request.user).super_admin:
            context["chain"] = chain_status()
        return context


def _page_url(query, direction: str, key: int) -> str:
    query = query.copy()
    query[direction] = str(key)
    return "?" + query.urlencode()


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def change_rows(before, after, names=None) -> list[dict]:
    """before/after as rows of (field, before, after), fields in name order; an id shows the name it had when
    the event was recorded (`names`, audit.names) beside it: "客服/售后 (#6)"."""
    before, after, names = before or {}, after or {}, names or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [{"field": "", "before": _display(before), "after": _display(after)}]

    def shown(name, value):
        label = (
            names.get(name, {}).get(str(value)) if value is not None and not isinstance(value, dict | list) else None
        )
        return f"{label} (#{value})" if label else _display(value)

    return [
        {
            "field": name,
            "before": shown(name, before.get(name)) if name in before else None,
            "after": shown(name, after.get(name)) if name in after else None,
        }
        for name in sorted(before.keys() | after.keys())
    ]


def target_url(event) -> str:
    """A link to the event's target if it still exists and has a page."""
    try:
        model = apps.get_model(event.target_type)
        target = model._default_manager.filter(pk=event.target_id).first()
    except (LookupError, ValueError, TypeError):
        return ""
    return target.get_absolute_url() if target is not None and hasattr(target, "get_absolute_url") else ""


class EventDetailView(AuditScopeMixin, DetailPageView):
    """One audit event: who, when, from where, what, and its before/after as a field table."""

    template_name = "audit/event_detail.html"
    context_object_name = "event"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["changes"] = change_rows(self.object.before, self.object.after, self.object.names)
        context["target_url"] = target_url(self.object) if self.object.target_type and self.object.target_id else ""
        return context


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    text = _display(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text  # no formulas when opened in Excel


def export_rows(queryset):
    """The CSV, line by line: a UTF-8 BOM first so Excel reads Chinese correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(
        [
            _("Time"),
            _("Actor"),
            _("Source"),
            _("Store"),
            _("Action"),
            _("Action code"),
            _("Target type"),
            _("Target ID"),
            _("Target"),
            _("Before"),
            _("After"),
            _("Reason"),
            _("IP address"),
            _("Request ID"),
        ]
    )
    for event in queryset.iterator(chunk_size=EXPORT_CHUNK):
        yield writer.writerow(
            [
                _cell(v)
                for v in (
                    timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                    event.actor_display,
                    event.get_source_display(),
                    event.store.name if event.store_id and event.store else "",
                    event.action_label,
                    event.action,
                    event.target_type_label or event.target_type,
                    event.target_id,
                    event.target_label,
                    event.before,
                    event.after,
                    event.reason,
                    event.ip,
                    event.request_id,
                )
            ]
        )


class EventExportView(StepUpRequiredMixin, AuditScopeMixin, GateMixin, View):
    """CSV download of the list as filtered, streamed; the export itself is recorded as audit.export."""

    step_up_methods = ("GET", "HEAD")  # exporting the audit log needs a fresh second factor

    def get(self, request):
        filterset = AuditEventFilterSet(request.GET or None, queryset=self.get_queryset(), request=request)
        if filterset.is_bound and not filterset.is_valid():
            return HttpResponseBadRequest(
                json.dumps(filterset.errors, ensure_ascii=False), content_type="application/json"
            )
        queryset = filterset.qs if filterset.is_bound else filterset.queryset
        # only the declared filters, as validated (no stray parameters, no NUL bytes, in the audit row)
        filters = {name: request.GET[name] for name in filterset.filters if request.GET.get(name)}
        record("audit.export", after={"filters": filters, "rows": queryset.count()})
        response = StreamingHttpResponse(export_rows(queryset), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-events-{stamp}.csv"'
        response["Cache-Control"] = "no-store"
        return response
