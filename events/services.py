"""Writing to the outbox: event_emit (one) and event_emit_many (a batch, one statement)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from .choices import EventKind
from .models import Event

logger = logging.getLogger(__name__)

KINDS = frozenset(EventKind.values)
KICK_TASK = "notifications.tasks.deliver_events"  # by name: events imports nothing of the consumer
MAX_KEY_LENGTH = 200  # Event.dedupe_key
_COLUMNS = ("kind", "store_id", "payload", "dedupe_key", "occurred_at", "created_at", "state")


@dataclass(frozen=True, slots=True)
class EventRow:
    """One event to write: what happened (`kind`), where (`store_id`, None for a department's digest), the
    facts a message needs (`payload`, JSON), the key that makes it happen once, and when it happened."""

    kind: str
    store_id: int | None
    dedupe_key: str
    payload: dict = field(default_factory=dict)
    occurred_at: datetime | None = None


def _row(value: EventRow | Mapping[str, Any]) -> EventRow:
    if isinstance(value, EventRow):
        row = value
    else:
        row = EventRow(**value)
    if row.kind not in KINDS:
        raise ValueError(f"unknown event kind {row.kind!r}")
    if not row.dedupe_key or len(row.dedupe_key) > MAX_KEY_LENGTH:
        raise ValueError(f"a dedupe key of 1..200 characters is required ({row.dedupe_key!r})")
    return row


_ENCODER = DjangoJSONEncoder()


def _dumps(data: Any) -> str:
    """JSON as DjangoJSONEncoder writes it (its datetime, Decimal and lazy-string forms), by orjson: the batch's
    one parameter in a tenth of json.dumps' time."""
    return orjson.dumps(
        data, default=_ENCODER.default, option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
    ).decode()


def _insert(rows: list[EventRow], now: datetime) -> tuple[str, list[Any]]:
    """The statement and its parameters. PostgreSQL: the batch as one JSON parameter (the statement text is the
    same for every batch, nothing for the driver to parse); other databases: a VALUES list."""
    head = f"INSERT INTO {Event._meta.db_table} ({', '.join(_COLUMNS)}) "
    tail = " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
    if connection.vendor == "postgresql":
        stamp = now.isoformat()
        data = [[r.kind, r.store_id, r.payload, r.dedupe_key, (r.occurred_at or now).isoformat(), stamp] for r in rows]
        select = (
            "SELECT e->>0, (e->>1)::bigint, e->2, e->>3, (e->>4)::timestamptz, (e->>5)::timestamptz, 'pending' "
            "FROM jsonb_array_elements(%s::jsonb) AS e WHERE true"
        )
        return head + select + tail, [_dumps(data)]
    fields: list[Any] = [Event._meta.get_field("store" if c == "store_id" else c) for c in _COLUMNS]
    params: list[Any] = []
    for r in rows:
        values = (r.kind, r.store_id, r.payload, r.dedupe_key, r.occurred_at or now, now, "pending")
        params += [f.get_db_prep_value(v, connection, prepared=False) for f, v in zip(fields, values, strict=True)]
    one = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    return head + "VALUES " + ", ".join([one] * len(rows)) + tail, params


def event_emit_many(rows: Iterable[EventRow | Mapping[str, Any]]) -> list[int]:
    """Write a batch of events in ONE statement (`INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`)
    and return the ids of the rows that are new; a key already written — earlier, in this batch, or by a
    concurrent transaction that commits first — is silently skipped (that writer waits for the other one's
    outcome on the unique index, so it is never written twice). Must run inside the caller's transaction:
    the events exist exactly when the change they announce is committed."""
    if not connection.in_atomic_block:
        raise TransactionManagementError("events are emitted inside the transaction of the change they announce")
    unique: dict[str, EventRow] = {}
    for value in rows:
        row = _row(value)
        unique.setdefault(row.dedupe_key, row)
    if not unique:
        return []
    sql, params = _insert(list(unique.values()), timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = sorted(r[0] for r in cursor.fetchall())
    if ids:
        _kick_on_commit()
    return ids


# Kicks are coalesced where Redis is the broker and limiter: a burst of committing transactions (a worker
# importing pages) queues one consumer run, not one per transaction. `dirty` says "events were committed since the
# consumer last looked"; `queued` says "a consumer run is queued or running" (expires, in case it died).
KICK_DIRTY = "shopcrew:kick:deliver-events:dirty"
KICK_QUEUED = "shopcrew:kick:deliver-events:queued"
KICK_QUEUED_TTL = 30  # seconds


def _kick_redis():
    """The Redis client for the kick's marks, or None where there is none (the database limiter's installations)."""
    if getattr(settings, "SHOPCREW_RATE_LIMITER", "redis") != "redis":
        return None
    import redis

    url = settings.REDIS_URL
    client = _kick_clients.get(url)
    if client is None:
        client = _kick_clients[url] = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    return client


_kick_clients: dict = {}


def _kick_wanted() -> bool:
    """Mark events as waiting; True when no consumer run is queued (so this kick must queue one)."""
    client = _kick_redis()
    if client is None:
        return True
    try:
        pipe = client.pipeline(transaction=False)
        pipe.set(KICK_DIRTY, 1)
        pipe.set(KICK_QUEUED, 1, nx=True, ex=KICK_QUEUED_TTL)
        return bool(pipe.execute()[1])
    except Exception:  # noqa: BLE001 — without the marks, kick anyway
        return True


def kick_take_dirty() -> bool:
    """For the consumer: whether events were committed since it last looked (clearing the mark). Without Redis,
    always False (every kick queued its own run)."""
    client = _kick_redis()
    if client is None:
        return False
    try:
        return bool(client.getdel(KICK_DIRTY))
    except Exception:  # noqa: BLE001
        return False


def kick_release() -> bool:
    """For the consumer, when it found nothing more: let the next kick queue a run. Returns whether events were
    marked meanwhile (then the consumer looks once more: a kick that saw it queued did not queue another)."""
    client = _kick_redis()
    if client is None:
        return False
    try:
        client.delete(KICK_QUEUED)
        return bool(client.exists(KICK_DIRTY))
    except Exception:  # noqa: BLE001
        return False


def _kick() -> None:
    """Queue the consumer (by task name, so this app imports nothing of it), unless a run is queued already. A
    broker that cannot be reached loses nothing: the events stay pending and the consumer's beat sweep finds them."""
    from celery import current_app

    if not _kick_wanted():
        return
    try:
        current_app.send_task(KICK_TASK, retry=False)
    except Exception as exc:  # noqa: BLE001 — the commit has happened; never fail the caller over the kick
        logger.warning("could not queue %s (%s); the beat sweep will deliver the events", KICK_TASK, exc)


def _kick_on_commit() -> None:
    """Queue the consumer once when the outermost transaction commits: once per transaction, however many
    batches it emitted (a rolled-back transaction drops the callback with it). Off when
    settings.SHOPCREW_EVENTS_KICK is False (benchmarks that measure intake alone)."""
    if not getattr(settings, "SHOPCREW_EVENTS_KICK", True):
        return
    if any(item[1] is _kick for item in connection.run_on_commit):
        return
    transaction.on_commit(_kick)


def event_emit(
    kind: str, store: Any, payload: dict | None, dedupe_key: str, *, occurred_at: datetime | None = None
) -> int | None:
    """Write one event (see event_emit_many); its id, or None when that dedupe key was already written.
    `store` is a store, its id, or None."""
    store_id = getattr(store, "pk", store)
    ids = event_emit_many([EventRow(kind, store_id, dedupe_key, payload or {}, occurred_at)])
    return ids[0] if ids else None
