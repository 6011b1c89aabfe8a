"""Beat tasks of the checklists: make the daily store checks that are due, remind of overdue checklists."""

import logging

from celery import shared_task

from core.tasks import AuditedTask

from .checklists import checklists_remind_overdue, daily_checks_generate

logger = logging.getLogger(__name__)


@shared_task(base=AuditedTask, name="sop.tasks.generate_daily_checks", soft_time_limit=600, time_limit=660)
def generate_daily_checks() -> int:
    """Every 15 minutes: each active store whose morning has come gets today's daily check (once)."""
    made = daily_checks_generate()
    if made:
        logger.info("daily store checks made: %s", made)
    return made


@shared_task(base=AuditedTask, name="sop.tasks.remind_overdue_checklists", soft_time_limit=240, time_limit=280)
def remind_overdue_checklists() -> int:
    """Every 15 minutes: checklists past their due time and not complete are announced once to their store's route."""
    total = 0
    while made := checklists_remind_overdue():
        total += made
    if total:
        logger.info("overdue checklists announced: %s", total)
    return total
