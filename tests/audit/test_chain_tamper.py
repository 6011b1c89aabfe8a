"""The hash chain catches a change to ANY hashed field of a row, a row removed with its successor re-linked,
and stays valid when two writers record at the same moment (issue 8, guarantee g).

Rows are changed the way someone with the database owner's rights could: with the append-only trigger off.
"""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections

from audit.chain import HASHED_FIELDS
from audit.models import AuditEvent
from audit.services import record, record_many, verify_chain
from core import context
from tests.factories import StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _tamper(pk: int, column: str, value) -> None:
    _sql("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_delete")
    try:
        _sql(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", [value, pk])
    finally:
        _sql("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update_delete")


@pytest.fixture
def people():
    return StaffFactory(name="审计员甲"), StaffFactory(name="冒名者乙")


@pytest.fixture
def chain(people):
    store = StoreFactory(name="链店")
    with context.bound(
        source="web", actor_id=people[0].pk, actor_display=str(people[0]), request_id="r1", ip="10.0.0.1"
    ):
        return [
            record(
                "store.update",
                store=store,
                target=store,
                before={"name": f"旧{i}"},
                after={"name": f"新{i}"},
                reason=f"改名{i}",
                target_label=f"链店{i}",
            )
            for i in range(3)
        ]


# Each hashed column with a value different from what the fixture's middle row holds.
TAMPER = {
    "created_at": lambda row, ctx: row.created_at + timedelta(seconds=1),
    "actor_id": lambda row, ctx: ctx["impostor"].pk,
    "actor_display": lambda row, ctx: "冒名者乙",
    "source": lambda row, ctx: "api",
    "request_id": lambda row, ctx: "r2",
    "ip": lambda row, ctx: "10.0.0.2",
    "user_agent": lambda row, ctx: "curl/8",
    "store_id": lambda row, ctx: ctx["other_store"].pk,
    "action": lambda row, ctx: "store.create",
    "target_type": lambda row, ctx: "staff.staff",
    "target_id": lambda row, ctx: "999",
    "target_label": lambda row, ctx: "别的店",
    "before": lambda row, ctx: '{"name": "改过的旧名"}',
    "after": lambda row, ctx: '{"name": "改过的新名"}',
    "reason": lambda row, ctx: "另一个理由",
    "prev_hash": lambda row, ctx: "0" * 64,
}


def test_every_hashed_field_has_a_tamper_case():
    assert set(TAMPER) == set(HASHED_FIELDS)


@pytest.mark.parametrize("field", HASHED_FIELDS)
def test_changing_any_hashed_field_breaks_the_chain_at_that_row(chain, people, field):
    assert verify_chain() == (3, None, "")
    row = chain[1]
    value = TAMPER[field](row, {"impostor": people[1], "other_store": StoreFactory()})

    _tamper(row.pk, field, value)

    checked, broken, why = verify_chain()
    assert (checked, broken["id"]) == (1, row.pk), why


def test_a_changed_hash_breaks_the_chain():
    first, second = record("test.a"), record("test.b")
    _tamper(first.pk, "hash", "f" * 64)

    checked, broken, _why = verify_chain()
    assert broken["id"] in (first.pk, second.pk) and checked <= 1


def test_a_removed_row_with_its_successor_relinked_is_caught(chain):
    """Delete the middle row and point the next one's prev_hash at the first: every link matches again, so
    only the hash over prev_hash (the re-linked row's content changed) gives the removal away."""
    first, removed, last = chain
    _sql("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_delete")
    try:
        _sql("DELETE FROM audit_auditevent WHERE id = %s", [removed.pk])
        _sql("UPDATE audit_auditevent SET prev_hash = %s WHERE id = %s", [first.hash, last.pk])
    finally:
        _sql("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update_delete")

    checked, broken, why = verify_chain()
    assert (checked, broken["id"]) == (1, last.pk) and "altered" in why


def test_rows_written_in_bulk_chain_like_single_ones(chain):
    record_many("binding.grant", [{"target_type": "t", "target_id": i, "reason": f"批量{i}"} for i in range(3)])
    assert verify_chain() == (6, None, "")
    bulk = AuditEvent.objects.order_by("-id")[1]
    _tamper(bulk.pk, "reason", "改过")
    assert verify_chain()[1]["id"] == bulk.pk


def test_the_hash_of_a_row_is_stable_across_releases():
    """Rows written by earlier releases must still verify: the canonical form (field set, key order, the
    time as ISO 8601 with microseconds, JSON without ASCII escapes) is pinned by one known row."""
    from datetime import UTC, datetime

    from audit.chain import row_hash

    values = {
        "created_at": datetime(2024, 5, 1, 8, 30, 0, tzinfo=UTC),
        "actor_id": 7,
        "actor_display": "店员甲",
        "source": "web",
        "request_id": "abc",
        "ip": "10.0.0.1",
        "user_agent": "UA",
        "store_id": 3,
        "action": "store.update",
        "target_type": "stores.store",
        "target_id": "3",
        "target_label": "一号店",
        "before": {"name": "旧"},
        "after": {"name": "新"},
        "reason": "改名",
        "prev_hash": "0" * 64,
    }
    assert row_hash(values) == "8a30a2a28dba83f1e8c082872358fa9c97401888eaac79064ec0120be2197958"


# ---------------------------------------------------------------------------------------------- two writers


def _backend_waits_on_a_lock(pid: int) -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def _until(condition, *, timeout: float = 20.0) -> bool:
    """Poll a condition of the database or of the other threads (not a sleep standing in for an event)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_writer_waits_for_the_one_whose_transaction_holds_the_chain():
    """Writer A records inside a transaction still open; writer B records meanwhile on its own connection.
    B must wait until A commits (it would otherwise link to the row before A's: two rows with the same
    prev_hash, a broken chain). Then both are in the chain, A's first."""
    genesis = record("test.genesis")
    a_recorded, release_a, b_done = threading.Event(), threading.Event(), threading.Event()
    b_pid, errors = [], []

    def writer_a():
        try:
            from django.db import transaction

            with transaction.atomic():
                record("test.writer_a")
                a_recorded.set()
                release_a.wait(timeout=30)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    def writer_b():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                b_pid.append(cursor.fetchone()[0])
            a_recorded.wait(timeout=30)
            record("test.writer_b")
            b_done.set()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for thread in threads:
        thread.start()
    assert a_recorded.wait(timeout=30)
    # B is either blocked on the chain lock (correct) or already done without waiting (the bug).
    assert _until(lambda: b_done.is_set() or (b_pid and _backend_waits_on_a_lock(b_pid[0])))
    waited = not b_done.is_set()
    release_a.set()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert waited, "writer B recorded while writer A's transaction held an unfinished link of the chain"
    assert list(AuditEvent.objects.filter(id__gte=genesis.pk).order_by("id").values_list("action", flat=True)) == [
        "test.genesis",
        "test.writer_a",
        "test.writer_b",
    ]
    assert verify_chain()[1:] == (None, "")


@pytest.mark.django_db(transaction=True)
def test_two_writers_recording_at_once_keep_the_chain_valid():
    barrier, errors = threading.Barrier(2), []
    before = AuditEvent.objects.count()

    def writer(name):
        try:
            barrier.wait(timeout=30)
            for i in range(20):
                if i % 5 == 4:
                    record_many(f"test.{name}", [{"target_id": i}, {"target_id": i + 100}])
                else:
                    record(f"test.{name}", target_id=i)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert AuditEvent.objects.count() - before == 2 * (16 + 4 * 2)
    assert verify_chain() == (before + 48, None, "")
