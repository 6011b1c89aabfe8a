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


@shared_task(base=AuditedTask, soft_time_limit=300, time_limit=330, ignore_result=True)
def access_reviews() -> dict:
    """Beat task (hourly): a reminder a day to each reviewer with items waiting (deduplicated per reviewer and
    day), and campaigns past their deadline escalated, their unreviewed items revoked when they say so, closed."""
    from .services.reviews import review_deadline, review_remind

    reminded = review_remind()
    closed = review_deadline()
    return {"reminded": reminded, "closed": len(closed)}
