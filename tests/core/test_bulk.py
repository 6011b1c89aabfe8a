"""core.bulk writes what bulk_create would: every value round-trips, pks are set in order, and an
audit batch written through it keeps the hash chain intact."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from audit.models import AuditEvent
from audit.services import record, record_many, verify_chain
from core import bulk
from rbac.models import AccessRequest, RequestKind
from tests.factories import RoleFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


def _request(person, store, role, n, now):
    return AccessRequest(
        kind=RequestKind.ROLE,
        requested_by=person,
        staff=person,
        role=role,
        store=store,
        reason=gettext_lazy("Store admin") if n == 0 else f"理由 \"{n}\" \\ 'x' %s",
        created_at=now + timedelta(microseconds=n),
        expires_at=now + timedelta(days=3, microseconds=7),
        description={"what": "店铺管理员", "quote": 'a "b" \\ c', "nested": {"n": n, "list": [1, None, "é"]}},
    )


def test_insert_sets_pks_in_order_and_every_value_round_trips():
    person, role = StaffFactory(), RoleFactory()
    stores = [StoreFactory() for _ in range(5)]
    now = timezone.now()
    objects = [_request(person, store, role, n, now) for n, store in enumerate(stores)]

    bulk.insert(objects)

    pks = [o.pk for o in objects]
    assert None not in pks and pks == sorted(pks)
    assert all(not o._state.adding for o in objects)
    stored = {r.pk: r for r in AccessRequest.objects.filter(pk__in=pks)}
    for n, obj in enumerate(objects):
        row = stored[obj.pk]
        assert row.description == obj.description
        assert row.reason == str(obj.reason)
        assert row.created_at == now + timedelta(microseconds=n)  # full precision
        assert row.expires_at == obj.expires_at
        assert (row.staff_id, row.store_id, row.role_id, row.permission_id) == (person.pk, stores[n].pk, role.pk, None)
        assert row.status == "pending" and row.batch is None


# insert_rows writes exactly the columns given (no model defaults): an event needs all of these.
EMPTY_EVENT = dict.fromkeys(
    ["actor_display", "source", "request_id", "user_agent", "target_type", "target_id", "target_label", "reason"], ""
) | {"before": None, "prev_hash": ""}


def test_insert_rows_keeps_empty_json_as_null_and_ids_follow_the_rows():
    ids = bulk.insert_rows(
        AuditEvent,
        [
            {**EMPTY_EVENT, "created_at": timezone.now(), "action": f"test.{i}", "after": {"i": i}, "hash": f"h{i}"}
            for i in range(3)
        ],
        returning=True,
    )

    rows = list(AuditEvent.objects.filter(pk__in=ids).order_by("pk").values_list("action", "before", "after"))
    assert rows == [(f"test.{i}", None, {"i": i}) for i in range(3)]
    assert AuditEvent.objects.filter(pk__in=ids, before__isnull=True).count() == 3


def test_a_batch_of_events_continues_the_chain():
    store = StoreFactory()
    record("test.single", target=store, after={"n": 0})
    written = record_many(
        "test.batch",
        [
            {"target": store, "store": store, "before": {"n": i}, "after": {"n": i + 1}, "reason": "批量"}
            for i in range(4)
        ],
    )
    record("test.after", target=store, before={"n": 4}, after={"n": 5})

    assert written == 4
    checked, broken, why = verify_chain()
    assert broken is None, why
    assert checked == AuditEvent.objects.count()
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True))[-6:] == [
        "test.single",
        *["test.batch"] * 4,
        "test.after",
    ]
