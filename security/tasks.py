"""The security robot's scheduled work: the audit log's daily checkpoint, and its retention (audit_archive).

Thin, as every task: audit.checkpoints verifies the chain (streamed, outside any transaction) and keeps the
outcome and a signed checkpoint; this task then tells the security robot in the same transaction (the outbox),
so the log's count and head also live in WeCom's chat history, out of the database owner's reach. Scheduled in
config/settings/base.py (CELERY_BEAT_SCHEDULE, "security-audit-checkpoint").
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from audit.archive import archive_before
from audit.checkpoints import HEAD_SHOWN, chain_check_save, chain_verify
from core.tasks import AuditedTask
from events.choices import EventKind
from events.services import event_emit

from .policy import current

logger = logging.getLogger(__name__)


@shared_task(base=AuditedTask, name="security.tasks.audit_checkpoint", soft_time_limit=1800, time_limit=1900)
def audit_checkpoint() -> bool:
    """Daily: verify the audit chain against its checkpoints, sign a new one when it is intact, and announce
    count, head and verdict (完整 / 断链 …) to the security robot — a broken chain is announced too. Returns
    whether the chain was intact. (A large log takes time to walk, hence the longer time limits.)"""
    report = chain_verify()
    with transaction.atomic():
        check, _checkpoint = chain_check_save(report, write_checkpoint=True)
        payload = {"count": report.events, "head": report.head_hash[:HEAD_SHOWN], "verified": report.verdict}
        event_emit(EventKind.SECURITY_AUDIT_CHECKPOINT, None, payload, f"security.audit_checkpoint:{check.pk}")
    if not report.intact:
        logger.error("audit chain failed verification: %s", "; ".join(report.problems))
    return report.intact


@shared_task(base=AuditedTask, name="security.tasks.audit_archive", soft_time_limit=3000, time_limit=3100)
def audit_archive() -> int:
    """Daily: move audit events older than the policy's retention to an archive file (audit.archive), then out of
    the table in batches. Returns how many were archived (0 when the policy keeps everything)."""
    days = current().audit_retention_days
    if not days:
        return 0
    archive = archive_before(timezone.now() - timedelta(days=days))
    return archive.count if archive else 0
