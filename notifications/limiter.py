"""The per-robot send limit (WeCom: 20 messages a minute per robot), shared by every worker on every machine.

`get_limiter()` answers the implementation settings.SHOPCREW_RATE_LIMITER names: "redis" (the default) or
"database" (bin/run's fallback where there is no Redis). Both keep one guarantee: **no robot is ever sent more
than LIMIT messages in any WINDOW-second span as the robot counts them** — the WeCom simulator (and, as far as
anyone knows, WeCom) counts a sliding 60-second window at the moment a request *arrives*, so a fixed per-minute
counter is not enough (20 at 12:00:59 and 20 at 12:01:00 would be 40 in two seconds). We are stricter:

- a sliding window of WINDOW = 60 s + MARGIN (5 s), so a request that took a few seconds to arrive, or a worker
  whose clock is a little off, still lands inside the robot's window;
- every attempt counts (the robot counts refused sends too), and a send is re-stamped with the time its answer
  came back (`settle`), so a slow request is counted from its arrival, not from when it left;
- after a 45009 answer anyway (another system using the same key, a restart) the robot's window is filled
  (`saturate`): nothing more is sent to it for a whole window.

API (both implementations): `acquire(robot_id, now=None) -> Permit` (granted, or the seconds to wait),
`settle(permit, now=None)`, `available(robot_id, now=None) -> int` (sends allowed right now, for the decision
to coalesce a backlog), `wait(robot_id, now=None)` (seconds until one more is allowed), `saturate(robot_id, now=None)`. `now` is a Unix time in seconds (tests pass their own).

Redis: one sorted set per robot (member: a permit token, score: its time), pruned, counted and added to in one
Lua script, so concurrent workers never both take the 20th place. Database: RateWindow rows of BUCKET-second
buckets; a transaction takes a per-robot advisory lock (PostgreSQL), sums the buckets that cover the last
WINDOW + BUCKET seconds and increments the current one with INSERT … ON CONFLICT.
"""

from __future__ import annotations

import math
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, cast

import redis
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min, Sum

LIMIT = 20  # messages per robot per minute (platform-apis.md 3.3)
MARGIN = 5.0  # seconds of slack for the request's trip and clock differences between workers
WINDOW = 60.0 + MARGIN
BUCKET = 5  # seconds per RateWindow row (database limiter)
LOCK_NAMESPACE = 0x5C0E  # first key of the PostgreSQL advisory locks of the limiter


@dataclass(frozen=True)
class Permit:
    """The answer of acquire(): granted (then `token` identifies the send), or `wait` seconds to try again."""

    robot_id: int
    granted: bool
    wait: float = 0.0
    token: str = ""
    at: float = 0.0

    def __bool__(self) -> bool:
        return self.granted


class Limiter(Protocol):
    def acquire(self, robot_id: int, now: float | None = None) -> Permit: ...
    def settle(self, permit: Permit, now: float | None = None) -> None: ...
    def available(self, robot_id: int, now: float | None = None) -> int: ...
    def wait(self, robot_id: int, now: float | None = None) -> float: ...
    def saturate(self, robot_id: int, now: float | None = None) -> None: ...


# ---------------------------------------------------------------------------------------------------- Redis

_ACQUIRE = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
  return {1, '0'}
end
local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
return {0, tostring(tonumber(oldest[2]) + window - now)}
"""

# Re-stamp a permit with a later time (its answer's), if it is still counted; never move it back.
_SETTLE = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
if score and tonumber(score) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3]) * 1000) + 1000)
end
return 1
"""

_AVAILABLE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])
"""

_WAIT = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < limit then return '0' end
local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""

_SATURATE = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 1, limit do redis.call('ZADD', KEYS[1], now, 'saturated:' .. i) end
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
return 1
"""

_clients: dict[str, redis.Redis] = {}


def redis_client() -> redis.Redis:
    """The process's Redis connection for the limiter, from settings.REDIS_URL."""
    url = settings.REDIS_URL
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return _clients[url]


class RedisLimiter:
    """The sliding window in Redis: one sorted set per robot, changed only by atomic Lua scripts."""

    prefix = "shopcrew:wecom-rate:"

    def __init__(self, client: redis.Redis | None = None, *, limit: int = LIMIT, window: float = WINDOW) -> None:
        self._client = client
        self.limit = limit
        self.window = window

    @property
    def client(self) -> redis.Redis:
        return self._client or redis_client()

    def _key(self, robot_id: int) -> str:
        return f"{self.prefix}{robot_id}"

    def _eval(self, script: str, robot_id: int, *args: float | str) -> Any:
        return cast(
            Any,
            self.client.eval(script, 1, self._key(robot_id), *[repr(a) if isinstance(a, float) else a for a in args]),
        )

    def acquire(self, robot_id: int, now: float | None = None) -> Permit:
        now = time.time() if now is None else now
        token = secrets.token_hex(8)
        granted, wait = self._eval(_ACQUIRE, robot_id, now, self.window, str(self.limit), token)
        if int(granted):
            return Permit(robot_id, True, token=token, at=now)
        return Permit(robot_id, False, wait=max(0.05, float(wait)))

    def settle(self, permit: Permit, now: float | None = None) -> None:
        if permit.granted:
            now = time.time() if now is None else now
            self._eval(_SETTLE, permit.robot_id, now, permit.token, self.window)

    def available(self, robot_id: int, now: float | None = None) -> int:
        now = time.time() if now is None else now
        used = int(self._eval(_AVAILABLE, robot_id, now, self.window))
        return max(0, self.limit - used)

    def wait(self, robot_id: int, now: float | None = None) -> float:
        now = time.time() if now is None else now
        return max(0.0, float(self._eval(_WAIT, robot_id, now, self.window, str(self.limit))))

    def saturate(self, robot_id: int, now: float | None = None) -> None:
        now = time.time() if now is None else now
        self._eval(_SATURATE, robot_id, now, self.window, str(self.limit))

    def reset(self, robot_id: int) -> None:
        """Forget a robot's window (tests and benchmarks)."""
        self.client.delete(self._key(robot_id))


