"""Beat tasks for people's work: escalating after-sales cases nobody handled, and the daily / weekly digests.

Thin, as every task: they call orders.escalation and orders.digests, which are safe to run by several workers
at once (rows claimed with SKIP LOCKED, events written once under their dedupe keys). Scheduled in
config/settings/base.py (CELERY_BEAT_SCHEDULE); imported by OrdersConfig.ready() so workers know them.
"""

from __future__ import annotations

import logging

from celery import shared_task

from core.tasks import AuditedTask

from .digests import digests_emit_due
from .escalation import cases_escalate_due

logger = logging.getLogger(__name__)


@shared_task(base=AuditedTask, name="orders.work_tasks.escalate_due_cases", soft_time_limit=240, time_limit=280)
def escalate_due_cases() -> int:
    """Every 5 minutes: escalate open after-sales cases past their warning or due time (a batch of 500 at a
    time, until none is left or the time runs short)."""
    total = 0
    while (written := cases_escalate_due()) > 0:
        total += written
    if total:
        logger.info("after-sales escalations: %s", total)
    return total


@shared_task(base=AuditedTask, name="orders.work_tasks.emit_digests", soft_time_limit=240, time_limit=280)
def emit_digests() -> int:
    """Every 15 minutes: write the daily and weekly digests that are due (per store, per department)."""
    written = digests_emit_due()
    if written:
        logger.info("digests written: %s", written)
    return written
