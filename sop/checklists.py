"""Writes of checklists: templates (edited by those who manage every store's settings), checklists made from them
(`checklist_create`, the one entry point the lifecycle uses too), the daily store check of every active store made
each morning in the store's time zone, ticking and unticking items, and the overdue reminder through the outbox.

Every service is atomic, checks the actor's right itself and records its audit events in its transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record, record_many
from core.denied import Refused
from events.services import EventRow, event_emit_many
from stores.choices import StoreStatus
from stores.models import Store
from stores.selectors import acting_owners

from . import defaults, selectors
from .models import Checklist, ChecklistItem, ChecklistKind, ChecklistTemplate, TemplateItem

OVERDUE_EVENT = "sop.checklist_overdue"
ITEM_FIELDS = ("section", "title", "note", "evidence_required", "fact")
TEMPLATE_FIELDS = ("name", "kind", "description", "is_default")
GENERATION_LOCK = 7_401_101  # pg advisory lock key: one generator at a time (another waits, then finds them made)


def _hhmm(value: str, fallback: time) -> time:
    try:
        hours, minutes = (int(part) for part in str(value).split(":", 1))
        return time(hours, minutes)
    except (TypeError, ValueError):
        return fallback


def daily_start_time() -> time:
    """When a store's daily check is made, in the store's time (SHOPCREW_SOP_DAILY_AT, "06:00")."""
    return _hhmm(getattr(settings, "SHOPCREW_SOP_DAILY_AT", "06:00"), time(6))


def daily_due_time() -> time:
    """When a store's daily check is due, in the store's time (SHOPCREW_SOP_DAILY_DUE, "18:00")."""
    return _hhmm(getattr(settings, "SHOPCREW_SOP_DAILY_DUE", "18:00"), time(18))


# ------------------------------------------------------------------------------------------------ templates
def templates_ensure() -> None:
    """The default templates (sop.defaults), created where missing; idempotent (the demo and generation call it)."""
    from django.apps import apps

    defaults.seed(apps, None)


def _template_snapshot(template: ChecklistTemplate, items: Iterable[Mapping[str, Any]]) -> dict:
    data: dict[str, Any] = {name: getattr(template, name) for name in TEMPLATE_FIELDS}
    data["items"] = [
        " · ".join(
            part
            for part in (
                item.get("section", ""),
                item["title"],
                "evidence" if item.get("evidence_required") else "",
                item.get("fact", ""),
            )
            if part
        )
        for item in items
    ]
    return data


def template_save(
    *,
    actor,
    template: ChecklistTemplate | None,
    name: str,
    kind: str,
    description: str = "",
    is_default: bool = False,
    items: list[Mapping[str, Any]],
) -> ChecklistTemplate:
    """Create a template (`template` None) or change one, its items replaced by `items` in that order (each a dict
    of section, title, note, evidence_required, fact). Making it the default of its kind takes that from the one
    that had it. Only super admins and people who manage every store's settings; audited with before and after."""
    if not selectors.template_can_manage(viewer=actor):
        raise Refused(_("Only people who manage the settings of every store may change checklist templates."))
    if not items:
        raise ValidationError(_("A template needs at least one item."))
    with transaction.atomic():
        before = None
        if template is None:
            template = ChecklistTemplate()
        else:
            template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
            before = _template_snapshot(template, template.items.order_by("position", "pk").values(*ITEM_FIELDS))
        if is_default:
            ChecklistTemplate.objects.filter(kind=kind, is_default=True).exclude(pk=template.pk).update(
                is_default=False
            )
        template.name, template.kind, template.description, template.is_default = name, kind, description, is_default
        template.full_clean()
        template.save()
        template.items.all().delete()
        TemplateItem.objects.bulk_create(
            TemplateItem(template=template, position=i, **{f: item.get(f, "") or _blank(f) for f in ITEM_FIELDS})
            for i, item in enumerate(items, start=1)
        )
        after = _template_snapshot(template, items)
        action = "checklist_template.create" if before is None else "checklist_template.update"
        record(action, target=template, before=before, after=after)
    return template


def _blank(field: str) -> Any:
    return False if field == "evidence_required" else ""


# ------------------------------------------------------------------------------------------------ checklists
def _item_rows(template: ChecklistTemplate | None) -> list[dict]:
    if template is None:
        return []
    return list(template.items.order_by("position", "pk").values(*ITEM_FIELDS))


