"""Polling, the reconciler: the dispatcher that shares due stores among workers, the per-store poll of every
stream from its durable cursor, and the store's sync health (backoff, pause, one alert per episode).

- `sync_dispatch()` (beat, every minute) creates the SyncState of stores that lack one, then claims due rows in
  batches with `SELECT … FOR UPDATE SKIP LOCKED`, moves their `next_poll_at` forward (a longer interval where
  pushes arrived recently) and commits before the caller queues one poll per store: many dispatchers and
  workers share stores and none is claimed twice.
- `store_poll(store_id=…)` holds a per-store advisory lock (a slow poll never overlaps the next one), then reads
  each stream — Shopee orders by update_time, returns, stock; Ozon FBS (v4) and FBO (v3) postings, returns,
  stocks — from its cursor in `SyncState.cursors` minus an overlap window, so late updates are read again.
  Each page is upserted in its own transaction; the stream's last page commits the new cursor with it.
- A transient failure backs the store off exponentially (`failures`, `last_error`, health "failing") and
  alerts `store.sync_failing` once per episode after SHOPCREW_POLL_ALERT_AFTER failures; a refused
  authorization pauses it (health "paused") and alerts once; authorizing again resumes it (orders.signals).
"""

from __future__ import annotations

import json
import logging
import queue as queue_module
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

import events
from events.choices import EventKind
from stores.choices import StoreStatus
from stores.clients.errors import PlatformError
from stores.clients.shopee import DETAIL_BATCH_SIZE
from stores.credentials import sanitize_error
from stores.models import OzonCredential, ShopeeApp, ShopeeCredential, Store

from . import normalize
from .choices import SyncHealth
from .models import SyncState
from .platforms import (
    AuthorizationLost,
    NotConnected,
    OzonSession,
    ShopeeSession,
    chunks,
    safe_rows,
    shopee_order_rows,
    store_session,
)
from .services import cases_upsert_page, orders_upsert_page, stock_upsert_page

logger = logging.getLogger(__name__)

ADVISORY_LOCK_CLASS = 7301  # pg_try_advisory_lock(class, store_id): one poll of a store at a time


def conf(name: str, default):
    """A polling setting (config/settings may override any of them)."""
    return getattr(settings, name, default)


def poll_interval() -> timedelta:
    return timedelta(seconds=conf("SHOPCREW_POLL_INTERVAL", 60))


def dispatch_slack() -> timedelta:
    """A store due this soon is claimed now: beat starts the dispatcher every minute, never exactly on the
    second, so a store due a moment after this run would otherwise wait a whole extra minute (doubling the
    polling-only latency for half the stores)."""
    return timedelta(seconds=conf("SHOPCREW_POLL_DISPATCH_SLACK", 5))


def poll_interval_pushing() -> timedelta:
    """How often a store whose pushes arrive is polled: the poll only reconciles what pushes missed."""
    return timedelta(seconds=conf("SHOPCREW_POLL_INTERVAL_PUSHING", 600))


def push_fresh() -> timedelta:
    """A push within this long means the store's pushes are working."""
    return timedelta(seconds=conf("SHOPCREW_PUSH_FRESH", 1800))


def overlap() -> timedelta:
    return timedelta(seconds=conf("SHOPCREW_POLL_OVERLAP", 600))


def first_lookback() -> timedelta:
    return timedelta(seconds=conf("SHOPCREW_POLL_FIRST_LOOKBACK", 3 * 86400))


def backoff_cap() -> timedelta:
    return timedelta(seconds=conf("SHOPCREW_POLL_BACKOFF_CAP", 1800))


def slow_every() -> timedelta:
    """Streams less urgent than new orders (returns, Shopee stock, Ozon FBO, which announces nothing) are read at
    most this often; pushes and their fetches are the fast path for them (SHOPCREW_POLL_SLOW_EVERY)."""
    return timedelta(seconds=conf("SHOPCREW_POLL_SLOW_EVERY", 300))


