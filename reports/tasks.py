"""The beat task that keeps the board's daily rollups (scheduled in config/settings/base.py)."""

from __future__ import annotations

from celery import shared_task

from core.tasks import AuditedTask

from .rollup import storeday_rollup


@shared_task(base=AuditedTask, name="reports.tasks.rollup_days", soft_time_limit=240, time_limit=280)
def rollup_days(days_back: int = 1) -> int:
    """Every 10 minutes today's and yesterday's figures of every store (one set-based statement); once a night the
    last 35 days again (`days_back`), so an old order cancelled or returned today corrects its own day."""
    return storeday_rollup(days_back=days_back)