def checklist_create(
    *,
    kind: str,
    title: str,
    template: ChecklistTemplate | None = None,
    subject=None,
    assignee=None,
    store: Store | None = None,
    items_extra: Iterable[Mapping[str, Any]] = (),
    actor=None,
    for_date: date | None = None,
    due_at: datetime | None = None,
    use_template: bool = True,
) -> Checklist:
    """Make a checklist: the items of `template` (the default template of `kind` when None and `use_template`),
    then `items_extra` (dicts of ChecklistItem fields: section, title, note, evidence_required, fact, facts, data,
    store, automatic, done_at, done_by, evidence). The caller checked the actor's right to start it (the lifecycle
    services do); `actor` is kept as created_by; audited as checklist.create (credited, as every audit event, to the
    request's or task's person)."""
    if template is None and use_template:
        template = selectors.template_default(kind=kind)
    with transaction.atomic():
        checklist = Checklist.objects.create(
            kind=kind,
            template=template,
            title=title[:200],
            store=store,
            subject=subject,
            assignee=assignee,
            for_date=for_date,
            due_at=due_at,
            created_by=actor,
        )
        rows = [*_item_rows(template), *items_extra]
        ChecklistItem.objects.bulk_create(
            ChecklistItem(checklist=checklist, position=i, **dict(row)) for i, row in enumerate(rows, start=1)
        )
        record(
            "checklist.create",
            target=checklist,
            store=store,
            after={
                "kind": kind,
                "title": checklist.title,
                "assignee": getattr(assignee, "pk", None),
                "items": len(rows),
            },
        )
    return checklist


# ------------------------------------------------------------------------------------------------ daily check
def _due_stores(stores: list[Store], now: datetime, start: time) -> dict[int, date]:
    """{store id: its local date} of the stores whose local time has reached the daily start."""
    due = {}
    for store in stores:
        local = timezone.localtime(now, store.tzinfo)
        if local.time() >= start:
            due[store.pk] = local.date()
    return due


def _acting(stores: list[Store], days: dict[int, date]) -> dict[int, int | None]:
    """{store id: who acts as its owner on its day}: one leave query per distinct local date (one or two)."""
    by_day: dict[date, list[Store]] = defaultdict(list)
    for store in stores:
        by_day[days[store.pk]].append(store)
    result: dict[int, int | None] = {}
    for day, group in by_day.items():
        result.update(acting_owners(group, on=day))
    return result


def _lock_generation() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [GENERATION_LOCK])


def _generate_batch(stores: list[Store], template: ChecklistTemplate, items: list[dict], now: datetime) -> int:
    """Make the missing daily checks of one batch of stores: a constant number of queries for the batch."""
    days = _due_stores(stores, now, daily_start_time())
    if not days:
        return 0
    with transaction.atomic():
        _lock_generation()
        made = set(
            Checklist.objects.filter(
                kind=ChecklistKind.DAILY, store_id__in=list(days), for_date__in=set(days.values())
            ).values_list("store_id", "for_date")
        )
        todo = [s for s in stores if s.pk in days and (s.pk, days[s.pk]) not in made]
        if not todo:
            return 0
        acting = _acting(todo, days)
        starts = {s.pk: selectors.local_day_start(s, days[s.pk]) for s in todo}
        facts = selectors.store_facts(stores=todo, day_starts=starts, now=now) if any(i["fact"] for i in items) else {}
        due = daily_due_time()
        checklists = Checklist.objects.bulk_create(
            Checklist(
                kind=ChecklistKind.DAILY,
                template=template,
                title=f"{template.name} · {s.name} · {days[s.pk]:%m-%d}"[:200],
                store=s,
                assignee_id=acting.get(s.pk),
                for_date=days[s.pk],
                due_at=datetime.combine(days[s.pk], due, tzinfo=s.tzinfo),
            )
            for s in todo
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                checklist=c,
                position=i,
                facts=facts.get(c.store_id or 0, {}).get(row["fact"], {}) if row["fact"] else {},
                **row,
            )
            for c in checklists
            for i, row in enumerate(items, start=1)
        )
        record_many(
            "checklist.create",
            [
                {
                    "target": c,
                    "store": c.store_id,
                    "after": {
                        "kind": c.kind,
                        "for_date": str(c.for_date),
                        "assignee": c.assignee_id,
                        "items": len(items),
                    },
                }
                for c in checklists
            ],
        )
    return len(checklists)


