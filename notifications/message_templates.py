"""Message templates per event kind: reads (every kind, default or saved; a live preview) and writes (save,
reset to the default), checked when saved — an unknown placeholder or a message that cannot fit the robot's
byte limit at its longest is refused then, never when a message is sent (notifications.render.template_check).

Templates are company-wide (one per event kind, for every store): anyone who sees settings somewhere reads
them; only those who manage every store's settings change them. Saves and resets are audited
(message_template.update / message_template.reset).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record
from core.permissions import ALL_STORES, permissions_of
from events.choices import EventKind

from .defaults import DEFAULT_BODIES, PLACEHOLDERS, Placeholder, byte_limit
from .models import MessageFormat, MessageTemplate
from .render import StoreFacts, event_values, longest_bytes, sample_values, status_labels, template_check
from .selectors import latest_event


@dataclass(frozen=True, slots=True)
class CurrentTemplate:
    """The message an event kind is sent with now: saved (customized) or the default."""

    kind: str
    label: str
    msgtype: str
    body: str
    customized: bool
    updated_at: datetime | None


def _current(kind: str, row: MessageTemplate | None) -> CurrentTemplate:
    label = str(EventKind(kind).label)
    if row is None:
        return CurrentTemplate(kind, label, MessageFormat.TEXT, DEFAULT_BODIES[kind], False, None)
    return CurrentTemplate(kind, label, row.msgtype, row.body, True, row.updated_at)


def template_overview() -> list[CurrentTemplate]:
    """Every event kind's current message, in the order of EventKind (one query)."""
    rows = {t.event_kind: t for t in MessageTemplate.objects.all()}
    return [_current(kind, rows.get(kind)) for kind in EventKind.values]


def template_current(*, kind: str) -> CurrentTemplate:
    """One kind's current message (saved or default)."""
    return _current(kind, MessageTemplate.objects.filter(event_kind=kind).first())


def placeholders_of(kind: str) -> tuple[Placeholder, ...]:
    return PLACEHOLDERS.get(kind, ())


def template_can_manage(*, viewer) -> bool:
    """Whether the viewer may change templates (settings_manage on every store)."""
    return permissions_of(viewer).stores_with("settings_manage") is ALL_STORES


def _preview_values(*, viewer, kind: str) -> tuple[dict[str, str], str]:
    """Values of the latest event of this kind the viewer may see, else samples; and which it was."""
    event = latest_event(viewer=viewer, kind=kind)
    if event is None:
        return sample_values(kind), _("sample values (no event of this kind yet)")
    store = event.store
    facts = StoreFacts(store.name, store.platform, store.site, store.tzinfo) if store is not None else None
    values = event_values(
        kind,
        event.payload or {},
        facts,
        occurred_at=event.occurred_at,
        labels=status_labels(),
        default_tz=ZoneInfo(settings.TIME_ZONE),
    )
    when = event.occurred_at.strftime("%Y-%m-%d %H:%M") if event.occurred_at else ""
    return values, _("the latest event of this kind (%(when)s)") % {"when": when}


def template_preview(*, viewer, kind: str, msgtype: str | None, body: str | None) -> dict:
    """A draft rendered for the viewer: {"ok", "content", "bytes", "longest", "limit", "errors", "source"}."""
    msgtype = msgtype if msgtype in MessageFormat.values else MessageFormat.TEXT
    body = body or ""
    limit = byte_limit(msgtype)
    try:
        compiled = template_check(kind, msgtype, body)
    except ValidationError as exc:
        return {"ok": False, "content": "", "bytes": 0, "longest": 0, "limit": limit, "errors": exc.messages}
    values, source = _preview_values(viewer=viewer, kind=kind)
    content = compiled.render(values)
    return {
        "ok": True,
        "content": content,
        "bytes": len(content.encode()),
        "longest": longest_bytes(compiled),
        "limit": limit,
        "errors": [],
        "source": source,
    }


def _require_manage(actor) -> None:
    if not template_can_manage(viewer=actor):
        raise PermissionDenied(_("Only those who manage every store's settings change message templates."))


@transaction.atomic
def template_save(*, actor, kind: str, msgtype: str, body: str) -> MessageTemplate:
    """Save one kind's message after checking it (placeholders known, fits the robot's limit at its longest).
    Audited message_template.update with the old and new text."""
    _require_manage(actor)
    if kind not in EventKind.values:
        raise ValidationError(_("Unknown event kind."))
    if msgtype not in MessageFormat.values:
        raise ValidationError({"msgtype": _("Choose text or markdown.")})
    template_check(kind, msgtype, body)
    row = MessageTemplate.objects.select_for_update().filter(event_kind=kind).first()
    before = {"msgtype": row.msgtype, "body": row.body} if row else {"msgtype": "text", "body": DEFAULT_BODIES[kind]}
    row = row or MessageTemplate(event_kind=kind)
    row.msgtype, row.body = msgtype, body
    row.save()
    record("message_template.update", target=row, before=before, after={"msgtype": msgtype, "body": body})
    return row


@transaction.atomic
def template_reset(*, actor, kind: str) -> None:
    """Go back to the default message of this kind (the saved one removed). Audited message_template.reset."""
    _require_manage(actor)
    row = MessageTemplate.objects.select_for_update().filter(event_kind=kind).first()
    if row is None:
        return
    before = {"msgtype": row.msgtype, "body": row.body}
    pk = row.pk
    row.delete()
    record(
        "message_template.reset",
        target_type="notifications.messagetemplate",
        target_id=pk,
        target_label=kind,
        before=before,
        after={"msgtype": "text", "body": DEFAULT_BODIES[kind]},
    )
