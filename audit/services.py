"""Writing audit events: audit.record() and the helpers that build before/after safely."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from core import bulk, context

from .chain import row_hash
from .models import AuditEvent

SECRET_MARK = "••• changed"
_CHAIN_LOCK = 7_301_117  # pg_advisory_xact_lock key that serialises appends to the chain


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
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        prev_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        values = {
            "created_at": timezone.now(),
            "actor_id": ctx.actor_id,
            "actor_display": ctx.actor_display[:200],
            "source": ctx.source,
            "request_id": ctx.request_id,
            "ip": ctx.ip,
            "user_agent": ctx.user_agent[:400],
            "store_id": store_id,
            "action": action,
            "target_type": target_type,
            "target_id": str(target_id or ""),
            "target_label": str(target_label)[:300],
            "before": before,
            "after": after,
            "reason": reason or "",
            "prev_hash": prev_hash,
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
    ctx = context.current()
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        prev_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        rows = []
        for item in items:
            target = item.get("target")
            before, after = diff(_value(item.get("before")), _value(item.get("after")))
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
                "actor_id": ctx.actor_id,
                "actor_display": ctx.actor_display[:200],
                "source": ctx.source,
                "request_id": ctx.request_id,
                "ip": ctx.ip,
                "user_agent": ctx.user_agent[:400],
                "store_id": store if isinstance(store, int) or store is None else store.pk,
                "action": action,
                "target_type": target_type,
                "target_id": str(target_id or ""),
                "target_label": str(target_label)[:300],
                "before": before,
                "after": after,
                "reason": item.get("reason") or "",
                "prev_hash": prev_hash,
            }
            values["hash"] = prev_hash = row_hash(values)
            rows.append(values)
        bulk.insert_rows(AuditEvent, rows)  # ids follow the rows' order, so the chain does
    return len(rows)


def verify_chain(*, batch_size: int = 2000):
    """Walk the chain in id order. Returns (checked_count, first_broken_event_or_None, why)."""
    prev = ""
    checked = 0
    queryset = AuditEvent.objects.order_by("id").values()
    for row in queryset.iterator(chunk_size=batch_size):
        if row["prev_hash"] != prev:
            return checked, row, "prev_hash does not match the previous row (a row was removed or reordered)"
        if row_hash(row) != row["hash"]:
            return checked, row, "content does not match its hash (the row was altered)"
        prev = row["hash"]
        checked += 1
    return checked, None, ""
