"""Checkpoints (issue 10, item 6): the newest audit rows cannot be cut off unnoticed.

The attacker is someone with the database owner's rights (they can turn the append-only trigger off) but without
the checkpoint key, and, in the last cases, with it too: then only the copy in the security robot's messages
(`--checkpoint <count>:<head>`) gives them away.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.chain import row_hash
from audit.checkpoints import (
    ExternalCheckpoint,
    chain_check_save,
    chain_verify,
    checkpoint_signature,
    checkpoint_signed,
)
from audit.checks import checkpoint_keys_check
from audit.models import AuditCheckpoint, AuditEvent, ChainCheck
from audit.services import record
from events.choices import EventKind
from events.models import Event
from security.tasks import audit_checkpoint
from tests.factories import SuperuserFactory

from .conftest import owner_rights, sql

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def events(count, start=0):
    return [
        record("test.event", target_type="test.thing", target_id=i, after={"n": i}) for i in range(start, start + count)
    ]


def checkpoint() -> AuditCheckpoint:
    """What the daily task leaves behind: a signed checkpoint of the chain as it is now."""
    _check, written = chain_check_save(chain_verify(), write_checkpoint=True)
    assert written is not None
    return written


def cut_after(event_id: int) -> None:
    """Delete every audit row newer than `event_id` (the trigger turned off, as the owner could)."""
    with owner_rights():
        sql("DELETE FROM audit_auditevent WHERE id > %s", [event_id])


def verify(*args) -> tuple[int, str, str]:
    """Run the command as an operator would; (exit status, stdout, stderr)."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit_chain", *args, stdout=out, stderr=err)
    except CommandError as failure:
        return failure.returncode, out.getvalue(), err.getvalue() + str(failure)
    return 0, out.getvalue(), err.getvalue()


def test_an_intact_chain_with_its_checkpoints_verifies():
    events(5)
    first = checkpoint()
    events(3, start=5)
    second = checkpoint()
    assert (first.count, second.count) == (5, 9)  # 5 events, the first checkpoint's own audit.chain_check, 3 more
    status, out, err = verify()
    assert status == 0, err
    assert "2 checkpoint(s) held" in out


def test_cutting_the_newest_rows_makes_the_verifier_exit_non_zero():
    kept = events(4)[-1]
    events(3, start=4)
    written = checkpoint()
    cut_after(kept.pk)

    assert chain_verify().problems  # the shorter chain is still a valid chain; only the checkpoint tells
    status, _out, err = verify()
    assert status == 1
    assert f"names event id={written.head_id}" in err and "the newest events were cut off" in err
    assert f"the log now ends at id={kept.pk} after 4 events" in err


@pytest.mark.django_db(transaction=True)
def test_the_verifier_exits_non_zero_as_a_process_too():
    """The command as cron or an operator runs it: manage.py in a process of its own, judged by its exit status
    (the rows are committed so that process sees them; the suite's flush empties the tables with TRUNCATE)."""
    kept = events(3)[-1]
    events(2, start=3)
    checkpoint()
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": url}

    def run():
        command = [sys.executable, "manage.py", "verify_audit_chain"]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    intact = run()
    assert intact.returncode == 0, intact.stderr
    cut_after(kept.pk)
    cut = run()
    assert cut.returncode == 1
    assert "the newest events were cut off" in cut.stderr


def test_rows_added_after_the_last_checkpoint_and_removed_are_not_caught_by_it():
    """The documented limit: a checkpoint vouches for the log up to its head, not for what came after."""
    events(3)
    written = checkpoint()
    events(2, start=10)
    cut_after(written.head_id)
    status, _out, err = verify()
    assert status == 0, err


def test_a_checkpoint_signed_without_the_key_is_refused():
    events(3)
    head = AuditEvent.objects.order_by("-id").first()
    forged = AuditCheckpoint(count=3, head_id=head.pk, head_hash=head.hash, created_at=head.created_at)
    forged.signature = checkpoint_signature(forged, "the owner's guess")
    forged.save()
    status, _out, err = verify()
    assert status == 1 and "does not carry a valid signature" in err
    assert audit_checkpoint() is False
    assert Event.objects.get(kind=EventKind.SECURITY_AUDIT_CHECKPOINT).payload["verified"] == "断链 签名无效"


