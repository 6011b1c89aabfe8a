"""The audit log on SQLite, as `bin/run` runs the quick start (embedded database): events and checkpoints refuse
UPDATE and DELETE (migration 0006's triggers), and cutting the newest events past the triggers still makes
`verify_audit_chain` exit non-zero.

The suite's database is PostgreSQL, so this runs in child processes on a fresh SQLite file with the local
settings (as tests/orders/test_sqlite_runtime.py does), its secrets under a temporary var/.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json
import django
django.setup()
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
call_command("migrate", verbosity=0)
from audit.checkpoints import chain_check_save, chain_verify
from audit.models import AuditCheckpoint, AuditEvent
from audit.services import record


def refused(statement, params=()):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
    except DatabaseError as exc:
        return str(exc)
    return None


def verify():
    try:
        call_command("verify_audit_chain", verbosity=0)
    except CommandError as exc:
        return exc.returncode
    return 0


events = [record("test.event", target_type="test.thing", target_id=i, after={"n": i}) for i in range(4)]
_check, checkpoint = chain_check_save(chain_verify(), write_checkpoint=True)
out = {"vendor": connection.vendor, "checkpoint": checkpoint is not None}
out["update"] = refused("UPDATE audit_auditevent SET reason = 'rewritten' WHERE id = %s", [events[1].pk])
out["delete"] = refused("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
out["delete_all"] = refused("DELETE FROM audit_auditevent")
try:
    with transaction.atomic():
        AuditEvent.objects.filter(pk=events[0].pk).update(reason="rewritten")
    out["orm_update"] = None
except DatabaseError as exc:
    out["orm_update"] = str(exc)
out["checkpoint_update"] = refused("UPDATE audit_auditcheckpoint SET count = 1")
out["checkpoint_delete"] = refused("DELETE FROM audit_auditcheckpoint")
out["events"] = AuditEvent.objects.count()
out["checkpoints"] = AuditCheckpoint.objects.count()
out["verify_intact"] = verify()
# The owner of the file drops the trigger and cuts the newest events (the checkpoint's head among them).
with connection.cursor() as cursor:
    cursor.execute("DROP TRIGGER audit_auditevent_no_delete")
    cursor.execute("DELETE FROM audit_auditevent WHERE id > %s", [events[1].pk])
out["events_after_cut"] = AuditEvent.objects.count()
print("RESULT " + json.dumps(out))
"""


def test_sqlite_audit_log_is_append_only_and_a_cut_is_caught(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "SHOPCREW_AUDIT_CHECKPOINT_KEYS"},
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'quickstart.sqlite3'}",
        "SHOPCREW_VAR_DIR": str(tmp_path / "var"),  # the checkpoint key is made here, as bin/run makes it
        "SHOPCREW_FERNET_KEYS": "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=",
        "SHOPCREW_RATE_LIMITER": "database",
        "CELERY_BROKER_URL": "memory://",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    out = json.loads(lines[-1][len("RESULT ") :])

    assert out["vendor"] == "sqlite" and out["checkpoint"]
    assert "audit_auditevent is append-only: UPDATE is not allowed" in out["update"]
    assert "audit_auditevent is append-only: DELETE is not allowed" in out["delete"]
    assert "append-only" in out["delete_all"] and "append-only" in out["orm_update"]
    assert "audit_auditcheckpoint is append-only: UPDATE" in out["checkpoint_update"]
    assert "audit_auditcheckpoint is append-only: DELETE" in out["checkpoint_delete"]
    assert (out["events"], out["checkpoints"], out["verify_intact"]) == (5, 1, 0)  # 4 + the check's own event
    assert out["events_after_cut"] == 2
    assert (tmp_path / "var" / "audit_checkpoint_key").stat().st_mode & 0o077 == 0  # the owner's alone

    verify = subprocess.run(
        [sys.executable, "manage.py", "verify_audit_chain"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert verify.returncode == 1
    assert "the newest events were cut off" in verify.stderr and "the log now ends at id=2" in verify.stderr
