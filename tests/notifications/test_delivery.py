"""Delivery to group robots over real HTTP (the WeCom simulator): once each, within 20 a minute, a backlog
coalesced with nothing lost, retries, permanent failures (dead letters, broken robot, one alert), retry of dead
letters, interrupted sends."""

import json
import threading
import time
import uuid

import httpx
import pytest
from django.db import connections

from audit.models import AuditEvent
from events.models import Event
from notifications import delivery
from notifications.delivery import deliver_robot, deliveries_sweep_stuck, delivery_retry
from notifications.limiter import LIMIT, DatabaseLimiter, RedisLimiter, get_limiter
from notifications.models import Delivery, DeliveryState, Robot, SentMessage
from tests.factories import RobotFactory, StaffFactory, StoreFactory

from .test_limiter import max_in_any_window

pytestmark = pytest.mark.django_db

S = DeliveryState


class Clock:
    """Real time plus an offset, moved together with the simulator's clock (which the simulator limits by)."""

    def __init__(self, control):
        self.control = control
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds
        self.control.advance(seconds)


@pytest.fixture
def wecom(simulator, settings):
    settings.WECOM_BASE_URL = simulator.wecom_url
    return simulator.control


@pytest.fixture
def clock(wecom):
    return Clock(wecom)


@pytest.fixture
def store():
    return StoreFactory(name="泰国店")


def new_robot(wecom, store, *, known=True) -> Robot:
    key = str(uuid.uuid4())
    if known:
        wecom.create_robot(key=key, name="泰国店客服群")
    robot = RobotFactory(store=store, webhook_key=key)
    get_limiter().reset(robot.pk)
    return robot


_seq = iter(range(1, 10**9))


def add_deliveries(robot, store, n, *, kind="order.new", state=S.PENDING, userids=(), mobiles=(), **fields):
    rows = []
    for _ in range(n):
        k = next(_seq)
        event = Event.objects.create(kind=kind, store=store, dedupe_key=f"test-delivery:{uuid.uuid4()}:{k}")
        content = f"订单号:SN{k:07d} | 客户:张* | 商品:T恤 | 数量:2 | 总价:459.00 THB"
        rows.append(
            Delivery(
                event=event,
                robot=robot,
                store=store,
                event_kind=kind,
                state=state,
                content=content,
                mentioned_userids=list(userids),
                mentioned_mobiles=list(mobiles),
                **fields,
            )
        )
    return Delivery.objects.bulk_create(rows)


def received(wecom, robot) -> list[dict]:
    return wecom.messages(robot.webhook_key)


def order_numbers(messages) -> list[str]:
    import re

    return [sn for m in messages for sn in re.findall(r"SN\d{7}", m["content"])]


def states(robot) -> dict:
    from collections import Counter

    return dict(Counter(Delivery.objects.filter(robot=robot).values_list("state", flat=True)))


# ------------------------------------------------------------------------------------------------ sending


def test_each_delivery_is_sent_once_with_its_mentions(wecom, store):
    robot = new_robot(wecom, store)
    rows = add_deliveries(robot, store, 3, userids=["zhangsan"], mobiles=["13800001111"])

    run = deliver_robot(robot.pk)

    assert (run.messages, run.sent) == (3, 3)
    got = received(wecom, robot)
    assert [m["content"] for m in got] == [d.content for d in rows]
    assert all(m["mentioned_list"] == ["zhangsan"] and m["mentioned_mobile_list"] == ["13800001111"] for m in got)
    assert states(robot) == {S.SENT: 3}
    copies = SentMessage.objects.filter(robot=robot)
    assert copies.count() == 3 and not any(c.is_summary for c in copies)
    assert set(Delivery.objects.filter(robot=robot).values_list("message_id", flat=True)) == {c.pk for c in copies}
    robot.refresh_from_db()
    assert robot.last_success_at is not None
    assert deliver_robot(robot.pk).messages == 0  # nothing is sent twice


def test_markdown_deliveries_go_as_markdown(wecom, store):
    robot = new_robot(wecom, store)
    add_deliveries(robot, store, 1, msgtype="markdown")
    deliver_robot(robot.pk)
    assert [m["msgtype"] for m in received(wecom, robot)] == ["markdown"]