def daily_checks_generate(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Make today's daily store check of every active store whose local time has passed the daily start
    (SHOPCREW_SOP_DAILY_AT) and has none yet: the default daily template's items, the console's facts prefilled,
    assigned to whoever acts as the store's owner that day (the backup while the primary is on leave), due at the
    store's local SHOPCREW_SOP_DAILY_DUE. Idempotent (one per store and day, by constraint and by a lock); stores
    are taken `batch_size` at a time, each batch in a constant number of queries. Returns how many were made."""
    now = now or timezone.now()
    template = selectors.template_default(kind=ChecklistKind.DAILY)
    if template is None:
        templates_ensure()
        template = selectors.template_default(kind=ChecklistKind.DAILY)
    if template is None:
        return 0
    items = _item_rows(template)
    made, last = 0, 0
    stores = Store.objects.filter(status=StoreStatus.ACTIVE).only(
        "pk", "name", "site", "timezone", "primary_owner_id", "backup_owner_id", "status"
    )
    while True:
        batch = list(stores.filter(pk__gt=last).order_by("pk")[:batch_size])
        if not batch:
            return made
        made += _generate_batch(batch, template, items, now)
        last = batch[-1].pk


# ------------------------------------------------------------------------------------------------ ticking
def _item_snapshot(item: ChecklistItem) -> dict:
    return {
        "title": item.title,
        "done_at": item.done_at.isoformat() if item.done_at else None,
        "done_by": item.done_by_id,
        "evidence": item.evidence,
    }


def _locked(item: ChecklistItem) -> tuple[ChecklistItem, Checklist]:
    checklist = Checklist.objects.select_for_update(of=("self",)).select_related("store").get(pk=item.checklist_id)
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    return item, checklist


def _complete_if_done(checklist: Checklist, actor, now: datetime) -> None:
    if ChecklistItem.objects.filter(checklist=checklist, done_at__isnull=True).exists():
        return
    checklist.completed_at, checklist.completed_by = now, actor
    checklist.save(update_fields=["completed_at", "completed_by"])
    record("checklist.complete", target=checklist, store=checklist.store_id, after={"completed_at": now.isoformat()})


def item_tick(*, actor, item: ChecklistItem, evidence: str = "", system: bool = False) -> ChecklistItem:
    """Tick an item, recording who and when, with the evidence or note (required where the item says so). The
    checklist completes when its last item is ticked. The assignee, the store's owners and super admins may tick
    (`system`: the console itself, for lifecycle steps it did, with `actor` credited if given). Audited."""
    evidence = (evidence or "").strip()
    with transaction.atomic():
        item, checklist = _locked(item)
        if not system and not selectors.checklist_may_tick(viewer=actor, checklist=checklist):
            raise Refused(_("Only the assignee, the store's owners and super admins may tick this checklist."))
        if item.done_at is not None:
            return item
        if item.evidence_required and not evidence:
            raise ValidationError({"evidence": _("This item needs evidence or a note before it can be ticked.")})
        before = _item_snapshot(item)
        now = timezone.now()
        item.done_at, item.done_by, item.evidence, item.automatic = now, actor, evidence, system
        item.save(update_fields=["done_at", "done_by", "evidence", "automatic"])
        record("checklist_item.tick", target=item, store=checklist.store_id, before=before, after=_item_snapshot(item))
        _complete_if_done(checklist, actor, now)
    return item


def item_untick(*, actor, item: ChecklistItem) -> ChecklistItem:
    """Untick an item (its evidence kept in the audit log); a completed checklist is open again. Same people as
    item_tick; audited."""
    with transaction.atomic():
        item, checklist = _locked(item)
        if not selectors.checklist_may_tick(viewer=actor, checklist=checklist):
            raise Refused(_("Only the assignee, the store's owners and super admins may tick this checklist."))
        if item.done_at is None:
            return item
        before = _item_snapshot(item)
        item.done_at, item.done_by, item.evidence, item.automatic = None, None, "", False
        item.save(update_fields=["done_at", "done_by", "evidence", "automatic"])
        record(
            "checklist_item.untick", target=item, store=checklist.store_id, before=before, after=_item_snapshot(item)
        )
        if checklist.completed_at is not None:
            checklist.completed_at, checklist.completed_by = None, None
            checklist.save(update_fields=["completed_at", "completed_by"])
    return item


# ------------------------------------------------------------------------------------------------ overdue
def _overdue_payload(checklist: Checklist, done: int, total: int) -> dict:
    assignee = checklist.assignee
    return {
        "checklist_id": checklist.pk,
        "title": checklist.title,
        "due_at": checklist.due_at.isoformat() if checklist.due_at else None,
        "assignee": getattr(assignee, "name", "") or "",
        "progress": f"{done}/{total}",
        "mention_staff_ids": [checklist.assignee_id] if checklist.assignee_id else [],
    }


def checklists_remind_overdue(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Announce each store checklist not completed by its due time, once: a `sop.checklist_overdue` event in the
    outbox (dedupe key per checklist) that the store's routes deliver, @-mentioning the assignee; `reminded_at`
    set in the same transaction. Safe to run by several workers (rows claimed with SKIP LOCKED). Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Checklist.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(completed_at__isnull=True, reminded_at__isnull=True, due_at__lte=now, store__isnull=False)
            .select_related("assignee")
            .order_by("due_at", "pk")[:limit]
        )
        if not due:
            return 0
        progress = selectors.with_progress(Checklist.objects.filter(pk__in=[c.pk for c in due]))
        counts = {c.pk: (c.done_count, c.item_count) for c in progress}  # type: ignore[attr-defined]
        rows = [
            EventRow(
                OVERDUE_EVENT,
                c.store_id,
                f"{OVERDUE_EVENT}:{c.pk}",
                _overdue_payload(c, *counts.get(c.pk, (0, 0))),
                occurred_at=c.due_at,
            )
            for c in due
        ]
        event_emit_many(rows)
        Checklist.objects.filter(pk__in=[c.pk for c in due]).update(reminded_at=now)
    return len(due)