# ------------------------------------------------------------------------------------------------- database


def _bucket(now: float) -> datetime:
    return datetime.fromtimestamp(math.floor(now / BUCKET) * BUCKET, tz=UTC)


class DatabaseLimiter:
    """The same window over RateWindow rows (BUCKET seconds each), for installations without Redis.

    A send at `now` is allowed when the buckets starting at or after bucket(now) − WINDOW hold fewer than
    LIMIT sends: those buckets cover at least the last WINDOW seconds, so any 60-second span is covered by
    the check of its last send. Serialized per robot by a transaction-level advisory lock on PostgreSQL
    (elsewhere the database's own write lock serializes the transaction)."""

    def __init__(self, *, limit: int = LIMIT, window: float = WINDOW) -> None:
        self.limit = limit
        self.window = window

    def _since(self, now: float) -> datetime:
        start = math.floor(now / BUCKET) * BUCKET
        return datetime.fromtimestamp(start - math.ceil(self.window / BUCKET) * BUCKET, tz=UTC)

    @staticmethod
    def _lock(robot_id: int) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, robot_id])

    def _used(self, robot_id: int, now: float) -> tuple[int, datetime | None]:
        from .models import RateWindow

        rows = RateWindow.objects.filter(robot_id=robot_id, minute__gte=self._since(now), count__gt=0)
        totals = rows.aggregate(used=Sum("count"), oldest=Min("minute"))
        return int(totals["used"] or 0), totals["oldest"]

    def _add(self, robot_id: int, now: float, count: int) -> None:
        from .models import RateWindow

        table = RateWindow._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (robot_id, minute, count) VALUES (%s, %s, %s) "
                "ON CONFLICT (robot_id, minute) DO UPDATE SET count = "
                f"{table}.count + EXCLUDED.count",
                [robot_id, _bucket(now), count],
            )

    def acquire(self, robot_id: int, now: float | None = None) -> Permit:
        now = time.time() if now is None else now
        with transaction.atomic():
            self._lock(robot_id)
            used, oldest = self._used(robot_id, now)
            if used >= self.limit:
                leaves = (oldest.timestamp() if oldest else now) + self.window + BUCKET
                return Permit(robot_id, False, wait=max(0.05, leaves - now))
            self._add(robot_id, now, 1)
        return Permit(robot_id, True, token=secrets.token_hex(8), at=now)

    def settle(self, permit: Permit, now: float | None = None) -> None:
        """A send whose answer came back in a later bucket counts in that bucket too (stricter, never looser)."""
        if not permit.granted:
            return
        now = time.time() if now is None else now
        if _bucket(now) != _bucket(permit.at):
            with transaction.atomic():
                self._lock(permit.robot_id)
                self._add(permit.robot_id, now, 1)

    def available(self, robot_id: int, now: float | None = None) -> int:
        now = time.time() if now is None else now
        return max(0, self.limit - self._used(robot_id, now)[0])

    def wait(self, robot_id: int, now: float | None = None) -> float:
        now = time.time() if now is None else now
        used, oldest = self._used(robot_id, now)
        if used < self.limit:
            return 0.0
        return max(0.05, (oldest.timestamp() if oldest else now) + self.window + BUCKET - now)

    def saturate(self, robot_id: int, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with transaction.atomic():
            self._lock(robot_id)
            self._add(robot_id, now, self.limit)

    def reset(self, robot_id: int) -> None:
        from .models import RateWindow

        RateWindow.objects.filter(robot_id=robot_id).delete()

    @staticmethod
    def prune(now: float | None = None) -> int:
        """Delete buckets older than an hour (deliver_due calls it); returns how many went."""
        from .models import RateWindow

        now = time.time() if now is None else now
        return RateWindow.objects.filter(minute__lt=_bucket(now - 3600)).delete()[0]


def get_limiter() -> RedisLimiter | DatabaseLimiter:
    """The limiter settings.SHOPCREW_RATE_LIMITER names ("redis", the default, or "database")."""
    if getattr(settings, "SHOPCREW_RATE_LIMITER", "redis") == "database":
        return DatabaseLimiter()
    return RedisLimiter()