def stock_every() -> timedelta:
    """Ozon stocks have no "changed since" filter: the whole list is read at most this often."""
    return timedelta(seconds=conf("SHOPCREW_POLL_STOCK_EVERY", 600))


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _db_datetime(value: datetime):
    """A datetime as a raw-SQL parameter: as is for PostgreSQL, the backend's stored form for SQLite."""
    return value if _postgres() else connection.ops.adapt_datetimefield_value(value)


# --- sync states and the dispatcher -------------------------------------------------------------------


def sync_states_ensure(*, now: datetime | None = None) -> int:
    """Give every store without a SyncState one, due at once: one INSERT … SELECT, so a store created later is
    picked up by the next dispatch. Returns how many were created."""
    table, stores = SyncState._meta.db_table, Store._meta.db_table
    empty = "'{}'::jsonb" if _postgres() else "'{}'"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (store_id, health, next_poll_at, failures, failure_episode, last_error, cursors) "
            f"SELECT s.id, %s, %s, 0, 0, '', {empty} FROM {stores} s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} x WHERE x.store_id = s.id) "
            "ON CONFLICT (store_id) DO NOTHING",
            [SyncHealth.OK, _db_datetime(now or timezone.now())],
        )
        return cursor.rowcount


def sync_claim_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Claim up to `limit` due stores (or due within dispatch_slack()) and move their next poll forward, in one
    short transaction: rows another
    dispatcher holds are skipped (SKIP LOCKED), so no store is claimed twice. Paused stores (a store paused by
    a person, or a sync paused for its authorization) are not claimed. Returns the claimed store ids."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = list(
            SyncState.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(next_poll_at__lte=now + dispatch_slack())
            .exclude(health=SyncHealth.PAUSED)
            .exclude(store__status=StoreStatus.PAUSED)
            .order_by("next_poll_at")
            .values_list("pk", "store_id")[:limit]
        )
        if claimed:
            pushing = Q(last_push_at__gte=now - push_fresh())
            SyncState.objects.filter(pk__in=[pk for pk, _ in claimed]).update(
                next_poll_at=Case(
                    When(pushing, then=Value(now + poll_interval_pushing())), default=Value(now + poll_interval())
                ),
            )
    return [store_id for _, store_id in claimed]


def sync_dispatch(
    *,
    queue: Callable[[list[int]], object],
    now: datetime | None = None,
    batch: int = 500,
    max_batches: int = 100,
    per_task: int | None = None,
) -> int:
    """The dispatcher: ensure sync states, then claim due stores batch by batch (each claim committed before
    its polls are queued) until none is due. Claimed stores are queued `per_task` at a time (SHOPCREW_POLL_PER_TASK,
    default 20) with `queue(store_ids)`: one task polls several stores, overlapping their waits (stores_poll).
    Returns how many stores were queued."""
    now = now or timezone.now()
    per_task = per_task or int(conf("SHOPCREW_POLL_PER_TASK", 20))
    sync_states_ensure(now=now)
    queued = 0
    for _ in range(max_batches):
        store_ids = sync_claim_due(now=now, limit=batch)
        for start in range(0, len(store_ids), per_task):
            queue(store_ids[start : start + per_task])
        queued += len(store_ids)
        if len(store_ids) < batch:
            break
    return queued


