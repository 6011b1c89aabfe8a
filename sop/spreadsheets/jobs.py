"""Import jobs: an uploaded file checked into an ImportJob (its preview or its row errors), then applied all or
nothing — inline for a short file, in the worker (sop.import_tasks) above SHOPCREW_IMPORT_INLINE_ROWS rows with its
progress readable while the transaction runs (a Redis counter, since the job row itself only changes at commit).
Exports are recorded as audit events naming the sheet, the format and the row count."""

from __future__ import annotations

import logging
from types import ModuleType

import redis
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record

from ..models import ImportJob, ImportKind, ImportStatus
from . import formats, matrix_sheet, staff_sheet, store_sheet
from .common import Checked

logger = logging.getLogger(__name__)

SHEETS: dict[str, ModuleType] = {
    ImportKind.STAFF: staff_sheet,
    ImportKind.STORES: store_sheet,
    ImportKind.MATRIX: matrix_sheet,
}
FILE_STEMS: dict[str, str] = {
    ImportKind.STAFF: "员工信息表",
    ImportKind.STORES: "店铺分工表",
    ImportKind.MATRIX: "权限矩阵",
}
EXPORT_ACTIONS: dict[str, str] = {
    ImportKind.STAFF: "staff.export",
    ImportKind.STORES: "store.export",
    ImportKind.MATRIX: "role.export",
}
PROGRESS_TTL = 6 * 3600


def inline_limit() -> int:
    return int(getattr(settings, "SHOPCREW_IMPORT_INLINE_ROWS", 200))


# ---------------------------------------------------------------------------------------------- progress


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5)


def _progress_key(job_id: int) -> str:
    return f"shopcrew:sop:import:{job_id}:done"


def progress_set(job_id: int, done: int) -> None:
    try:
        _redis().set(_progress_key(job_id), done, ex=PROGRESS_TTL)
    except redis.RedisError:  # progress is a courtesy: the import goes on without it
        logger.warning("import %s: progress not stored", job_id)


def progress_of(job: ImportJob) -> int:
    """Rows done: the job's own count once it finished, else the running counter."""
    if job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return job.done_rows
    try:
        value = _redis().get(_progress_key(job.pk))
    except redis.RedisError:
        value = None
    return int(value) if value else job.done_rows  # type: ignore[arg-type]  # a sync client


# ---------------------------------------------------------------------------------------------- checking


def _check(*, actor, kind: str, content: bytes, filename: str) -> Checked:
    module = SHEETS[kind]
    try:
        sheet = formats.read(content, filename, module.columns_for(actor))
    except formats.SheetError as exc:
        checked = Checked(total=0)
        checked.errors.append({"line": 0, "message": str(exc)})
        return checked
    checked = module.check(actor=actor, sheet=sheet)
    if not checked.errors:
        module.summarize(checked)
    return checked


def import_job_create(*, actor, kind: str, filename: str, content: bytes) -> ImportJob:
    """Check an uploaded file (nothing applied) into a job: status preview with what applying would do, or invalid
    with every bad row in the user's language. Records import.create."""
    checked = _check(actor=actor, kind=kind, content=content, filename=filename)
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind,
            filename=filename[:200],
            content=content,
            status=ImportStatus.INVALID if checked.errors else ImportStatus.PREVIEW,
            total_rows=checked.total,
            preview=checked.preview,
            errors=checked.errors,
            result={"counts": checked.counts},
            created_by=actor,
        )
        record(
            "import.create",
            target=job,
            after={"kind": kind, "file": job.filename, "rows": checked.total, "bad_rows": len(checked.bad_lines)},
        )
    return job


def import_job_apply(*, actor, job: ImportJob) -> ImportJob:
    """Apply a checked job: only its creator, only once. Short files now; long ones queued for the worker."""
    if job.created_by_id != actor.pk:
        raise PermissionDenied(_("Only the person who uploaded the file may apply it."))
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEW).update(status=ImportStatus.QUEUED)
    if not updated:
        raise ValidationError(_("This import has already been applied or was refused."))
    job.status = ImportStatus.QUEUED
    if job.total_rows > inline_limit():
        from ..import_tasks import run_import

        transaction.on_commit(lambda: run_import.delay(job.pk))
        return job
    return import_job_run(job_id=job.pk)


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued job as its creator: check the file again (rights or data may have changed), then apply it all
    or nothing. The job ends done (result) or failed / invalid (why); records import.complete when applied."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportStatus.QUEUED:
        return job
    actor = job.created_by
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    progress_set(job.pk, 0)
    checked = _check(actor=actor, kind=job.kind, content=bytes(job.content), filename=job.filename)
    if checked.errors:
        return _finish(job, ImportStatus.INVALID, errors=checked.errors)
    try:
        with transaction.atomic():
            result = SHEETS[job.kind].apply(
                actor=actor,
                checked=checked,
                reason=_("Imported from %(file)s") % {"file": job.filename},
                progress=lambda n: progress_set(job.pk, n),
            )
            record("import.complete", target=job, after={"kind": job.kind, "rows": checked.total, **_counts(result)})
    except (ValidationError, PermissionDenied) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        return _finish(job, ImportStatus.FAILED, errors=[{"line": 0, "message": m} for m in messages])
    except Exception:
        _finish(job, ImportStatus.FAILED, errors=[{"line": 0, "message": _("The import failed; nothing was changed.")}])
        raise
    return _finish(job, ImportStatus.DONE, result={**job.result, **result}, done=checked.total)


def _counts(result: dict) -> dict:
    return {k: (len(v) if isinstance(v, list) else v) for k, v in result.items()}


def _finish(job: ImportJob, status: str, *, errors=None, result=None, done: int = 0) -> ImportJob:
    job.status, job.finished_at, job.done_rows = status, timezone.now(), done
    if errors is not None:
        job.errors = errors
    if result is not None:
        job.result = result
    job.save(update_fields=["status", "finished_at", "done_rows", "errors", "result"])
    progress_set(job.pk, done)
    return job


# ---------------------------------------------------------------------------------------------- exporting


def export_file(*, viewer, kind: str, fmt: str, part: str = "") -> tuple[bytes, str]:
    """The sheet of what the viewer may see as xlsx or CSV (UTF-8 with BOM), and its file name; recorded as
    <object>.export naming the sheet, format and row count."""
    module = SHEETS[kind]
    columns, rows = module.export(viewer=viewer, part=part)
    stem = FILE_STEMS[kind] + (f"-{part}" if part else "")
    content = formats.write(rows, columns, fmt, title=stem)
    record(
        EXPORT_ACTIONS[kind],
        target_type="sop.importjob",
        target_label=stem,
        after={"sheet": stem, "format": fmt, "rows": len(rows), "filter": _("what the viewer may see")},
    )
    return content, f"{stem}-{timezone.localdate():%Y%m%d}.{fmt}"


def template_file(*, kind: str, fmt: str) -> tuple[bytes, str]:
    """An empty sheet (headers and one example row) to fill in."""
    module = SHEETS[kind]
    content = formats.write(module.template_rows(), module.TEMPLATE_COLUMNS, fmt, title=FILE_STEMS[kind])
    return content, f"{FILE_STEMS[kind]}-模板.{fmt}"