def test_an_altered_checkpoint_is_refused(settings):
    events(3)
    written = checkpoint()
    assert checkpoint_signed(written, settings.SHOPCREW_AUDIT_CHECKPOINT_KEYS)
    with owner_rights("audit_auditcheckpoint", "audit_checkpoint_no_update_delete"):
        sql("UPDATE audit_auditcheckpoint SET count = 2 WHERE id = %s", [written.pk])
    status, _out, err = verify()
    assert status == 1 and f"checkpoint #{written.pk}" in err and "forged or altered" in err


def test_an_older_key_still_verifies_what_it_signed(settings):
    events(2)
    checkpoint()
    settings.SHOPCREW_AUDIT_CHECKPOINT_KEYS = ["a-new-key-" + "n" * 40, *settings.SHOPCREW_AUDIT_CHECKPOINT_KEYS]
    assert verify()[0] == 0
    settings.SHOPCREW_AUDIT_CHECKPOINT_KEYS = ["a-new-key-" + "n" * 40]
    assert verify()[0] == 1


def test_a_rehashed_chain_does_not_match_its_checkpoint():
    """Without the key the owner can still recompute every hash (the chain itself is unkeyed): remove a middle
    row and rewrite the rest so every link matches. The checkpoint's head hash no longer does."""
    rows = events(4)
    checkpoint()
    with owner_rights():
        sql("DELETE FROM audit_auditevent WHERE id = %s", [rows[1].pk])
        prev = rows[0].hash
        for row in AuditEvent.objects.filter(id__gt=rows[0].pk).order_by("id").values():
            row["prev_hash"] = prev
            prev = row_hash(row)
            sql(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
                [row["prev_hash"], prev, row["id"]],
            )
    status, _out, err = verify()
    assert status == 1 and "differs from checkpoint" in err and "rewritten" in err


def test_the_robots_copy_catches_a_cut_even_when_the_checkpoints_went_too():
    """An owner who holds the key as well can delete checkpoints with the rows (or forge new ones); the count and
    head sent to WeCom, typed back in, still show the cut."""
    kept = events(3)[-1]
    events(3, start=3)
    written = checkpoint()
    copied = f"{written.count}:{written.head_short}"  # as the robot's message shows it
    assert verify("--checkpoint", copied)[0] == 0
    cut_after(kept.pk)
    with owner_rights("audit_auditcheckpoint", "audit_checkpoint_no_update_delete"):
        sql("DELETE FROM audit_auditcheckpoint")

    assert verify()[0] == 0  # nothing left in the database to compare with
    status, _out, err = verify("--checkpoint", copied)
    assert status == 1 and f"the external checkpoint counts {written.count} events" in err


def test_an_external_checkpoint_that_does_not_match_is_reported():
    events(4)
    status, _out, err = verify("--checkpoint", "2:" + "0" * 16)
    assert status == 1 and "the hash of event number 2 does not start with the external checkpoint's head" in err


@pytest.mark.parametrize("value", ["12", "x:abcdef0123456789", "0:abcdef0123456789", "3:xyz", "3:abc"])
def test_a_malformed_external_checkpoint_is_refused_with_the_expected_shape(value):
    with pytest.raises(ValueError):
        ExternalCheckpoint.parse(value)
    status, _out, err = verify("--checkpoint", value)
    assert status == 1 and "--checkpoint" in err