def stores_poll(*, store_ids: list[int], threads: int | None = None, now: datetime | None = None) -> dict[int, str]:
    """Poll several stores in one worker process with `threads` threads (SHOPCREW_POLL_THREADS, default 4), so
    one store's waits on the platform and the database overlap another's work; each thread has its own database
    connection, closed when it is done. Returns {store_id: outcome}."""
    threads = max(1, min(threads or int(conf("SHOPCREW_POLL_THREADS", 4)), len(store_ids)))
    if threads == 1:
        return {store_id: store_poll(store_id=store_id, now=now).outcome for store_id in store_ids}
    todo: queue_module.SimpleQueue[int] = queue_module.SimpleQueue()
    for store_id in store_ids:
        todo.put(store_id)
    outcomes: dict[int, str] = {}

    def work() -> None:
        try:
            while True:
                try:
                    store_id = todo.get_nowait()
                except queue_module.Empty:
                    return
                try:
                    outcomes[store_id] = store_poll(store_id=store_id, now=now).outcome
                except Exception:  # noqa: BLE001 - one store's bug must not stop the others; logged
                    logger.exception("poll of store %s crashed", store_id)
                    outcomes[store_id] = "error"
        finally:
            connection.close()

    workers = [threading.Thread(target=work, name=f"poll-{n}") for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return outcomes


# --- health --------------------------------------------------------------------------------------------


def _alert_failing(state: SyncState, *, reason: str, now: datetime) -> None:
    """store.sync_failing for this episode (its dedupe key names the episode: once per episode)."""
    store = state.store
    payload = {
        "store": store.name,
        "store_id": store.pk,
        "platform": store.platform,
        "reason": reason,
        "error": state.last_error,
        "failures": state.failures,
        "since": state.last_error_at.isoformat() if state.last_error_at else None,
    }
    key = f"{EventKind.STORE_SYNC_FAILING}:{store.pk}:{state.failure_episode}"
    events.emit(EventKind.STORE_SYNC_FAILING, store.pk, payload, key, occurred_at=now)


def sync_record_success(
    *, store_id: int, now: datetime | None = None, cursors: dict | None = None, unlock: bool = False
) -> None:
    """A poll went through: failures cleared, health ok (a paused sync stays paused until authorized again), and
    the cursors of streams that found nothing moved — one statement, which also releases the store's poll lock
    (`unlock`). It commits without waiting for the disk flush (synchronous_commit off for this transaction
    only): losing it in a crash only means the next poll reads the same empty windows again."""
    now = now or timezone.now()
    table = SyncState._meta.db_table
    if not _postgres():  # SQLite (bin/run's default): no advisory lock to release, json_patch for the merge
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET health = %s, failures = 0, last_success_at = %s, last_polled_at = %s, "
                "last_error = '', cursors = json_patch(cursors, %s) WHERE store_id = %s AND health <> %s",
                [str(SyncHealth.OK), _db_datetime(now), _db_datetime(now), json.dumps(cursors or {}), store_id]
                + [str(SyncHealth.PAUSED)],
            )
        return
    release = "pg_advisory_unlock(%s, %s)" if unlock else "true"
    params: list[str | int | datetime] = [str(SyncHealth.OK), now, now, json.dumps(cursors or {}), store_id]
    params += [str(SyncHealth.PAUSED), *([ADVISORY_LOCK_CLASS, store_id] if unlock else [])]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH done AS (UPDATE {table} SET health = %s, failures = 0, last_success_at = %s, "
            "last_polled_at = %s, last_error = '', cursors = cursors || %s::jsonb "
            "WHERE store_id = %s AND health <> %s RETURNING 1) "
            f"SELECT set_config('synchronous_commit', 'off', true), {release}, (SELECT count(*) FROM done)",
            params,
        )


@transaction.atomic
def sync_record_failure(
    *, store_id: int, error: str, retry_after: float | None = None, now: datetime | None = None
) -> SyncState:
    """A transient failure: one more failure (a new episode when the store was healthy), the next poll backed
    off exponentially (interval × 2^(failures−1), at most SHOPCREW_POLL_BACKOFF_CAP, never sooner than the
    platform asked), the error kept (never a secret: callers pass sanitized text), and store.sync_failing
    emitted once when the episode reaches SHOPCREW_POLL_ALERT_AFTER failures."""
    now = now or timezone.now()
    state = SyncState.objects.select_for_update().select_related("store").get(store_id=store_id)
    if state.failures == 0 and state.health != SyncHealth.PAUSED:
        state.failure_episode += 1
    state.failures += 1
    delay = min(backoff_cap(), poll_interval() * 2 ** min(state.failures - 1, 20))
    delay = max(delay, timedelta(seconds=retry_after or 0))
    state.next_poll_at = now + delay
    state.last_error, state.last_error_at, state.last_polled_at = error[:500], now, now
    if state.health != SyncHealth.PAUSED:
        state.health = SyncHealth.FAILING
    state.save(
        update_fields=[
            "failures",
            "failure_episode",
            "next_poll_at",
            "last_error",
            "last_error_at",
            "last_polled_at",
            "health",
        ]
    )
    if state.health == SyncHealth.FAILING and state.failures >= conf("SHOPCREW_POLL_ALERT_AFTER", 3):
        _alert_failing(state, reason="failing", now=now)
    return state


