"""The per-robot send limit: 20 in any 60 s (we count 65 s), shared by every worker, in Redis or the database."""

import threading
from collections import Counter

import pytest
from django.db import connections

from notifications.limiter import LIMIT, WINDOW, DatabaseLimiter, RedisLimiter, get_limiter
from notifications.models import RateWindow
from tests.factories import RobotFactory

T0 = 1_800_000_000.0


def max_in_any_window(times, window=60.0) -> int:
    """The most events inside any `window`-second span (as the WeCom simulator counts, sliding)."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.fixture(params=["redis", "database"])
def limiter(request, db):
    robot = RobotFactory()
    limiter = RedisLimiter() if request.param == "redis" else DatabaseLimiter()
    limiter.reset(robot.pk)
    yield limiter, robot.pk
    limiter.reset(robot.pk)


def test_twenty_then_a_wait_until_the_oldest_leaves(limiter):
    limiter, robot = limiter
    granted = [limiter.acquire(robot, T0 + i * 0.5) for i in range(LIMIT)]
    assert all(granted)
    assert limiter.available(robot, T0 + 10) == 0
    refused = limiter.acquire(robot, T0 + 10)
    assert not refused
    assert 55 <= refused.wait <= WINDOW + 5
    assert limiter.wait(robot, T0 + 10) == pytest.approx(refused.wait, abs=0.01)
    assert not limiter.acquire(robot, T0 + 10 + refused.wait - 1)
    assert limiter.acquire(robot, T0 + 10 + refused.wait + 0.01)


def test_a_sliding_window_never_lets_more_than_twenty_into_any_minute(limiter):
    limiter, robot = limiter
    sent = []
    t = T0
    while t < T0 + 300:  # try every 0.7 s for five minutes
        if limiter.acquire(robot, t):
            sent.append(t)
        t += 0.7
    assert max_in_any_window(sent) <= LIMIT
    assert len(sent) >= 4 * LIMIT  # and it still sends about 20 a minute


def test_a_late_answer_counts_from_its_arrival(limiter):
    limiter, robot = limiter
    permits = [limiter.acquire(robot, T0) for _ in range(LIMIT)]
    for permit in permits:
        limiter.settle(permit, T0 + 8)  # the answers came back 8 s later
    assert not limiter.acquire(robot, T0 + WINDOW + 1)
    assert limiter.acquire(robot, T0 + 8 + WINDOW + 5.01)


def test_saturate_after_a_45009_stops_sends_for_a_window(limiter):
    limiter, robot = limiter
    assert limiter.acquire(robot, T0)
    limiter.saturate(robot, T0 + 1)
    assert limiter.available(robot, T0 + 2) == 0
    assert not limiter.acquire(robot, T0 + 50)
    assert limiter.acquire(robot, T0 + 1 + WINDOW + 5.01)


def test_robots_have_their_own_windows(limiter):
    limiter, robot = limiter
    other = RobotFactory().pk
    limiter.reset(other)
    for _ in range(LIMIT):
        assert limiter.acquire(robot, T0)
    assert limiter.acquire(other, T0)
    limiter.reset(other)


def test_the_setting_chooses_the_implementation(settings):
    settings.SHOPCREW_RATE_LIMITER = "database"
    assert isinstance(get_limiter(), DatabaseLimiter)
    settings.SHOPCREW_RATE_LIMITER = "redis"
    assert isinstance(get_limiter(), RedisLimiter)
    del settings.SHOPCREW_RATE_LIMITER
    assert isinstance(get_limiter(), RedisLimiter)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["redis", "database"])
def test_concurrent_workers_share_the_twenty(kind):
    """Eight threads (each with its own database connection) race for one robot's window: exactly 20 win."""
    robot = RobotFactory().pk
    limiter = RedisLimiter() if kind == "redis" else DatabaseLimiter()
    limiter.reset(robot)
    wins = Counter()
    barrier = threading.Barrier(8)

    def worker(n):
        try:
            barrier.wait()
            for _ in range(10):
                if limiter.acquire(robot, T0):
                    wins[n] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(wins.values()) == LIMIT
    if kind == "database":
        assert sum(RateWindow.objects.filter(robot_id=robot).values_list("count", flat=True)) == LIMIT
    limiter.reset(robot)
