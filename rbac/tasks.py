"""Background work for roles: the minute-by-minute expiry sweep."""

from __future__ import annotations

import logging

from celery import shared_task

from core.tasks import AuditedTask

from .services import expire_due as expire_due_service

logger = logging.getLogger(__name__)


@shared_task(base=AuditedTask, soft_time_limit=50, time_limit=60, ignore_result=True)
def expire_due() -> dict:
    """Beat task (every minute): end expired bindings and exception grants — removing their guardian
    membership/rows — and lapse access requests past their deadline; each audited."""
    counts = expire_due_service()
    if any(counts.values()):
        logger.info("rbac expiry sweep: %s", counts)
    return counts
