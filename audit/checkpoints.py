"""Checkpoints: the audit chain's end, signed and copied where the database owner cannot reach it.

The hash chain (audit.chain) shows a row altered or removed from the middle, but not rows cut from the END: the
shorter chain is still a valid chain. A checkpoint says "the log held `count` events and its newest was event
`head_id` with hash `head_hash`", signed with HMAC-SHA256 under SHOPCREW_AUDIT_CHECKPOINT_KEYS (from the
environment, not the database; newest first, older keys still verify). The daily task (security.tasks) verifies
the chain, writes a checkpoint and sends count and head to the security robot, so a copy also lives in WeCom's
chat history. `chain_verify()` then holds the table to every checkpoint, and to one copied back from WeCom
(`verify_audit_chain --checkpoint <count>:<head>`). What this does and does not protect against: README, "Audit
log".
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import HEAD_SHOWN, AuditArchive, AuditCheckpoint, ChainCheck
from .services import record, verify_chain

STALE_AFTER = timedelta(days=2)  # the daily check is this late: say so on the page (is beat running?)
INTACT = "完整"  # the robot message's verdict (its template is in Chinese)


def checkpoint_keys() -> list[str]:
    return [key for key in (getattr(settings, "SHOPCREW_AUDIT_CHECKPOINT_KEYS", None) or []) if key]


def checkpoint_signature(checkpoint: AuditCheckpoint, key: str) -> str:
    """HMAC-SHA256 (hex) under `key` of the checkpoint's count, head id, head hash and time (UTC, microseconds)."""
    stamp = checkpoint.created_at.astimezone(UTC).isoformat(timespec="microseconds")
    message = f"shopcrew.audit-checkpoint.v1|{checkpoint.count}|{checkpoint.head_id}|{checkpoint.head_hash}|{stamp}"
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def checkpoint_signed(checkpoint: AuditCheckpoint, keys: list[str]) -> bool:
    """True when one of the keys signed exactly these fields."""
    return any(hmac.compare_digest(checkpoint_signature(checkpoint, key), checkpoint.signature) for key in keys)


@dataclass(frozen=True)
class ExternalCheckpoint:
    """A checkpoint copied from outside the database (the security robot's message): `count` events, the newest
    one's hash starting with `head` (16 hex digits as the message shows them, or the whole hash)."""

    count: int
    head: str

    @classmethod
    def parse(cls, text: str) -> ExternalCheckpoint:
        count, sep, head = text.strip().partition(":")
        head = head.strip().lower()
        if not sep or not count.strip().isdigit() or int(count) < 1:
            raise ValueError("expected <count>:<head hash>, e.g. 1284031:9f86d081884c7d65")
        if not 8 <= len(head) <= 64 or any(c not in "0123456789abcdef" for c in head):
            raise ValueError("the head hash must be 8 to 64 hexadecimal digits (the message shows 16)")
        return cls(int(count), head)


@dataclass
class ChainReport:
    """What one walk of the chain found: how many events verified, the newest one, how many checkpoints held,
    and every problem (none: intact). `broken_id` is the first event the walk could not accept, if any; `cut`
    says a checkpoint's head lies beyond the log's end."""

    events: int = 0
    head_id: int | None = None
    head_hash: str = ""
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    broken_id: int | None = None
    cut: bool = False  # a checkpoint's head is beyond the end of the log

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def verdict(self) -> str:
        """The short verdict of the robot's message: 完整, or 断链 and where."""
        if self.intact:
            return INTACT
        if self.broken_id is not None:
            return f"断链 #{self.broken_id}"
        return "断链 尾部缺失" if self.cut else "断链 签名无效"  # the tail is missing / a checkpoint is forged


def _checkpoint_problems(checkpoints: list[AuditCheckpoint], keys: list[str]) -> tuple[list[str], list]:
    """(problems, the checkpoints whose signature holds)."""
    if checkpoints and not keys:
        return [f"{len(checkpoints)} checkpoint(s) cannot be verified: SHOPCREW_AUDIT_CHECKPOINT_KEYS is empty"], []
    problems, valid = [], []
    for checkpoint in checkpoints:
        if checkpoint_signed(checkpoint, keys):
            valid.append(checkpoint)
        else:
            problems.append(
                f"checkpoint #{checkpoint.pk} ({checkpoint.count} events, head id={checkpoint.head_id}) does not "
                "carry a valid signature: it was forged or altered"
            )
    return problems, valid


def _tail_problems(report: ChainReport, unseen: list, external: ExternalCheckpoint | None) -> list[str]:
    """Checkpoints whose head the walk never reached: the newest events were cut off (or never verified)."""
    now = f"the log now ends at id={report.head_id} after {report.events} events"
    problems = [
        f"checkpoint #{c.pk} of {c.created_at:%Y-%m-%d %H:%M} UTC names event id={c.head_id} as the head of "
        f"{c.count} events, but that event is gone: the newest events were cut off ({now})"
        for c in unseen
    ]
    if external is not None and report.events < external.count:
        problems.append(
            f"the external checkpoint counts {external.count} events ending in {external.head}, but {now}: "
            f"{external.count - report.events} of the newest events were cut off"
        )
    return problems


