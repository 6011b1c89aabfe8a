"""On PostgreSQL the audit table refuses UPDATE and DELETE; the hash chain catches rows changed behind its back."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from audit.services import record, verify_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    return [
        record(f"test.event{i}", target_type="test.thing", target_id=i, target_label=f"物品{i}", after={"n": i})
        for i in range(3)
    ]


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


class _TriggerOff:
    """ALTER TABLE … DISABLE TRIGGER for the block (as someone with the database owner's rights could)."""

    def __enter__(self):
        _sql("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_delete")

    def __exit__(self, *exc):
        _sql("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update_delete")


def test_update_is_refused(chain):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=chain[0].pk).update(reason="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [chain[1].pk])
    assert AuditEvent.objects.get(pk=chain[0].pk).reason == ""


def test_delete_is_refused(chain):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=chain[0].pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in chain]).count() == 3


def test_verifier_passes_an_intact_chain(chain, capsys):
    call_command("verify_audit_chain")
    assert "intact" in capsys.readouterr().out


def test_verifier_names_the_first_altered_row(chain, capsys):
    with _TriggerOff():
        _sql("UPDATE audit_auditevent SET after = '{\"n\": 99}' WHERE id = %s", [chain[1].pk])
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit_chain")
    assert failure.value.returncode != 0
    message = capsys.readouterr().err
    assert f"id={chain[1].pk}" in message and "altered" in message
    assert f"id={chain[0].pk}" not in message

    # The trigger is back on.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=chain[2].pk).update(reason="again")


def test_verifier_notices_a_removed_row(chain):
    with _TriggerOff():
        _sql("DELETE FROM audit_auditevent WHERE id = %s", [chain[1].pk])
    checked, broken, why = verify_chain()
    assert broken["id"] == chain[2].pk and "removed" in why
