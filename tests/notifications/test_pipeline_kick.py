"""The kick: a transaction that emitted events queues notifications.tasks.deliver_events once, when it commits,
on the delivery queue (by name: events imports nothing of notifications)."""

import json

import pytest
from django.db import transaction

from events import services as events_services
from events.services import event_emit_many
from notifications.limiter import redis_client
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

_n = iter(range(10**9))


def rows(store, count):
    return [
        {"kind": "order.new", "store_id": store.pk, "dedupe_key": f"kick:{next(_n)}:{id(store)}"} for _ in range(count)
    ]


def test_one_kick_per_transaction_however_many_batches(django_capture_on_commit_callbacks):
    store = StoreFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            event_emit_many(rows(store, 3))
            event_emit_many(rows(store, 2))
            with transaction.atomic():
                event_emit_many(rows(store, 1))
    assert [c for c in callbacks if c is events_services._kick] == [events_services._kick]


def test_nothing_new_no_kick(django_capture_on_commit_callbacks):
    store = StoreFactory()
    batch = rows(store, 2)
    with transaction.atomic():
        event_emit_many(batch)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            assert event_emit_many(batch) == []  # already written: nothing to deliver
    assert events_services._kick not in callbacks


def test_the_kick_can_be_turned_off(settings, django_capture_on_commit_callbacks):
    settings.SHOPCREW_EVENTS_KICK = False
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            event_emit_many(rows(StoreFactory(), 2))
    assert events_services._kick not in callbacks


def test_the_kick_lands_on_the_delivery_queue(django_capture_on_commit_callbacks):
    client = redis_client()
    before = client.llen("delivery")
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            event_emit_many(rows(StoreFactory(), 2))
    assert client.llen("delivery") == before + 1
    message = json.loads(client.lindex("delivery", 0))
    assert message["headers"]["task"] == "notifications.tasks.deliver_events"
    client.lpop("delivery")
