"""Retention: events older than the company's period leave the table for an archive file that verifies on its own.

`archive_before(cutoff)` writes every event older than `cutoff` (never the newest) to a gzip of JSON lines under
SHOPCREW_AUDIT_ARCHIVE_DIR, checking each row's hash and link as it goes (a broken chain is not archived: the
check's problem is raised instead), records the archive (AuditArchive, signed) and an `audit.archive` event, then
removes the archived events in batches, each its own transaction (the database's append-only triggers let an
event go only once an archive covers it). A run stopped half way is finished by the next. What stays verifies
from the archives' end: its first event links to the last archive's head and positions count on from its total.

`verify_archive(path)` checks a file alone: header, every row's hash, every link, count and head; and, when the
database knows the file, its SHA-256 and signature.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.private_files import create_private, private_dir

from .chain import row_hash
from .models import AuditArchive, AuditEvent, DeniedRepeat
from .services import record

FORMAT = "shopcrew-audit-archive/1"
BATCH = 10_000
ROW_FIELDS = (
    "id",
    "created_at",
    "actor_id",
    "actor_display",
    "source",
    "request_id",
    "ip",
    "user_agent",
    "store_id",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "before",
    "after",
    "reason",
    "names",
    "prev_hash",
    "hash",
)


class ArchiveRefused(Exception):
    """The chain did not verify up to the cutoff: nothing was archived."""


def archive_dir() -> Path:
    return private_dir(Path(getattr(settings, "SHOPCREW_AUDIT_ARCHIVE_DIR", settings.VAR_DIR / "audit-archive")))


def archive_signature(archive: AuditArchive, key: str) -> str:
    message = (
        f"shopcrew.audit-archive.v1|{archive.first_id}|{archive.last_id}|{archive.count}|{archive.total}|"
        f"{archive.first_prev_hash}|{archive.head_hash}|{archive.sha256}"
    )
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def archived_end() -> tuple[str, int, int]:
    """(head hash, events archived in all, last archived id) of the archives so far; ("", 0, 0) when none."""
    last = AuditArchive.objects.order_by("-last_id").first()
    return (last.head_hash, last.total, last.last_id) if last else ("", 0, 0)


def _json_row(row: dict) -> dict:
    out = {name: row[name] for name in ROW_FIELDS}
    out["created_at"] = row["created_at"].isoformat(timespec="microseconds")
    return out


def _from_json(row: dict) -> dict:
    values = dict(row)
    values["created_at"] = datetime.fromisoformat(row["created_at"])
    return values


def archive_before(cutoff: datetime, *, batch: int = BATCH) -> AuditArchive | None:
    """Archive and remove every event older than `cutoff` but the newest; None when there is nothing to move."""
    purge_archived(batch=batch)  # a run stopped after its archive was recorded
    newest = AuditEvent.objects.order_by("-id").values_list("pk", flat=True).first()
    last = (
        AuditEvent.objects.filter(created_at__lt=cutoff, pk__lt=newest or 0)
        .order_by("-created_at")
        .values_list("pk", flat=True)
        .first()
    )
    if last is None:
        return None
    prev, total, _end = archived_end()
    first_prev = prev
    name = f"audit-{timezone.now():%Y%m%d-%H%M%S}-{last}.jsonl.gz"
    path = archive_dir() / name
    digest = hashlib.sha256()
    count, first_id = 0, None
    create_private(path)
    with path.open("wb") as raw:
        hashing = _HashingWriter(raw, digest)
        with gzip.GzipFile(fileobj=hashing, mode="wb", mtime=0) as out:
            header = {"format": FORMAT, "cutoff": cutoff.astimezone(UTC).isoformat(), "first_prev_hash": prev}
            out.write((json.dumps(header) + "\n").encode())
            queryset = AuditEvent.objects.filter(pk__lte=last).order_by("id").values(*ROW_FIELDS)
            for row in queryset.iterator(chunk_size=2000):
                if row["prev_hash"] != prev or row_hash(row) != row["hash"]:
                    path.unlink(missing_ok=True)
                    raise ArchiveRefused(
                        f"the audit chain does not verify at event id={row['id']}; nothing was archived"
                    )
                first_id = row["id"] if first_id is None else first_id
                out.write((json.dumps(_json_row(row), ensure_ascii=False, default=str) + "\n").encode())
                prev = row["hash"]
                count += 1
            out.write((json.dumps({"end": True, "count": count, "head_hash": prev, "last_id": last}) + "\n").encode())
    assert first_id is not None  # `last` exists, so at least one row was written
    with transaction.atomic():
        archive = AuditArchive(
            created_at=timezone.now(),
            first_id=first_id,
            last_id=last,
            count=count,
            total=total + count,
            first_prev_hash=first_prev,
            head_hash=prev,
            cutoff=cutoff,
            filename=name,
            sha256=digest.hexdigest(),
        )
        keys = [k for k in (getattr(settings, "SHOPCREW_AUDIT_CHECKPOINT_KEYS", None) or []) if k]
        archive.signature = archive_signature(archive, keys[0]) if keys else ""
        archive.save()
        record(
            "audit.archive",
            target=archive,
            after={"first_id": first_id, "last_id": last, "events": count, "file": name, "sha256": archive.sha256},
        )
    purge_archived(batch=batch)
    return archive


def purge_archived(*, batch: int = BATCH) -> int:
    """Remove events every archive covers, `batch` at a time; returns how many left the table."""
    end = AuditArchive.objects.order_by("-last_id").values_list("last_id", flat=True).first()
    removed = 0
    while end is not None:
        with transaction.atomic():
            ids = list(AuditEvent.objects.filter(pk__lte=end).order_by("id").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            DeniedRepeat.objects.filter(event_id__in=ids).delete()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {AuditEvent._meta.db_table} WHERE id >= %s AND id <= %s", [ids[0], ids[-1]]
                )
                removed += cursor.rowcount
    return removed


class _HashingWriter:
    """A file wrapper that hashes what is written (the archive's SHA-256 without reading it back)."""

    def __init__(self, raw, digest):
        self.raw, self.digest = raw, digest

    def write(self, data):
        self.digest.update(data)
        return self.raw.write(data)

    def flush(self):
        return self.raw.flush()


@dataclass
class ArchiveReport:
    path: str
    events: int = 0
    first_id: int | None = None
    last_id: int | None = None
    head_hash: str = ""
    problems: list[str] = field(default_factory=list)
    known: bool = False  # the database has this file's record (SHA-256 and signature checked)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_archive(path: Path) -> ArchiveReport:
    """Check an archive file on its own (and against its database record, if the database knows it)."""
    report = ArchiveReport(path=str(path))
    try:
        data = path.read_bytes()
        lines = gzip.decompress(data).decode().splitlines()
        header, *rows, trailer = (json.loads(line) for line in lines)
    except (OSError, ValueError, EOFError) as exc:
        report.problems.append(f"not a readable archive: {exc.__class__.__name__}")
        return report
    if header.get("format") != FORMAT or not trailer.get("end"):
        report.problems.append("not a ShopCrew audit archive, or cut short (no end line)")
        return report
    prev = header.get("first_prev_hash", "")
    for row in rows:
        values = _from_json(row)
        if values["prev_hash"] != prev:
            report.problems.append(f"event id={values['id']} does not link to the one before it")
            break
        if row_hash(values) != values["hash"]:
            report.problems.append(f"event id={values['id']} does not match its hash (altered)")
            break
        prev = values["hash"]
        report.first_id = values["id"] if report.first_id is None else report.first_id
        report.events += 1
    report.last_id, report.head_hash = trailer.get("last_id"), prev
    if not report.problems and (trailer.get("count") != report.events or trailer.get("head_hash") != prev):
        report.problems.append("the end line's count or head does not match the events (rows removed)")
    known = AuditArchive.objects.filter(filename=path.name).first()
    if known is not None:
        report.known = True
        if hashlib.sha256(data).hexdigest() != known.sha256:
            report.problems.append("the file differs from the one archived (SHA-256)")
        keys = [k for k in (getattr(settings, "SHOPCREW_AUDIT_CHECKPOINT_KEYS", None) or []) if k]
        if (
            known.signature
            and keys
            and not any(hmac.compare_digest(archive_signature(known, k), known.signature) for k in keys)
        ):
            report.problems.append("the archive's record is not signed by a configured key")
    return report