def test_checkpoints_are_append_only():
    events(2)
    written = checkpoint()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditCheckpoint.objects.filter(pk=written.pk).update(count=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditCheckpoint.objects.filter(pk=written.pk).delete()


def test_the_daily_task_signs_a_checkpoint_and_tells_the_security_robot():
    events(3)
    assert audit_checkpoint() is True
    written = AuditCheckpoint.objects.get()
    head = AuditEvent.objects.get(pk=written.head_id)
    assert (written.count, written.head_hash) == (3, head.hash)
    message = Event.objects.get(kind=EventKind.SECURITY_AUDIT_CHECKPOINT)
    assert message.store_id is None
    assert message.payload == {"count": 3, "head": head.hash[:16], "verified": "完整"}
    check = ChainCheck.objects.get()
    assert check.intact and check.events == 3
    assert AuditEvent.objects.filter(action="audit.chain_check", target_id=str(check.pk)).count() == 1


def test_the_daily_task_announces_a_broken_chain_and_signs_nothing():
    rows = events(3)
    with owner_rights():
        sql("UPDATE audit_auditevent SET reason = 'rewritten' WHERE id = %s", [rows[1].pk])
    assert audit_checkpoint() is False
    assert not AuditCheckpoint.objects.exists()
    message = Event.objects.get(kind=EventKind.SECURITY_AUDIT_CHECKPOINT)
    assert message.payload["verified"] == f"断链 #{rows[1].pk}" and message.payload["count"] == 1
    check = ChainCheck.objects.get()
    assert not check.intact and f"id={rows[1].pk}" in check.message


def test_a_cut_tail_is_announced_as_such():
    kept = events(2)[-1]
    events(2, start=2)
    checkpoint()
    cut_after(kept.pk)
    audit_checkpoint()
    assert Event.objects.filter(kind=EventKind.SECURITY_AUDIT_CHECKPOINT).get().payload["verified"] == "断链 尾部缺失"


def test_without_a_key_nothing_is_signed_but_the_robot_still_hears(settings):
    settings.SHOPCREW_AUDIT_CHECKPOINT_KEYS = []
    events(2)
    assert audit_checkpoint() is True
    assert not AuditCheckpoint.objects.exists()
    assert Event.objects.get(kind=EventKind.SECURITY_AUDIT_CHECKPOINT).payload["count"] == 2


def test_check_deploy_flags_a_missing_or_short_key(settings):
    settings.SHOPCREW_AUDIT_CHECKPOINT_KEYS = []
    assert [e.id for e in checkpoint_keys_check()] == ["audit.E001"]
    settings.SHOPCREW_AUDIT_CHECKPOINT_KEYS = ["k" * 64, "short-secret"]
    errors = checkpoint_keys_check()
    assert [e.id for e in errors] == ["audit.E002"] and "key number 2 (of 2)" in errors[0].msg
    assert "short-secret" not in errors[0].msg
    settings.SHOPCREW_AUDIT_CHECKPOINT_KEYS = ["k" * 64]
    assert checkpoint_keys_check() == []


def test_the_daily_task_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["security-audit-checkpoint"]
    assert entry["task"] == audit_checkpoint.name and entry["schedule"] == 86400.0


# ------------------------------------------------------------------------------------------- the audit log page


def test_the_log_page_shows_super_admins_the_last_check_and_checkpoint(client, login):
    login(SuperuserFactory())
    page = client.get("/audit/").content.decode()
    assert "尚未校验" in page  # not verified yet
    events(3)
    audit_checkpoint()
    written = AuditCheckpoint.objects.get()
    page = client.get("/audit/").content.decode()
    assert 'id="audit-chain"' in page and "完整" in page and f"{written.count}:{written.head_short}" in page
    assert "已超过两天未校验" not in page
    ChainCheck.objects.update(checked_at=timezone.now() - timedelta(days=3))  # beat stopped: the page says so
    assert "已超过两天未校验" in client.get("/audit/").content.decode()

    cut_after(written.head_id - 1)
    audit_checkpoint()
    page = client.get("/audit/").content.decode()
    assert "断链" in page and "the newest events were cut off" in page


def test_the_log_page_reads_the_status_without_walking_the_table(client, login, django_assert_max_num_queries):
    events(3)
    audit_checkpoint()
    login(SuperuserFactory())
    with django_assert_max_num_queries(14):  # the list page's own budget (test_views), status included
        assert client.get("/audit/").status_code == 200
    # The walk is the verifier's (AuditEvent rows read in id order); the page reads one check and one checkpoint.
    with CaptureQueriesContext(connection) as queries:
        client.get("/audit/")
    assert not [q for q in queries.captured_queries if "audit_auditevent" in q["sql"] and "ASC" in q["sql"]]
    assert sum("audit_chaincheck" in q["sql"] for q in queries.captured_queries) == 1


def test_store_viewers_do_not_see_the_companywide_chain(client, login, store_viewer):
    events(2)
    audit_checkpoint()
    login(store_viewer)
    response = client.get("/audit/")
    assert response.status_code == 200 and 'id="audit-chain"' not in response.content.decode()


def test_the_robots_message_carries_what_verify_audit_chain_takes_back():
    """The default template renders count and head so that a reader can type `--checkpoint <count>:<head>`."""
    from datetime import UTC

    from notifications.render import default_compiled, event_values

    events(3)
    audit_checkpoint()
    event = Event.objects.get(kind=EventKind.SECURITY_AUDIT_CHECKPOINT)
    values = event_values(event.kind, event.payload, None, occurred_at=event.occurred_at, labels={}, default_tz=UTC)
    text = default_compiled(event.kind).render(values)
    written = AuditCheckpoint.objects.get()
    assert f"事件数:{written.count} | 链头:{written.head_short} | 校验:完整" in text
    assert verify("--checkpoint", f"{values['count']}:{values['head']}")[0] == 0
