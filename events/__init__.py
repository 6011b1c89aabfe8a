"""The outbox of business events (事件).

Every app announces a business transition with `events.emit(kind, store, payload, dedupe_key)` (or a batch
with `events.emit_many(rows)`) inside its own transaction; `notifications` consumes the rows. This package
imports only core (DESIGN.md), so anyone may emit without importing the consumer.
"""


def emit(kind, store, payload, dedupe_key, *, occurred_at=None):
    """One event; its id, or None if its dedupe key was already written (events.services.event_emit)."""
    from .services import event_emit

    return event_emit(kind, store, payload, dedupe_key, occurred_at=occurred_at)


def emit_many(rows):
    """A batch of events in one statement; the ids of the new ones (events.services.event_emit_many)."""
    from .services import event_emit_many

    return event_emit_many(rows)
