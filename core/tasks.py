"""The one Celery task base: the audit context, time limits and retries of transient errors.

Every task of ours is `@shared_task(base=AuditedTask, ...)`:
- **Who**: queuing a task (`delay`, `apply_async`, `apply`) carries the queuing side's audit context —
  the person behind the request (or the task) that started the work, and its request id — in the task's
  keyword argument `AUDIT_KWARG` (JSON, as `core.context.handoff()` gives it). The task runs inside
  `core.context.task_context(...)` with it: source "task", crediting that person. Beat's own runs credit
  nobody. The task function never sees the argument.
- **How long**: soft and hard time limits on every task (`soft_time_limit`, `time_limit`; a task may
  declare its own).
- **Transient errors**: a task declares `retry_for` (exception classes) and may refine `is_transient(exc)`
  and `retry_countdown(exc)`; such an error is retried with exponential backoff up to `max_retries`
  times, then handed to `on_final_failure(exc)` (by default: logged; the service has recorded it).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task

from .context import handoff, task_context

logger = logging.getLogger(__name__)

AUDIT_KWARG = "_audit"


def _with_audit(task, args, kwargs: dict | None) -> dict:
    """The kwargs plus the audit context, after checking the call against the task's own signature (which
    Celery's `typing` check would do, but the extra keyword would fail it)."""
    kwargs = dict(kwargs or {})
    audit = kwargs.pop(AUDIT_KWARG, None)
    header = getattr(task, "__header__", None)
    if header is not None:
        header(*(args or ()), **kwargs)
    kwargs[AUDIT_KWARG] = audit if audit is not None else handoff()
    return kwargs


class AuditedTask(Task):
    """Binds the audit context of whoever queued the work, limits the run, retries transient errors."""

    soft_time_limit = 60
    time_limit = 90
    max_retries = 5
    retry_backoff = 30  # seconds before the first retry; doubled for each one after
    retry_for: tuple[type[Exception], ...] = ()
    typing = False  # the arguments are checked in _with_audit(), without the audit keyword

    # ---- queuing: carry the context --------------------------------------------------------------
    def apply_async(self, args=None, kwargs=None, **options):
        return super().apply_async(args, _with_audit(self, args, kwargs), **options)

    def apply(self, args=None, kwargs=None, **options):
        return super().apply(args, _with_audit(self, args, kwargs), **options)

    # ---- running: bind it, retry what is transient -------------------------------------------------
    def __call__(self, *args, **kwargs):
        kwargs = dict(kwargs)
        audit = kwargs.pop(AUDIT_KWARG, None) or {}
        with task_context(**audit):
            try:
                return self.run(*args, **kwargs)
            except self.retry_for as exc:
                if self.is_transient(exc) and self.request.retries < self.max_retries:
                    raise self.retry(countdown=self.retry_countdown(exc), exc=None) from None
                return self.on_final_failure(exc)

    def is_transient(self, exc: Exception) -> bool:
        return True

    def retry_countdown(self, exc: Exception) -> float:
        return self.retry_backoff * 2**self.request.retries

    def on_final_failure(self, exc: Exception) -> Any:
        logger.warning("%s failed for good: %s", self.name, type(exc).__name__)
        return None
