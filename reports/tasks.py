"""The beat task that keeps the board's daily rollups (scheduled in config/settings/base.py)."""

from __future__ import annotations

from celery import shared_task

from core.tasks import AuditedTask

from .rollup import storeday_rollup


@shared_task(base=AuditedTask, name="reports.tasks.rollup_days", soft_time_limit=240, time_limit=280)
def rollup_days() -> int:
    """Every 10 minutes: today's and yesterday's figures of every store (one set-based statement)."""
    return storeday_rollup(days_back=1)
