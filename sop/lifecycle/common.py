"""What the lifecycle services share: the WeCom member calls (H1's staff.wecom_services, never raising), making a
checklist with its items in one go, and one request id for every audit event of one lifecycle action."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.services import record
from core import context
from staff import wecom_services

from ..models import Checklist, ChecklistItem, ChecklistTemplate

WECOM_SECTION = "WeCom"


@dataclass
class WeComResult:
    """What a WeCom member call came to, in the shape of staff.wecom_services.WeComOutcome."""

    ok: bool
    skipped: bool = False
    errcode: int | None = None
    message: str = ""
    what_to_do: str = ""


def _outcome(raw: Any) -> WeComResult:
    return WeComResult(
        ok=bool(getattr(raw, "ok", False)),
        skipped=bool(getattr(raw, "skipped", False)),
        errcode=getattr(raw, "errcode", None),
        message=str(getattr(raw, "message", "") or ""),
        what_to_do=str(getattr(raw, "what_to_do", "") or ""),
    )


def wecom_call(name: str, staff, *, actor) -> WeComResult:
    """Call staff.wecom_services.<name>(staff, actor=actor) (create_member / disable_member; they never raise:
    an outcome says ok, skipped — member sync off, no userid — or WeCom's error in words with what to do)."""
    return _outcome(getattr(wecom_services, name)(staff, actor=actor))


@contextmanager
def one_story() -> Iterator[str]:
    """Every audit event written inside shares one request id (the request's own, or a new one outside a
    request), so the audit log tells one lifecycle action as one story."""
    current = context.current().request_id
    if current:
        yield current
        return
    with context.bound(request_id=context.new_request_id()) as ctx:
        yield ctx.request_id


@dataclass
class Item:
    """One checklist item to make."""

    title: str
    section: str = ""
    note: str = ""
    store_id: int | None = None
    data: dict = field(default_factory=dict)
    automatic: bool = False
    done: bool = False
    evidence_required: bool = False


def template_items(kind: str) -> list[Item]:
    """The items of the default template of `kind` (none when there is no default template)."""
    template = ChecklistTemplate.objects.filter(kind=kind, is_default=True).first()
    if template is None:
        return []
    return [
        Item(title=t.title, section=t.section, note=t.note, evidence_required=t.evidence_required)
        for t in template.items.all()
    ]


def checklist_make(*, kind: str, title: str, subject, assignee, actor, items: list[Item]) -> Checklist:
    """Make a checklist and its items (one insert for all items) inside the caller's transaction, audited as
    checklist.create naming how many items it holds and how many the console did already."""
    template = ChecklistTemplate.objects.filter(kind=kind, is_default=True).first()
    checklist = Checklist.objects.create(
        kind=kind, template=template, title=title[:200], subject=subject, assignee=assignee, created_by=actor
    )
    now = timezone.now()
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            checklist=checklist,
            position=i,
            section=item.section[:60],
            title=item.title[:300],
            note=item.note,
            store_id=item.store_id,
            data=item.data,
            automatic=item.automatic,
            evidence_required=item.evidence_required,
            done_at=now if item.done else None,
            done_by=actor if item.done else None,
        )
        for i, item in enumerate(items, start=1)
    )
    record(
        "checklist.create",
        target=checklist,
        after={
            "kind": kind,
            "title": checklist.title,
            "subject": getattr(subject, "pk", None),
            "assignee": getattr(assignee, "pk", None),
            "items": len(items),
            "done_by_console": sum(1 for i in items if i.done),
        },
    )
    return checklist


def wecom_item_settle(*, checklist: Checklist, outcome: WeComResult, actor, done_title: str) -> None:
    """Settle the checklist's WeCom item with what the call came to: done by the console when it succeeded,
    otherwise left to be done by hand with WeCom's message and what to do (skipped: sync is off). Audited."""
    item = checklist.items.filter(section=WECOM_SECTION).first()
    if item is None:
        return
    with transaction.atomic():
        if outcome.ok:
            item.done_at, item.done_by, item.automatic = timezone.now(), actor, True
            item.title = done_title[:300]
        else:
            item.automatic = False
            item.data = {**item.data, "errcode": outcome.errcode, "message": outcome.message}
            parts = [outcome.message, outcome.what_to_do]
            item.note = "\n".join(p for p in parts if p) or item.note
        item.save(update_fields=["done_at", "done_by", "automatic", "title", "data", "note"])
        record(
            "checklist_item.update",
            target=item,
            after={
                "wecom_ok": outcome.ok,
                "wecom_skipped": outcome.skipped,
                "errcode": outcome.errcode,
                "message": outcome.message,
            },
        )
