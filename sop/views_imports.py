"""Spreadsheet pages: the imports and exports page (upload a sheet, download a sheet or its template), the checked
file (row errors, or the preview with an "apply" button), the job with its progress and result, and the progress as
JSON for the job page to poll.

Gate: users_view somewhere for the page and the exports (the 店铺分工表 and its template: any permission somewhere, as
the duties page) (which hold only what the viewer may see); importing the
员工信息表 or the 权限矩阵 needs users_manage somewhere and the 店铺分工表 settings_manage somewhere, and every row
is checked again by the services against the stores where the importer holds them. A job is seen by its uploader
only (404 for anyone else)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from core.forms import add_service_errors
from core.permissions import ANY, permissions_of
from core.views import FORM_METHODS, POST_ONLY, GateMixin

from .forms_imports import ImportUploadForm
from .models import ImportJob, ImportKind, ImportStatus
from .spreadsheets import formats, jobs
from .spreadsheets.matrix_sheet import PEOPLE, ROLES

IMPORT_NEEDS: dict[str, str] = {
    ImportKind.STAFF: "users_manage",
    ImportKind.STORES: "settings_manage",
    ImportKind.MATRIX: "users_manage",
}
RECENT = 20


def _labels() -> dict[str, str]:
    return {
        "create": _("to create"),
        "update": _("to update"),
        "unchanged": _("unchanged"),
        "grant": _("roles to grant"),
        "request": _("roles waiting for approval"),
        "add": _("roles to add"),
        "remove": _("roles to remove"),
        "created": _("created"),
        "updated": _("updated"),
        "granted": _("roles granted"),
        "revoked": _("roles revoked"),
    }


def _labelled(counts: dict) -> list[tuple[str, int]]:
    """Counts in words, in a fixed order (the JSON holds their keys)."""
    labels = _labels()
    return [(labels[k], counts[k]) for k in labels if isinstance(counts.get(k), int)]


def _may_import(user, kind: str) -> bool:
    return permissions_of(user).has_anywhere(IMPORT_NEEDS[kind])


class ImportGateMixin(GateMixin):
    required_permission = "users_view"

    def job(self) -> ImportJob:
        try:
            return ImportJob.objects.get(pk=self.kwargs["pk"], created_by_id=self.request.user.pk)
        except ImportJob.DoesNotExist:
            raise Http404 from None


class ImportListView(ImportGateMixin, View):
    """The page: upload a sheet (checked, nothing applied), download any sheet or its template, my recent imports."""

    http_method_names = FORM_METHODS
    template_name = "sop/imports/import_list.html"

    def render_page(self, form, status=200):
        user = self.request.user
        context = {
            "form": form,
            "jobs": ImportJob.objects.filter(created_by_id=user.pk).only(
                "kind", "filename", "status", "total_rows", "created_at"
            )[:RECENT],
            "sheets": [
                (ImportKind.STAFF, ImportKind.STAFF.label, ""),
                (ImportKind.STORES, ImportKind.STORES.label, ""),
                (ImportKind.MATRIX, ImportKind.MATRIX.label, PEOPLE),
                (ImportKind.MATRIX, _("权限矩阵 (roles × modules)"), ROLES),
            ],
            "formats": formats.FORMATS,
            "may_import": {k: _may_import(user, k) for k in ImportKind.values},
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self.render_page(ImportUploadForm())

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(form, status=400)
        kind = form.cleaned_data["kind"]
        if not _may_import(request.user, kind):
            add_service_errors(form, PermissionDenied(_("You may not import this sheet.")))
            return self.render_page(form, status=403)
        upload = form.cleaned_data["file"]
        job = jobs.import_job_create(actor=request.user, kind=kind, filename=upload.name, content=upload.read())
        return redirect("sop:import_detail", pk=job.pk)


class ImportDetailView(ImportGateMixin, View):
    """One import: its row errors (refused), the preview and the apply button, or its progress and result."""

    def get(self, request, pk):
        job = self.job()
        context = {
            "job": job,
            "done_rows": jobs.progress_of(job),
            "running": job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
            "counts": _labelled(job.result.get("counts", {})),
            "result": _labelled(job.result),
        }
        return render(request, "sop/imports/import_detail.html", context)


class ImportApplyView(ImportGateMixin, View):
    """Apply a checked file, all or nothing: now when short, in the worker when long."""

    http_method_names = POST_ONLY

    def post(self, request, pk):
        job = self.job()
        if not _may_import(request.user, job.kind):
            raise PermissionDenied
        try:
            jobs.import_job_apply(actor=request.user, job=job)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("sop:import_detail", pk=job.pk)


class ImportProgressView(ImportGateMixin, View):
    """The job's status and rows done, as JSON (polled by the job page while the worker runs)."""

    def get(self, request, pk):
        job = self.job()
        return JsonResponse({"status": job.status, "done_rows": jobs.progress_of(job), "total_rows": job.total_rows})


class _FileView(ImportGateMixin, View):
    def get_required_permission(self) -> str | None:
        """The 店铺分工表 is read by anyone working on a store (as its page is); the other sheets need users_view."""
        return ANY if self.kwargs.get("kind") == ImportKind.STORES else self.required_permission

    def answer(self, content: bytes, filename: str, fmt: str) -> HttpResponse:
        response = HttpResponse(content, content_type=formats.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = _disposition(filename)
        response["Cache-Control"] = "no-store"
        return response

    def checked(self, kind: str, fmt: str):
        if kind not in ImportKind.values or fmt not in formats.FORMATS:
            raise Http404
        return kind, fmt


class ExportView(_FileView):
    """A sheet of what the viewer may see, xlsx or CSV (UTF-8 with BOM); ?part=roles for roles × modules. Audited."""

    def get(self, request, kind, fmt):
        kind, fmt = self.checked(kind, fmt)
        part = request.GET.get("part", "") if kind == ImportKind.MATRIX else ""
        content, filename = jobs.export_file(viewer=request.user, kind=kind, fmt=fmt, part=part)
        return self.answer(content, filename, fmt)


class TemplateView(_FileView):
    """An empty sheet (the headers and one example row) to fill in."""

    def get(self, request, kind, fmt):
        kind, fmt = self.checked(kind, fmt)
        content, filename = jobs.template_file(kind=kind, fmt=fmt)
        return self.answer(content, filename, fmt)


def _disposition(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "ignore").decode() or "sheet"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