@transaction.atomic
def sync_record_paused(*, store_id: int, error: str, now: datetime | None = None) -> SyncState:
    """The platform refused the store's authorization: health paused (no more polls) and store.sync_failing
    (reason "authorization") emitted once for this episode; authorizing again resumes (sync_resume)."""
    now = now or timezone.now()
    state = SyncState.objects.select_for_update().select_related("store").get(store_id=store_id)
    if state.health != SyncHealth.PAUSED:
        state.failure_episode += 1  # a new episode even after failing: "authorize again" is news of its own
        state.health = SyncHealth.PAUSED
    state.failures += 1
    state.last_error, state.last_error_at, state.last_polled_at = error[:500], now, now
    state.save(update_fields=["health", "failures", "failure_episode", "last_error", "last_error_at", "last_polled_at"])
    _alert_failing(state, reason="authorization", now=now)
    return state


def sync_resume(*, store_id: int, now: datetime | None = None) -> int:
    """The store was authorized (or given keys) again: a paused or failing sync is healthy and due at once."""
    now = now or timezone.now()
    return (
        SyncState.objects.filter(store_id=store_id)
        .exclude(health=SyncHealth.OK)
        .update(health=SyncHealth.OK, failures=0, next_poll_at=now, last_error="")
    )


def sync_record_push(*, store_id: int, now: datetime | None = None) -> None:
    """A verified push arrived for the store (its pushes work: it is polled less often)."""
    SyncState.objects.filter(store_id=store_id).update(last_push_at=now or timezone.now())


# --- streams -------------------------------------------------------------------------------------------


@dataclass
class PollReport:
    """What one poll of a store did: pages written per stream, events emitted, rows skipped."""

    store_id: int
    outcome: str = "ok"  # ok | skipped | busy | not_connected | failing | paused
    pages: dict[str, int] = field(default_factory=dict)
    events: int = 0
    cursors: dict[str, float] = field(default_factory=dict)  # streams whose window held nothing: cursor to commit
    skipped: list[str] = field(default_factory=list)  # rows of the wrong shape left out (logged), where they were


def _window(state: SyncState, stream: str, now: datetime) -> tuple[datetime, datetime, bool]:
    """(from, to, seen_before) of a stream: its cursor minus the overlap, or the first look-back."""
    cursor = state.cursors.get(stream)
    if cursor is None:
        return now - first_lookback(), now, False
    start = datetime.fromtimestamp(float(cursor), tz=UTC)
    return min(start - overlap(), now - timedelta(seconds=1)), now, True


def _set_cursor(state: SyncState, stream: str, value: datetime) -> None:
    """Commit the stream's new cursor (inside the caller's transaction, with the stream's last page)."""
    state.cursors[stream] = value.timestamp()
    table = SyncState._meta.db_table
    with connection.cursor() as cursor:
        if _postgres():
            cursor.execute(
                f"UPDATE {table} SET cursors = jsonb_set(cursors, %s, to_jsonb(%s::float)) WHERE id = %s",
                [[stream], value.timestamp(), state.pk],
            )
        else:
            cursor.execute(
                f"UPDATE {table} SET cursors = json_set(cursors, %s, %s) WHERE id = %s",
                [f'$."{stream}"', value.timestamp(), state.pk],
            )