def test_a_backlog_of_thirty_is_coalesced_into_few_messages_with_nothing_lost(wecom, store):
    robot = new_robot(wecom, store)
    other = StoreFactory(name="越南店")
    rows = add_deliveries(robot, store, 25, userids=["zhangsan"])
    rows += add_deliveries(robot, other, 5, kind="aftersales.new", userids=["lisi"])

    run = deliver_robot(robot.pk)

    got = received(wecom, robot)
    assert 1 <= len(got) <= LIMIT and run.coalesced == 30
    assert sorted(order_numbers(got)) == sorted(d.content[4:13] for d in rows)  # every one, once
    assert all(len(m["content"].encode()) <= 2048 for m in got)
    assert any("【新订单】泰国店" in m["content"] for m in got)
    mentioned = {u for m in got for u in m["mentioned_list"]}
    assert mentioned == {"zhangsan", "lisi"}
    assert states(robot) == {S.COALESCED: 30}
    summaries = SentMessage.objects.filter(robot=robot)
    assert all(s.is_summary for s in summaries) and sum(s.delivery_count for s in summaries) == 30


def test_held_deliveries_come_out_of_quiet_hours_as_a_summary(wecom, store, clock):
    robot = new_robot(wecom, store)
    from datetime import UTC, datetime

    ended = datetime.fromtimestamp(clock() - 1, tz=UTC)
    add_deliveries(robot, store, 3, state=S.HELD, next_attempt_at=ended)
    later = datetime.fromtimestamp(clock() + 3600, tz=UTC)
    add_deliveries(robot, store, 2, state=S.HELD, next_attempt_at=later)

    deliver_robot(robot.pk, now=clock)

    got = received(wecom, robot)
    assert len(got) == 1 and len(order_numbers(got)) == 3
    assert states(robot) == {S.COALESCED: 3, S.HELD: 2}


@pytest.mark.parametrize("limiter_kind", ["redis", "database"])
def test_never_more_than_twenty_in_any_minute_and_nothing_lost(wecom, store, clock, settings, limiter_kind):
    """One delivery every 2 s for 3 minutes (simulated clock), a send attempt after each: the simulator never
    receives more than 20 in any 60 s, never answers 45009, and every order arrives exactly once."""
    settings.SHOPCREW_RATE_LIMITER = limiter_kind
    robot = new_robot(wecom, store)
    log_start = max([r["id"] for r in wecom.requests(service="wecom", limit=1)] or [0])
    rows = []
    for _ in range(90):
        rows += add_deliveries(robot, store, 1)
        deliver_robot(robot.pk, now=clock)
        clock.advance(2)
    clock.advance(70)
    deliver_robot(robot.pk, now=clock)

    got = received(wecom, robot)
    assert max_in_any_window([m["sim_time"] for m in got]) <= LIMIT
    assert sorted(order_numbers(got)) == sorted(d.content[4:13] for d in rows)
    assert set(states(robot)) == {S.SENT, S.COALESCED} and sum(states(robot).values()) == 90
    outcomes = [r["outcome"] for r in wecom.requests(service="wecom", since_id=log_start)]
    assert outcomes == ["errcode:0"] * len(got)  # never refused: our limit is met before the robot's
    assert any(m for m in got if len(order_numbers([m])) > 1)  # the backlog was summarized


