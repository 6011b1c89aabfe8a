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


@pytest.fixture
def broker():
    client = redis_client()
    client.delete("delivery", events_services.KICK_QUEUED, events_services.KICK_DIRTY)
    yield client
    client.delete("delivery", events_services.KICK_QUEUED, events_services.KICK_DIRTY)


def commit_events(store, count=2):
    with transaction.atomic():
        event_emit_many(rows(store, count))


def test_the_kick_lands_on_the_delivery_queue(broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        commit_events(StoreFactory())
    assert broker.llen("delivery") == 1
    message = json.loads(broker.lindex("delivery", 0))
    assert message["headers"]["task"] == "notifications.tasks.deliver_events"


def test_kicks_are_coalesced_until_the_consumer_has_looked(broker):
    """A burst of committed transactions (each runs the kick on commit) queues one consumer run; once the run
    releases, the next kick queues again; a kick during the run marks events waiting, so the run looks once more
    before it releases."""
    kick = events_services._kick
    kick()
    kick()
    assert broker.llen("delivery") == 1
    assert events_services.kick_take_dirty() is True  # the consumer starts: events were marked
    assert events_services.kick_take_dirty() is False
    kick()  # committed while the consumer runs: marked, not queued
    assert broker.llen("delivery") == 1
    assert events_services.kick_release() is True  # so the consumer looks again
    assert events_services.kick_take_dirty() is True
    assert events_services.kick_release() is False  # nothing more: released
    kick()
    assert broker.llen("delivery") == 2


def test_without_redis_every_transaction_kicks(broker, settings):
    settings.SHOPCREW_RATE_LIMITER = "database"
    events_services._kick()
    events_services._kick()
    assert broker.llen("delivery") == 2