def _pages(
    state: SyncState,
    stream: str,
    to: datetime,
    batches: Iterable[list],
    write: Callable[[list], object],
    report: PollReport,
) -> None:
    """Write each batch in its own transaction; the cursor moves to `to` with the last one. A window that held
    nothing writes nothing here: its cursor is committed with the poll's outcome (sync_record_success), one
    statement for every stream. A failure part-way leaves the cursor where it was: the next poll reads the
    window again, and the upserts make the repeat a no-op."""
    pending = None
    for batch in batches:
        if pending is not None:
            with transaction.atomic():
                _count(report, stream, write(pending))
        pending = batch
    if not pending:
        report.cursors[stream] = to.timestamp()
        return
    with transaction.atomic():
        _count(report, stream, write(pending))
        _set_cursor(state, stream, to)


def _count(report: PollReport, stream: str, result) -> None:
    report.pages[stream] = report.pages.get(stream, 0) + 1
    report.events += len(getattr(result, "events", []) or [])


def _shopee_streams(session: ShopeeSession, state: SyncState, now: datetime, report: PollReport) -> None:
    store = session.store

    def orders(client) -> None:
        start, end, seen = _window(state, "orders", now)
        refs = client.get_order_list(time_from=start, time_to=end, time_range_field="update_time", with_status=False)

        def write(sns: list) -> object:
            details = client.get_order_detail(sns, skipped=report.skipped)
            rows = shopee_order_rows(client, details, store_id=store.pk)
            return orders_upsert_page(store=store, rows=rows, announce=seen or _announce_history())

        _pages(state, "orders", end, chunks((r.order_sn for r in refs), DETAIL_BATCH_SIZE), write, report)

    def returns(client) -> None:
        start, end, seen = _window(state, "returns", now)
        found = client.get_return_list(time_from=start, time_to=end, time_range_field="update_time")
        batches = (
            safe_rows(b, normalize.shopee_case, store_id=store.pk, what="Shopee return") for b in chunks(found, 100)
        )
        _pages(
            state,
            "returns",
            end,
            batches,
            lambda rows: cases_upsert_page(store=store, rows=rows, announce=seen or _announce_history()),
            report,
        )

    def stock(client) -> None:
        start, end, seen = _window(state, "stock", now)
        window = {"update_time_from": start, "update_time_to": end} if seen else {}
        items = (ref.item_id for ref in client.get_item_list(**window))
        batches = (
            safe_rows(client.get_stock(ids), normalize.shopee_stock, store_id=store.pk, what="Shopee item")
            for ids in chunks(items, 50)
        )
        _pages(state, "stock", end, batches, lambda rows: stock_upsert_page(store=store, rows=rows), report)

    for name, stream, every in (
        ("orders", orders, None),
        ("returns", returns, slow_every()),
        ("stock", stock, slow_every()),
    ):
        if _due(state, name, now, every):
            session.run(stream)


def _ozon_streams(session: OzonSession, state: SyncState, now: datetime, report: PollReport) -> None:
    store = session.store

    def postings(client, stream: str) -> None:
        start, end, seen = _window(state, stream, now)
        if stream == "fbs" and seen:
            found = client.iter_fbs_postings(
                since=now - timedelta(days=90), to=end, last_changed_status_date=(start, end), skipped=report.skipped
            )
        elif stream == "fbs":
            found = client.iter_fbs_postings(since=start, to=end, skipped=report.skipped)
        else:
            found = client.iter_fbo_postings(since=start, to=end, skipped=report.skipped)
        batches = (
            safe_rows(b, normalize.ozon_order, store_id=store.pk, what="Ozon posting") for b in chunks(found, 100)
        )
        announce = seen or _announce_history()
        _pages(
            state,
            stream,
            end,
            batches,
            lambda rows: orders_upsert_page(store=store, rows=rows, announce=announce),
            report,
        )

    def returns(client) -> None:
        start, end, seen = _window(state, "returns", now)
        found = client.iter_returns(time_from=start, time_to=end, date_field="visual_status_change_moment")
        batches = (safe_rows(b, normalize.ozon_case, store_id=store.pk, what="Ozon return") for b in chunks(found, 100))
        _pages(
            state,
            "returns",
            end,
            batches,
            lambda rows: cases_upsert_page(store=store, rows=rows, announce=seen or _announce_history()),
            report,
        )

    def stocks(client) -> None:
        batches = (
            safe_rows(b, normalize.ozon_stocks, store_id=store.pk, what="Ozon stock item")
            for b in chunks(client.iter_stocks(), 500)
        )
        _pages(state, "stock", now, batches, lambda rows: stock_upsert_page(store=store, rows=rows), report)

    streams = (
        ("fbs", lambda client: postings(client, "fbs"), None),
        ("fbo", lambda client: postings(client, "fbo"), slow_every()),
        ("returns", returns, slow_every()),
        ("stock", stocks, stock_every()),
    )
    for name, stream, every in streams:
        if _due(state, name, now, every):
            session.run(stream)


