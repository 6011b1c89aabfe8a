"""Retention (issue "Managers", item 2): old audit events move to an archive file that verifies on its own, leave
the table in batches, and what stays still verifies — against its checkpoints too."""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction
from django.utils import timezone

from audit.archive import ArchiveRefused, archive_before, archive_dir, verify_archive
from audit.checkpoints import chain_check_save, chain_verify
from audit.models import AuditArchive, AuditEvent
from audit.services import record
from security.models import SecurityPolicy

from .conftest import owner_rights, sql

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def archive_in_tmp(settings, tmp_path):
    settings.SHOPCREW_AUDIT_ARCHIVE_DIR = tmp_path / "archive"


def events(n, label):
    for i in range(n):
        record("store.update", target_type="stores.store", target_id=i, target_label=f"{label}{i}")


def test_old_events_move_to_a_file_that_verifies_alone_and_the_rest_still_verifies():
    events(5, "旧")
    _check, checkpoint = chain_check_save(chain_verify(), write_checkpoint=True)  # a checkpoint over the old ones
    cutoff = timezone.now()
    events(3, "新")
    old_ids = list(AuditEvent.objects.filter(created_at__lt=cutoff).order_by("id").values_list("pk", flat=True))

    archive = archive_before(cutoff, batch=2)  # batches of two: several transactions

    assert archive.first_id == old_ids[0] and archive.last_id == old_ids[-1] and archive.count == len(old_ids)
    assert not AuditEvent.objects.filter(pk__lte=archive.last_id).exists()
    assert AuditEvent.objects.filter(action="audit.archive", target_id=str(archive.pk)).exists()
    report = verify_archive(archive_dir() / archive.filename)
    assert report.intact and report.known and report.events == len(old_ids)
    # the table's chain goes on from the archive's end, its checkpoint included
    after = chain_verify()
    assert after.intact, after.problems
    assert after.events == AuditEvent.objects.count() + archive.total
    assert checkpoint is not None


def test_an_altered_or_shortened_archive_is_caught_and_a_copy_is_checked_alone(tmp_path):
    events(4, "旧")
    cutoff = timezone.now()
    events(1, "新")
    archive = archive_before(cutoff)
    path = archive_dir() / archive.filename
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()

    copy = tmp_path / "copy.jsonl.gz"
    shutil.copy(path, copy)
    alone = verify_archive(copy)
    assert alone.intact and not alone.known and alone.events == archive.count

    row = json.loads(lines[2])
    row["reason"] = "改过"
    altered = tmp_path / "altered.jsonl.gz"
    altered.write_bytes(gzip.compress("\n".join([*lines[:2], json.dumps(row), *lines[3:]]).encode()))
    assert "altered" in verify_archive(altered).problems[0]
    shortened = tmp_path / "short.jsonl.gz"
    shortened.write_bytes(gzip.compress("\n".join([lines[0], *lines[2:]]).encode()))
    assert not verify_archive(shortened).intact
    with pytest.raises(CommandError):
        call_command("verify_audit_archive", str(altered))
    call_command("verify_audit_archive")  # the archive directory: every file verifies


def test_events_no_archive_covers_still_refuse_deletion_and_archives_refuse_change():
    events(2, "x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=AuditEvent.objects.earliest("id").pk).delete()
    cutoff = timezone.now()
    events(1, "y")
    archive = archive_before(cutoff)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditArchive.objects.filter(pk=archive.pk).update(head_hash="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=AuditEvent.objects.latest("id").pk).delete()


def test_a_broken_chain_is_not_archived():
    events(3, "x")
    cutoff = timezone.now()
    events(1, "y")
    victim = AuditEvent.objects.earliest("id")
    with owner_rights():
        sql("UPDATE audit_auditevent SET reason = 'forged' WHERE id = %s", [victim.pk])
    with pytest.raises(ArchiveRefused):
        archive_before(cutoff)
    assert AuditEvent.objects.filter(pk=victim.pk).exists() and not AuditArchive.objects.exists()
    assert list(archive_dir().iterdir()) == []


def test_the_daily_task_follows_the_security_policy(monkeypatch):
    from security import tasks

    events(3, "x")
    assert tasks.audit_archive() == 0  # the default policy keeps everything
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"audit_retention_days": 365})
    assert tasks.audit_archive() == 0  # nothing is a year old
    later = timezone.now() + timedelta(days=366)
    monkeypatch.setattr(tasks, "timezone", SimpleNamespace(now=lambda: later))
    assert tasks.audit_archive() == 2  # all but the newest (the chain's head stays in the table)
    assert chain_verify().intact
