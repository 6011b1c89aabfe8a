"""Writing audit events: audit.record() and the helpers that build before/after safely."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, cast

import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core import bulk, context
from core.denied import Denial

from .chain import row_hash
from .models import AuditArchive, AuditEvent, DeniedRepeat
from .names import names_of

logger = logging.getLogger(__name__)

SECRET_MARK = "••• changed"
_CHAIN_LOCK = 7_301_117  # pg_advisory_xact_lock key that serialises appends to the chain

DENIED = "denied"  # the action of a refused request's event (a contract: the permission matrix looks for it)
DENIED_WINDOW = 60  # seconds: one `denied` event per actor and URL name in this window, repeats counted beside it


def _value(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items()}
    return str(value)


def snapshot(instance, fields, *, secret_fields=()) -> dict:
    """A JSON-safe dict of the given fields; secret fields become a marker, never the value."""
    data = {}
    for name in fields:
        if name in secret_fields:
            data[name] = SECRET_MARK if getattr(instance, name, None) else ""
        else:
            field = instance._meta.get_field(name)
            attname = getattr(field, "attname", name)
            data[name] = _value(getattr(instance, attname))
    return data


def diff(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Only the fields that changed; creation and deletion keep the whole side."""
    if before is None or after is None:
        return before, after
    changed = [k for k in after.keys() | before.keys() if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in sorted(changed)}, {k: after.get(k) for k in sorted(changed)}


def _lock_chain() -> None:
    """Serialise appends to the chain until the current transaction ends (PostgreSQL; SQLite writes one at a time)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])


def _actor(ctx: context.ActorContext) -> tuple[int | None, str]:
    """Who the bound context credits. The safety net: when nothing bound an actor but the request being
    served is authenticated (whatever authenticated it), that person is credited, never nobody."""
    if ctx.actor_id is None and (user := context.request_user(ctx)) is not None:
        return user.pk, str(user)
    return ctx.actor_id, ctx.actor_display


def _context_values(ctx: context.ActorContext) -> dict:
    actor_id, actor_display = _actor(ctx)
    return {
        "actor_id": actor_id,
        "actor_display": actor_display[:200],
        "source": ctx.source,
        "request_id": ctx.request_id,
        "ip": ctx.ip,
        "user_agent": ctx.user_agent[:400],
    }


def record(
    action: str,
    *,
    target=None,
    store=None,
    before=None,
    after=None,
    reason: str = "",
    target_type: str = "",
    target_id="",
    target_label: str = "",
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction (or one of its own).

    Actor, source, request id, IP and user agent come from the bound context (request middleware,
    task or command). before/after are reduced to the changed fields; callers pass secrets only as
    snapshot()'s marker.
    """
    ctx = context.current()
    before, after = diff(_value(before), _value(after))
    if target is not None:
        target_type = target_type or f"{target._meta.app_label}.{target._meta.model_name}"
        target_id = target_id or target.pk
        target_label = target_label or str(target)
    store_id = store if isinstance(store, int) or store is None else store.pk
    names = names_of([(target, before, after)])[0]
    with transaction.atomic():
        _lock_chain()
        prev_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        values = {
            "created_at": timezone.now(),
            **_context_values(ctx),
            "store_id": store_id,
            "action": action,
            "target_type": target_type,
            "target_id": str(target_id or ""),
            "target_label": str(target_label)[:300],
            "before": before,
            "after": after,
            "reason": reason or "",
            "prev_hash": prev_hash,
            "names": names,
        }
        values["hash"] = row_hash(values)
        return AuditEvent.objects.create(**values)


def record_many(action: str, items: list[dict]) -> int:
    """Append one event per item in one go (same context, same hashing and chain lock as record()).

    Each item takes record()'s keyword arguments: target, store, before, after, reason, target_type,
    target_id, target_label. Used by bulk operations (a grant on 1,000 stores writes 1,000 store-scoped
    events with one COPY on PostgreSQL, in chain order). Returns the number of events written.
    """
    if not items:
        return 0
    ctx_values = _context_values(context.current())
    changes = [diff(_value(item.get("before")), _value(item.get("after"))) for item in items]
    names = names_of(
        [(item.get("target"), before, after) for item, (before, after) in zip(items, changes, strict=True)]
    )
    with transaction.atomic():
        _lock_chain()
        now = timezone.now()  # taken under the lock, as record()'s: events are appended in time order
        prev_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        rows = []
        for item, (before, after), item_names in zip(items, changes, names, strict=True):
            target = item.get("target")
            target_type = item.get("target_type", "")
            target_id = item.get("target_id", "")
            target_label = item.get("target_label", "")
            if target is not None:
                target_type = target_type or f"{target._meta.app_label}.{target._meta.model_name}"
                target_id = target_id or target.pk
                target_label = target_label or str(target)
            store = item.get("store")
            values = {
                "created_at": now,
                **ctx_values,
                "store_id": store if isinstance(store, int) or store is None else store.pk,
                "action": action,
                "target_type": target_type,
                "target_id": str(target_id or ""),
                "target_label": str(target_label)[:300],
                "before": before,
                "after": after,
                "reason": item.get("reason") or "",
                "prev_hash": prev_hash,
                "names": item_names,
            }
            values["hash"] = prev_hash = row_hash(values)
            rows.append(values)
        bulk.insert_rows(AuditEvent, rows)  # ids follow the rows' order, so the chain does
    return len(rows)