def _due(state: SyncState, stream: str, now: datetime, every: timedelta | None) -> bool:
    """Whether a stream is read this poll: always (every None), when never read, or `every` after its cursor."""
    cursor = state.cursors.get(stream)
    return every is None or cursor is None or now.timestamp() - float(cursor) >= every.total_seconds()


def _announce_history() -> bool:
    """Whether a store's first import announces what it finds (default no: history is not news)."""
    return bool(conf("SHOPCREW_POLL_ANNOUNCE_HISTORY", False))


@contextmanager
def store_lock(store_id: int):
    """A session-level advisory lock on the store (held across the poll's transactions); yields whether it
    was taken. A second poll of the same store finds it taken and does nothing. On SQLite (one machine, writes
    serialized by the database) there is no such lock: the dispatcher's claim alone keeps polls apart."""
    if not _postgres():
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_LOCK_CLASS, store_id])
        taken = cursor.fetchone()[0]
    try:
        yield taken
    finally:
        if taken:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_LOCK_CLASS, store_id])


def store_poll(*, store_id: int, now: datetime | None = None) -> PollReport:
    """Poll every stream of one store from its cursors and record the outcome in its sync health.

    Never raises for a platform failure: transient ones back the store off, a refused authorization pauses
    it, a malformed answer counts as a failure. Paused stores and stores never connected are skipped. The
    store's advisory lock (a second poll of it at the same time does nothing: "busy") is taken by the query
    that reads its state and released by the statement that records a success, so a poll with nothing new
    costs two database round trips besides its platform calls."""
    now = now or timezone.now()
    report = PollReport(store_id=store_id)
    state, locked = _state_locked(store_id)
    if state is None:
        report.outcome = "skipped"
        return report
    if not locked:
        report.outcome = "busy"
        return report
    released = False
    try:
        released = _poll_locked(state, now, report)
    finally:
        if not released and _postgres():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_LOCK_CLASS, store_id])
    return report


# The poll's first query, compiled once per process: the ORM's select_related over five tables cost more CPU to
# build than the whole rest of a poll with nothing new. Rows are turned into model instances as the ORM would
# (Model.from_db, each field's from_db_value: credentials decrypted), with the relations cached.
_JOINED = (
    ("ss", SyncState, None),
    ("st", Store, ("ss", "store")),
    ("sc", ShopeeCredential, ("st", "shopee_credential")),
    ("app", ShopeeApp, ("sc", "app")),
    ("oc", OzonCredential, ("st", "ozon_credential")),
)


@lru_cache(maxsize=2)
def _state_sql(postgres: bool) -> str:
    columns = [f"{alias}.{f.column}" for alias, model, _ in _JOINED for f in model._meta.concrete_fields]
    t = {alias: model._meta.db_table for alias, model, _ in _JOINED}
    # SQLite has no advisory locks (see store_lock): the two parameters make a constant "taken"
    lock = "pg_try_advisory_lock(%s, %s)" if postgres else "(%s + %s) IS NOT NULL"
    return (
        f"SELECT {', '.join(columns)}, {lock} FROM {t['ss']} ss "
        f"JOIN {t['st']} st ON st.id = ss.store_id LEFT JOIN {t['sc']} sc ON sc.store_id = st.id "
        f"LEFT JOIN {t['app']} app ON app.id = sc.app_id LEFT JOIN {t['oc']} oc ON oc.store_id = st.id "
        "WHERE ss.store_id = %s AND ss.health <> %s AND st.status <> %s"
    )


