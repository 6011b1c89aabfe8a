"""The dispatcher: sync states for every store, due stores claimed with SKIP LOCKED (two dispatchers never claim
the same store), next polls moved forward (less often where pushes work), paused stores left alone, and one
poll_store queued per claimed store on the polling queue."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from orders.models import SyncState
from orders.polling import sync_claim_due, sync_dispatch, sync_states_ensure
from orders.tasks import poll_dispatch
from tests.factories import StoreFactory

from .intake_support import (  # noqa: F401 - fixtures
    drain,
    make_shopee_store,
    platforms_at,
    queued,
    queues,
    recent,
)


@pytest.mark.django_db
def test_every_store_gets_one_sync_state_due_at_once():
    stores = StoreFactory.create_batch(3)
    assert sync_states_ensure() == 3
    later = StoreFactory()
    assert sync_states_ensure() == 1 and sync_states_ensure() == 0
    states = SyncState.objects.filter(store__in=[*stores, later])
    assert states.count() == 4 and all(s.health == "ok" and s.next_poll_at <= timezone.now() for s in states)


@pytest.mark.django_db
def test_due_stores_are_claimed_once_and_polled_less_often_while_pushes_work(settings):
    settings.SHOPCREW_POLL_INTERVAL, settings.SHOPCREW_POLL_INTERVAL_PUSHING = 60, 600
    quiet, pushing, paused, stopped, later = StoreFactory.create_batch(5)
    now = timezone.now()
    sync_states_ensure(now=now - timedelta(seconds=1))
    SyncState.objects.filter(store=pushing).update(last_push_at=now - timedelta(minutes=5))
    SyncState.objects.filter(store=paused).update(health="paused")
    SyncState.objects.filter(store=later).update(next_poll_at=now + timedelta(minutes=1))
    type(stopped).objects.filter(pk=stopped.pk).update(status="paused")

    assert sorted(sync_claim_due(now=now)) == sorted([quiet.pk, pushing.pk])
    assert sync_claim_due(now=now) == []  # moved forward: not claimed again
    nxt = dict(SyncState.objects.values_list("store_id", "next_poll_at"))
    assert nxt[quiet.pk] == now + timedelta(seconds=60) and nxt[pushing.pk] == now + timedelta(seconds=600)


@pytest.mark.django_db
def test_a_store_due_moments_after_this_run_is_not_left_for_the_next_minute(settings):
    """Beat starts the dispatcher every minute, never exactly on the second: a store claimed at 12:00:00.4 is due
    at 12:01:00.4, and the run at 12:01:00.1 still claims it (else it waits until 12:02 — twice the interval)."""
    settings.SHOPCREW_POLL_INTERVAL, settings.SHOPCREW_POLL_DISPATCH_SLACK = 60, 5
    soon, later = StoreFactory.create_batch(2)
    now = timezone.now()
    sync_states_ensure(now=now)
    SyncState.objects.filter(store=soon).update(next_poll_at=now + timedelta(seconds=0.3))
    SyncState.objects.filter(store=later).update(next_poll_at=now + timedelta(seconds=30))
    assert sync_claim_due(now=now) == [soon.pk]


@pytest.mark.django_db
def test_the_dispatcher_claims_in_batches_and_queues_each_store_once():
    stores = StoreFactory.create_batch(7)
    tasks = []
    assert sync_dispatch(queue=tasks.append, batch=3, per_task=2) == 7
    assert sorted(pk for task in tasks for pk in task) == sorted(s.pk for s in stores)
    assert [len(task) for task in tasks] == [2, 1, 2, 1, 1]  # claims of 3, 3 and 1, two stores per task
    assert sync_dispatch(queue=tasks.append, batch=3) == 0


@pytest.mark.django_db
@pytest.mark.usefixtures("queues")
def test_poll_dispatch_queues_poll_stores_on_the_polling_queue_and_the_polls_run():
    store = StoreFactory()  # never connected: its poll is skipped quietly
    assert poll_dispatch.apply().result == 1
    assert queued("polling") == [("orders.tasks.poll_stores", [[store.pk]])]
    assert drain("polling") == [("orders.tasks.poll_stores", [[store.pk]])]
    assert SyncState.objects.get(store=store).last_polled_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_never_claim_the_same_store():
    """One dispatcher holds its claim (rows locked, not yet committed) on its own connection; a second one at
    the same moment skips those rows and claims only the others."""
    stores = StoreFactory.create_batch(6)
    now = timezone.now()
    sync_states_ensure(now=now - timedelta(seconds=1))
    first_ids = {s.pk for s in stores[:3]}
    holding, release, seen = threading.Event(), threading.Event(), {}

    def first_dispatcher():
        try:
            with transaction.atomic():
                rows = SyncState.objects.select_for_update(skip_locked=True).filter(store_id__in=first_ids)
                seen["first"] = {r.store_id for r in rows}
                holding.set()
                assert release.wait(20)
        finally:
            holding.set()
            connection.close()

    thread = threading.Thread(target=first_dispatcher)
    thread.start()
    try:
        assert holding.wait(20)
        second = set(sync_claim_due(now=now))
    finally:
        release.set()
        thread.join(20)
    assert seen["first"] == first_ids
    assert second == {s.pk for s in stores[3:]}
    assert second.isdisjoint(seen["first"])
    # the first one's rows are claimable again once it is gone (it moved nothing forward)
    assert set(sync_claim_due(now=now)) == first_ids


@pytest.mark.django_db(transaction=True)
def test_a_poll_of_a_store_already_being_polled_does_nothing():
    from orders.polling import store_lock, store_poll

    store = StoreFactory()
    sync_states_ensure()
    holding, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with store_lock(store.pk) as taken:
                assert taken
                holding.set()
                assert release.wait(20)
        finally:
            holding.set()
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert holding.wait(20)
        assert store_poll(store_id=store.pk).outcome == "busy"
    finally:
        release.set()
        thread.join(20)
    assert store_poll(store_id=store.pk).outcome == "not_connected"


@pytest.mark.django_db(transaction=True)
def test_one_task_polls_several_stores_on_threads_each_with_its_own_connection(make_shopee_store, simulator):  # noqa: F811
    from orders.models import Order
    from orders.polling import stores_poll

    made = [make_shopee_store() for _ in range(4)]
    sync_states_ensure()
    for shop in made:
        recent(simulator.control, shop.shop_id, 2)

    outcomes = stores_poll(store_ids=[m.store.pk for m in made], threads=3)

    assert outcomes == {m.store.pk: "ok" for m in made}
    assert Order.objects.count() == 8
    assert all(state.last_success_at for state in SyncState.objects.all())