def chain_verify(*, external: ExternalCheckpoint | None = None, batch_size: int = 2000) -> ChainReport:
    """Walk the whole chain once (streamed in batches) and hold it to every stored checkpoint and to `external`.

    Problems found: a broken link or altered row (the chain itself); a checkpoint without a valid signature; a
    checkpoint's head event missing (rows cut from the end) or with another hash (rows rewritten); fewer events
    up to a head than the checkpoint counted (rows removed before it); the same for the external checkpoint.
    Reads only; the result is kept by chain_check_save().
    """
    report = ChainReport()
    report.problems, valid = _checkpoint_problems(list(AuditCheckpoint.objects.order_by("id")), checkpoint_keys())
    # a checkpoint whose head was archived since is the archive's to vouch for (verify_audit_archive)
    archived_to = AuditArchive.objects.order_by("-last_id").values_list("last_id", flat=True).first() or 0
    valid = [checkpoint for checkpoint in valid if checkpoint.head_id > archived_to]
    heads: dict[int, list[AuditCheckpoint]] = {}
    for checkpoint in valid:
        heads.setdefault(checkpoint.head_id, []).append(checkpoint)
    seen: set[int] = set()

    def on_row(position: int, row: Mapping[str, Any]) -> str:
        report.head_id, report.head_hash = row["id"], row["hash"]
        for checkpoint in heads.get(row["id"], ()):
            seen.add(checkpoint.pk)
            if row["hash"] != checkpoint.head_hash:
                return f"its hash differs from checkpoint #{checkpoint.pk}'s head (the chain was rewritten)"
            if position != checkpoint.count:
                return f"it is event number {position}, checkpoint #{checkpoint.pk} counted {checkpoint.count}"
        if external is not None and position == external.count and not row["hash"].startswith(external.head):
            return f"the hash of event number {position} does not start with the external checkpoint's head"
        return ""

    checked, broken, why = verify_chain(batch_size=batch_size, on_row=on_row)
    report.events = checked
    if broken is not None:
        report.broken_id = broken["id"]
        report.problems.append(f"broken at audit event id={broken['id']} ({broken['action']}): {why}")
        return report
    report.checkpoints = len(seen)
    tail = _tail_problems(report, [c for c in valid if c.pk not in seen], external)
    report.problems, report.cut = report.problems + tail, bool(tail)
    return report


def checkpoint_write(report: ChainReport) -> AuditCheckpoint | None:
    """Sign and store a checkpoint of the head `report` verified. None (nothing written) when the chain is not
    intact, empty, or no key is configured: a checkpoint vouches only for a chain that verified."""
    keys = checkpoint_keys()
    if not report.intact or report.head_id is None or not keys:
        return None
    checkpoint = AuditCheckpoint(
        count=report.events, head_id=report.head_id, head_hash=report.head_hash, created_at=timezone.now()
    )
    checkpoint.signature = checkpoint_signature(checkpoint, keys[0])
    checkpoint.save()
    return checkpoint


def chain_check_save(report: ChainReport, *, write_checkpoint: bool) -> tuple[ChainCheck, AuditCheckpoint | None]:
    """Keep a verification's outcome (for the audit log page), write a checkpoint if asked and the chain is
    intact, and record both as one `audit.chain_check` event; one transaction."""
    with transaction.atomic():
        checkpoint = checkpoint_write(report) if write_checkpoint else None
        check = ChainCheck.objects.create(
            checked_at=timezone.now(),
            intact=report.intact,
            events=report.events,
            checkpoints=report.checkpoints,
            message="\n".join(report.problems),
        )
        after = {"intact": report.intact, "events": report.events, "head": report.head_hash[:HEAD_SHOWN]}
        if checkpoint is not None:
            after["checkpoint"] = checkpoint.pk
        reason = report.problems[0][:500] if report.problems else ""
        record("audit.chain_check", target=check, target_label=str(check), after=after, reason=reason)
    return check, checkpoint


def chain_status() -> dict:
    """The chain's state as last checked (and whether that was longer ago than the daily task allows) and its
    newest checkpoint and archive, for the audit log page: three single-row reads, never a walk of the table."""
    check = ChainCheck.objects.order_by("-id").first()
    return {
        "check": check,
        "checkpoint": AuditCheckpoint.objects.order_by("-id").first(),
        "archive": AuditArchive.objects.order_by("-last_id").first(),
        "stale": check is not None and check.checked_at < timezone.now() - STALE_AFTER,
    }