def _state_locked(store_id: int) -> tuple[SyncState | None, bool]:
    """(the store's SyncState with its store and credentials, whether the store's advisory lock was taken in the
    same statement); (None, False) for a paused sync or store (the lock is then not tried)."""
    if not _postgres():  # SQLite: the ORM's converters (naive datetimes), and no advisory lock (store_lock)
        found = (
            SyncState.objects.select_related("store", "store__shopee_credential__app", "store__ozon_credential")
            .filter(store_id=store_id)
            .exclude(health=SyncHealth.PAUSED)
            .exclude(store__status=StoreStatus.PAUSED)
            .first()
        )
        return found, found is not None
    with connection.cursor() as cursor:
        params: list[int | str] = [ADVISORY_LOCK_CLASS, store_id, store_id, SyncHealth.PAUSED, StoreStatus.PAUSED]
        cursor.execute(_state_sql(_postgres()), params)
        row = cursor.fetchone()
    if row is None:
        return None, False
    objects: dict[str, object] = {}
    position = 0
    for alias, model, parent in _JOINED:
        fields = model._meta.concrete_fields
        values = list(row[position : position + len(fields)])
        position += len(fields)
        instance = None
        if values[0] is not None:  # the primary key: NULL when the LEFT JOIN found nothing
            for n, f in enumerate(fields):
                if hasattr(f, "from_db_value"):
                    values[n] = f.from_db_value(values[n], None, connection)
            instance = model.from_db(connection.alias, [f.attname for f in fields], values)
        objects[alias] = instance
        if parent is not None and objects[parent[0]] is not None:
            objects[parent[0]]._state.fields_cache[parent[1]] = instance  # type: ignore[attr-defined]
    state = objects["ss"]
    assert isinstance(state, SyncState)
    return state, bool(row[position])


def _poll_locked(state: SyncState, now: datetime, report: PollReport) -> bool:
    """Run the streams and record the outcome; returns whether the store's lock was released on the way."""
    store = state.store
    session = None
    try:
        session = store_session(store)
        if isinstance(session, ShopeeSession):
            _shopee_streams(session, state, now, report)
        else:
            _ozon_streams(session, state, now, report)
    except NotConnected:
        report.outcome = "not_connected"
        SyncState.objects.filter(pk=state.pk).update(last_polled_at=now)
        return False
    except AuthorizationLost as exc:
        report.outcome = "paused"
        sync_record_paused(store_id=store.pk, error=_text(exc, session), now=now)
        return False
    except PlatformError as exc:
        report.outcome = "failing"
        logger.warning("poll of store %s failed: %s", store.pk, _text(exc, session))
        sync_record_failure(store_id=store.pk, error=_text(exc, session), retry_after=exc.retry_after, now=now)
        return False
    if report.skipped:
        logger.warning(
            "poll of store %s skipped %d malformed rows: %s", store.pk, len(report.skipped), report.skipped[:5]
        )
    sync_record_success(store_id=store.pk, now=now, cursors=report.cursors, unlock=True)
    return True


def _text(exc: BaseException, session) -> str:
    return session.secret_free(exc) if session is not None else sanitize_error(exc)


# --- what the store page shows -------------------------------------------------------------------------

SYNC_BADGES: dict[str, str] = {SyncHealth.OK: "ok", SyncHealth.FAILING: "warn", SyncHealth.PAUSED: "bad"}


def sync_health_of(*, store) -> dict | None:
    """The store page's sync-health block: health (label and badge), when it last polled and succeeded, the last
    push, the next poll, consecutive failures and the last error (sanitized when recorded: never a secret).
    None before the store's first dispatch. One query."""
    state = SyncState.objects.filter(store_id=getattr(store, "pk", store)).first()
    if state is None:
        return None
    pushing = state.last_push_at is not None and state.last_push_at >= timezone.now() - push_fresh()
    return {
        "state": state,
        "label": state.get_health_display(),
        "badge": SYNC_BADGES.get(state.health, "warn"),
        "paused": state.health == SyncHealth.PAUSED,
        "pushing": pushing,
    }