# ------------------------------------------------------------------------------------------- refusals

_redis_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _redis_client
    if _redis_client is None:
        _redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.25, socket_timeout=0.25)
    return _redis_client


def denied_record(denial: Denial) -> AuditEvent | None:
    """Record a refused request as one `denied` event, at most one per actor and URL name per minute.

    The event's `after` holds `url_name`, `method`, `target` (the URL kwargs), `reason`, `path` and `status`;
    its actor is the bound one (empty for an anonymous caller). Within the minute a repeat only adds to the
    event's DeniedRepeat counter, so a flood cannot grow the log. The minute is a Redis key (SET NX EX); when
    Redis cannot be reached the database answers instead (the last such event, under the chain lock).
    Returns the new event, or None for a repeat.
    """
    actor_id, _display = _actor(context.current())
    key = f"shopcrew:denied:{actor_id or 'anon'}:{denial.url_name}"
    try:
        return _denied_record_redis(denial, key)
    except redis.RedisError as exc:
        logger.warning("refusal window unavailable in Redis (%s); coalescing through the database", exc)
        return _denied_record_db(denial, actor_id)


def _denied_record_redis(denial: Denial, key: str) -> AuditEvent | None:
    client = _redis()
    if not client.set(key, "", nx=True, ex=DENIED_WINDOW):
        stored = cast("bytes | None", client.get(key))  # the synchronous client (redis' stubs also allow async)
        event_id, _sep, event_hash = (stored or b"").decode().partition(":")
        if not event_id or (event_id.isdigit() and _count_repeat(event_id, event_hash)):
            return None  # a repeat (or one racing the first, still being written)
        # The key names an event the database does not hold (restored or rolled back): start a new minute.
    try:
        event = _record_denial(denial)
    except BaseException:
        client.delete(key)
        raise
    client.set(key, f"{event.pk}:{event.hash}", ex=DENIED_WINDOW)
    return event


def _denied_record_db(denial: Denial, actor_id: int | None) -> AuditEvent | None:
    with transaction.atomic():
        _lock_chain()
        recent = (
            AuditEvent.objects.filter(
                action=DENIED,
                actor_id=actor_id,
                created_at__gte=timezone.now() - timedelta(seconds=DENIED_WINDOW),
                after__url_name=denial.url_name,
            )
            .values_list("pk", "hash")
            .first()
        )
        if recent is not None and _count_repeat(*recent):
            return None
        return _record_denial(denial)


def _record_denial(denial: Denial) -> AuditEvent:
    single = next(iter(denial.target.values())) if len(denial.target) == 1 else ""
    after = {
        "url_name": denial.url_name,
        "method": denial.method,
        "target": denial.target,
        "reason": denial.reason,
        "path": denial.path,
        "status": denial.status,
    }
    return record(
        DENIED, target_type="url", target_id=single[:64], target_label=denial.path, after=after, reason=denial.reason
    )


def _count_repeat(event_id, event_hash: str) -> bool:
    """Add one to the event's repeat counter; False when no such event exists (matched by id and hash, so a
    reused id after a rollback is never mistaken for it)."""
    table, events = DeniedRepeat._meta.db_table, AuditEvent._meta.db_table
    sql = (
        f"INSERT INTO {table} (event_id, repeats, last_at) SELECT id, 1, %s FROM {events} WHERE id = %s AND hash = %s "
        f"ON CONFLICT (event_id) DO UPDATE SET repeats = {table}.repeats + 1, last_at = excluded.last_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), int(event_id), event_hash])
        return cursor.rowcount > 0


def verify_chain(*, batch_size: int = 2000, on_row: Callable[[int, Mapping[str, Any]], str] | None = None):
    """Walk the chain in id order, `batch_size` rows at a time. Returns (checked_count, first_broken_event_or_None,
    why). `on_row(position, row)` is asked about each row that verified (position 1 is the oldest); a non-empty
    answer stops the walk there as a break with that reason (audit.checkpoints holds rows to its checkpoints)."""
    # Events archived (audit.archive) are verified in their files: the table's chain goes on from their end.
    archived = AuditArchive.objects.order_by("-last_id").values_list("head_hash", "total").first()
    prev, checked = archived if archived else ("", 0)
    queryset = AuditEvent.objects.order_by("id").values()
    for row in queryset.iterator(chunk_size=batch_size):
        if row["prev_hash"] != prev:
            return checked, row, "prev_hash does not match the previous row (a row was removed or reordered)"
        if row_hash(row) != row["hash"]:
            return checked, row, "content does not match its hash (the row was altered)"
        if on_row is not None and (why := on_row(checked + 1, row)):
            return checked, row, why
        prev = row["hash"]
        checked += 1
    return checked, None, ""