# ------------------------------------------------------------------------------------------ two workers


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_delivery_once(simulator, settings):
    settings.WECOM_BASE_URL = simulator.wecom_url
    store = StoreFactory()
    robot = new_robot(simulator.control, store)
    rows = add_deliveries(robot, store, 15)
    barrier = threading.Barrier(2)
    runs = []

    def worker():
        try:
            barrier.wait()
            runs.append(deliver_robot(robot.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    got = simulator.control.messages(robot.webhook_key)
    assert sorted(order_numbers(got)) == sorted(d.content[4:13] for d in rows)
    assert states(robot) == {S.SENT: 15}
    get_limiter().reset(robot.pk)


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_never_share_a_delivery():
    """Below the per-robot lock: two workers claiming the same robot's rows at once get disjoint sets."""
    store = StoreFactory()
    robot = RobotFactory(store=store)
    add_deliveries(robot, store, 30)
    barrier = threading.Barrier(2)
    claims = []

    def worker():
        try:
            barrier.wait()
            claims.append({d.pk for d in delivery._claim(robot.pk, time.time(), limit=20)})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = claims
    assert not first & second and len(first | second) == 30
    assert states(robot) == {S.SENDING: 30}


# --------------------------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("fault", "wait"),
    [
        ({"kind": "rate_limit"}, 61),  # 45009: after the robot's window
        ({"kind": "http_error", "status": 502}, 6),  # 5xx: backoff
        ({"kind": "http_error", "status": 503}, 6),
        ({"kind": "timeout", "delay": 0.6}, 6),  # the gateway gave up: 504 after a while
        ({"kind": "malformed_json"}, 6),
    ],
)
def test_transient_failures_are_retried_with_backoff_then_sent(wecom, store, clock, fault, wait):
    robot = new_robot(wecom, store)
    (row,) = add_deliveries(robot, store, 1)
    wecom.inject("wecom", target=robot.webhook_key, **fault)

    run = deliver_robot(robot.pk, now=clock)

    row.refresh_from_db()
    assert run.retrying == 1 and row.state == S.RETRYING and row.attempts == 1 and row.last_error
    assert row.next_attempt_at.timestamp() >= clock() + wait - 2
    assert robot.webhook_key not in row.last_error
    assert deliver_robot(robot.pk, now=clock).messages == 0  # not due yet
    clock.advance(wait + 6)
    deliver_robot(robot.pk, now=clock)
    row.refresh_from_db()
    assert row.state == S.SENT and row.attempts == 2 and not row.last_error
    expected = 2 if fault["kind"] == "malformed_json" else 1  # a garbled answer to a message that did arrive
    assert order_numbers(received(wecom, robot)) == [row.content[4:13]] * expected


def test_a_timeout_after_the_request_left_is_sent_again_and_may_duplicate(wecom, store, clock, settings):
    """The ambiguous case: the robot posted the message but the answer never came back in time. We send again
    (nothing lost); the group sees it twice — the documented cost."""
    settings.SHOPCREW_WECOM_SEND_TIMEOUT = 0.3
    robot = new_robot(wecom, store)
    (row,) = add_deliveries(robot, store, 1)
    wecom.inject("wecom", kind="timeout", target=robot.webhook_key, delay=0.8, then="process")

    deliver_robot(robot.pk, now=clock)
    row.refresh_from_db()
    assert row.state == S.RETRYING and "TransportError" in row.last_error
    time.sleep(0.6)  # let the simulator finish the request it is still holding (not synchronisation of ours)
    clock.advance(10)
    deliver_robot(robot.pk, now=clock)

    row.refresh_from_db()
    assert row.state == S.SENT
    assert order_numbers(received(wecom, robot)) == [row.content[4:13]] * 2


def test_system_busy_minus_one_is_retried(store, settings):
    """-1 (system busy): the simulator cannot answer it, so a local transport plays WeCom for this one case."""
    answers = iter([{"errcode": -1, "errmsg": "system busy"}, {"errcode": 0, "errmsg": "ok"}])
    posted = []

    def handler(request):
        posted.append(json.loads(request.content))
        return httpx.Response(200, json=next(answers))

    http = httpx.Client(transport=httpx.MockTransport(handler))
    settings.WECOM_BASE_URL = "http://wecom.invalid"
    robot = RobotFactory(store=store)
    get_limiter().reset(robot.pk)
    (row,) = add_deliveries(robot, store, 1)
    t = [time.time()]

    deliver_robot(robot.pk, now=lambda: t[0], http_client=http)
    row.refresh_from_db()
    assert row.state == S.RETRYING and "-1" in row.last_error
    t[0] += 6
    deliver_robot(robot.pk, now=lambda: t[0], http_client=http)
    row.refresh_from_db()
    assert row.state == S.SENT and len(posted) == 2


def test_retries_end_in_a_dead_letter(wecom, store, clock):
    robot = new_robot(wecom, store)
    (row,) = add_deliveries(robot, store, 1, attempts=delivery.MAX_ATTEMPTS - 1, state=S.RETRYING)
    wecom.inject("wecom", kind="http_error", status=500, target=robot.webhook_key)
    run = deliver_robot(robot.pk, now=clock)
    row.refresh_from_db()
    assert run.dead == 1 and row.state == S.DEAD and row.attempts == delivery.MAX_ATTEMPTS
    robot.refresh_from_db()
    assert robot.broken_at is None  # a flaky platform does not break the robot


def test_a_bad_key_kills_the_deliveries_breaks_the_robot_and_alerts_once(wecom, store, clock, caplog):
    robot = new_robot(wecom, store, known=False)  # the simulated WeCom never heard of this key: 93000
    add_deliveries(robot, store, 4)

    run = deliver_robot(robot.pk, now=clock)

    assert run.dead == 4 and states(robot) == {S.DEAD: 4}
    robot.refresh_from_db()
    assert robot.broken_at is not None and "93000" in robot.broken_reason
    alert = AuditEvent.objects.get(action="robot.broken")
    assert alert.store_id == store.pk and alert.target_id == str(robot.pk)
    add_deliveries(robot, store, 2)
    deliver_robot(robot.pk, now=clock)
    assert states(robot) == {S.DEAD: 4, S.PENDING: 2}  # later messages wait for the repair, not lost
    assert AuditEvent.objects.filter(action="robot.broken").count() == 1  # once per breakage
    wecom.create_robot(key=robot.webhook_key, name="泰国店客服群")  # the key made good again …
    Robot.objects.filter(pk=robot.pk).update(broken_at=None, broken_reason="")  # … and the robot repaired
    deliver_robot(robot.pk, now=clock)
    assert states(robot) == {S.DEAD: 4, S.SENT: 2}
    robot.refresh_from_db()
    texts = [robot.broken_reason, robot.last_error, caplog.text, json.dumps(alert.after)]
    texts += list(Delivery.objects.filter(robot=robot).values_list("last_error", flat=True))
    assert robot.webhook_key not in "".join(texts)


def test_content_the_robot_refuses_is_dead_and_breaks_the_robot(wecom, store):
    robot = new_robot(wecom, store)
    (bad,) = add_deliveries(robot, store, 1)
    Delivery.objects.filter(pk=bad.pk).update(content="长" * 700)  # 2,100 bytes: over the text limit
    (good,) = add_deliveries(robot, store, 1)

    run = deliver_robot(robot.pk)

    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.state == S.DEAD and good.state == S.SENT and run.dead == 1
    robot.refresh_from_db()
    assert robot.broken_at is None  # the next message went through: the robot works (the template did not)
    assert AuditEvent.objects.filter(action="robot.broken").count() == 1


def test_dead_letters_are_sent_after_the_key_is_fixed(wecom, store, clock, grant, django_capture_on_commit_callbacks):
    robot = new_robot(wecom, store, known=False)
    rows = add_deliveries(robot, store, 3)
    deliver_robot(robot.pk, now=clock)
    assert states(robot) == {S.DEAD: 3}
    manager = grant(StaffFactory(), {"settings_manage"}, stores=[store])
    viewer = grant(StaffFactory(), {"settings_view"}, stores=[store])

    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        delivery_retry(actor=viewer, deliveries=rows)
    assert states(robot) == {S.DEAD: 3}

    wecom.create_robot(key=robot.webhook_key)  # the key works now
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert delivery_retry(actor=manager, deliveries=rows) == 3
    assert len(callbacks) == 1  # deliver_robot is queued for the robot when the retry commits
    robot.refresh_from_db()
    assert robot.broken_at is None
    assert AuditEvent.objects.filter(action="delivery.retry").count() == 3
    deliver_robot(robot.pk, now=clock)
    assert states(robot) == {S.SENT: 3}
    assert sorted(order_numbers(received(wecom, robot))) == sorted(d.content[4:13] for d in rows)


def test_a_send_interrupted_by_a_killed_worker_is_sent_again(wecom, store, clock):
    robot = new_robot(wecom, store)
    add_deliveries(robot, store, 2)
    claimed = delivery._claim(robot.pk, clock())  # the worker died right after claiming
    assert len(claimed) == 2 and states(robot) == {S.SENDING: 2}
    assert deliver_robot(robot.pk, now=clock).messages == 0  # not due: maybe still in flight

    clock.advance(delivery.SENDING_TIMEOUT + 1)
    assert deliveries_sweep_stuck(now=clock()) == [robot.pk]
    deliver_robot(robot.pk, now=clock)
    assert states(robot) == {S.SENT: 2}
    assert len(received(wecom, robot)) == 2


def test_the_database_limiter_is_used_when_configured(wecom, store, settings):
    settings.SHOPCREW_RATE_LIMITER = "database"
    robot = new_robot(wecom, store)
    DatabaseLimiter().reset(robot.pk)
    add_deliveries(robot, store, 2)
    deliver_robot(robot.pk)
    assert DatabaseLimiter().available(robot.pk) == LIMIT - 2
    assert RedisLimiter().available(robot.pk) == LIMIT


def test_an_inactive_robot_keeps_its_deliveries_waiting(wecom, store):
    robot = new_robot(wecom, store)
    add_deliveries(robot, store, 1)
    Robot.objects.filter(pk=robot.pk).update(is_active=False)
    assert deliver_robot(robot.pk).messages == 0
    assert states(robot) == {S.PENDING: 1} and received(wecom, robot) == []
    assert robot.pk not in delivery.robots_due()
    Robot.objects.filter(pk=robot.pk).update(is_active=True)
    assert robot.pk in delivery.robots_due()
    assert deliver_robot(robot.pk).messages == 1


def test_a_run_past_its_budget_hands_the_rest_to_the_next_run(wecom, store, monkeypatch):
    robot = new_robot(wecom, store)
    add_deliveries(robot, store, 3)
    monkeypatch.setattr(delivery, "RUN_BUDGET", -1.0)  # the budget is spent before the first send
    run = deliver_robot(robot.pk)
    assert run.messages == 0 and run.wait is not None and states(robot) == {S.PENDING: 3}
    monkeypatch.undo()
    assert deliver_robot(robot.pk).messages == 3
