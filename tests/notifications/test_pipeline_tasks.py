"""The delivery tasks as a worker runs them: deliver_events fans out pending events and queues deliver_robot per
robot (on the delivery queue); deliver_robot sends and comes back when the limit stopped it; deliver_due sweeps
interrupted sends and queues robots with due deliveries."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from events.services import event_emit_many
from notifications import tasks
from notifications.limiter import LIMIT, get_limiter, redis_client
from notifications.models import Delivery, DeliveryState, Route
from tests.factories import RobotFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue():
    """The delivery queue in the test Redis: emptied before and after, read as (task name, args, eta)."""
    client = redis_client()
    client.delete("delivery")

    def read():
        out = []
        for raw in client.lrange("delivery", 0, -1):
            message = json.loads(raw)
            body = json.loads(base64.b64decode(message["body"]))
            out.append((message["headers"]["task"], body[0], message["headers"].get("eta")))
        return out

    yield read
    client.delete("delivery")


@pytest.fixture
def wecom(simulator, settings):
    settings.WECOM_BASE_URL = simulator.wecom_url
    settings.SHOPCREW_EVENTS_KICK = False
    return simulator.control


def emit(store, n):
    with transaction.atomic():
        return event_emit_many(
            [
                {
                    "kind": "order.new",
                    "store_id": store.pk,
                    "dedupe_key": f"tasks:{uuid.uuid4()}",
                    "payload": {"order_id": f"T{i:08d}", "customer": "张三", "amount": "10.00", "currency": "THB"},
                }
                for i in range(n)
            ]
        )


def test_deliver_events_fans_out_and_queues_each_robot_once(wecom, queue):
    store = StoreFactory(name="泰国店")
    key = wecom.create_robot()["key"]
    robot = RobotFactory(store=store, webhook_key=key)
    get_limiter().reset(robot.pk)
    Route.objects.create(name="新单", robot=robot, store=store, event_kinds=["order.new"], mention_assignee=False)
    emit(store, 3)

    assert tasks.deliver_events.apply().get() == 3

    assert Delivery.objects.filter(robot=robot, state=DeliveryState.PENDING).count() == 3
    assert queue() == [("notifications.tasks.deliver_robot", [robot.pk], None)]
    result = tasks.deliver_robot.apply((robot.pk,)).get()
    assert result["sent"] == 3
    assert [m["content"].count("T0000000") for m in wecom.messages(key)] == [1, 1, 1]


def test_deliver_robot_comes_back_when_the_window_is_full(wecom, queue):
    store = StoreFactory()
    key = wecom.create_robot()["key"]
    robot = RobotFactory(store=store, webhook_key=key)
    limiter = get_limiter()
    limiter.reset(robot.pk)
    for _ in range(LIMIT):
        assert limiter.acquire(robot.pk)
    Route.objects.create(name="新单", robot=robot, store=store, event_kinds=["order.new"], mention_assignee=False)
    emit(store, 1)
    tasks.deliver_events.apply()
    queue_before = queue()

    tasks.deliver_robot.apply((robot.pk,))

    (again,) = [q for q in queue() if q not in queue_before]
    assert again[0] == "notifications.tasks.deliver_robot" and again[1] == [robot.pk]
    eta = datetime.fromisoformat(again[2])
    assert timedelta(seconds=55) < eta - datetime.now(UTC) < timedelta(seconds=70)
    assert wecom.messages(key) == []
    limiter.reset(robot.pk)


def test_deliver_due_sweeps_interrupted_sends_and_queues_due_robots(wecom, queue):
    store = StoreFactory()
    robot = RobotFactory(store=store)
    Route.objects.create(name="新单", robot=robot, store=store, event_kinds=["order.new"], mention_assignee=False)
    emit(store, 2)
    tasks.fan_out_pending()
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    Delivery.objects.filter(robot=robot).update(state=DeliveryState.SENDING, next_attempt_at=long_ago)

    tasks.deliver_due.apply()

    assert set(Delivery.objects.filter(robot=robot).values_list("state", flat=True)) == {DeliveryState.RETRYING}
    assert ("notifications.tasks.deliver_robot", [robot.pk], None) in queue()


def test_deliver_due_kicks_the_fan_out_when_events_wait(wecom, queue):
    store = StoreFactory()
    ids = emit(store, 1)
    from events.models import Event

    Event.objects.filter(pk__in=ids).update(created_at=datetime.now(UTC) - timedelta(minutes=1))
    tasks.deliver_due.apply()
    assert ("notifications.tasks.deliver_events", [], None) in queue()
