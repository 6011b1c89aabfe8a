"""Escalation of after-sales cases nobody handled in time (issue 9, item 7).

A case still open and unhandled at `due_at − escalation_margin` (the store's StoreSettings, 12 hours when the
store set none) escalates to the store's backup owner (level 1); at `due_at` to the department manager of the
assignee, or of the primary owner when nobody has it (level 2). Each level is announced once: an
`aftersales.due_soon` event under the key `aftersales.due_soon:<store>:<case>:L<level>`, written in the same
transaction that raises `escalation_level`, so two sweeps (or two workers) never announce a level twice. A
sweep that finds a case already past due announces both levels (the backup owner and the manager both hear).

The event's payload names who to mention (`mention_userids` by WeCom userid, `mention_mobiles` for people
without one, `mention_staff_ids`) beside the template's facts (order_id, case_id, issue, status, operator,
due_date, amount, currency, level).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

import events
from events.choices import EventKind
from events.services import EventRow
from staff.selectors import away_staff_ids

from .assignment import OPEN_CASE_STATUSES
from .models import AfterSalesCase, StoreSettings

DEFAULT_MARGIN = StoreSettings._meta.get_field("escalation_margin").get_default()
BATCH = 500
BACKUP_OWNER, MANAGER = 1, 2


def due_cases(*, now: datetime):
    """Open, unhandled cases that owe an escalation level at `now`, with the people it may name (one query)."""
    margin = Coalesce(
        Subquery(StoreSettings.objects.filter(store_id=OuterRef("store_id")).values("escalation_margin")[:1]),
        Value(DEFAULT_MARGIN, output_field=DurationField()),
    )
    return (
        AfterSalesCase.objects.filter(status__in=OPEN_CASE_STATUSES, handled_at__isnull=True, due_at__isnull=False)
        .filter(escalation_level__lt=MANAGER)
        .annotate(warn_at=ExpressionWrapper(F("due_at") - margin, output_field=DateTimeField()))
        .filter(Q(warn_at__lte=now, escalation_level__lt=BACKUP_OWNER) | Q(due_at__lte=now))
        .select_related(
            "store__backup_owner__department__manager",
            "store__primary_owner__department__manager",
            "assignee__department__manager",
        )
        .order_by("due_at", "pk")
    )


def _acting_primary(case: AfterSalesCase, away: frozenset[int] | set[int]):
    """The store's primary owner, or the backup while the primary is on leave and the backup is not (cover)."""
    store = case.store
    if store.primary_owner_id in away and store.backup_owner_id and store.backup_owner_id not in away:
        return store.backup_owner
    return store.primary_owner


def _manager(case: AfterSalesCase, away: frozenset[int] | set[int] = frozenset()):
    for person in (case.assignee, _acting_primary(case, away)):
        department = getattr(person, "department", None) if person is not None else None
        if department is not None and department.manager is not None:
            return department.manager
    return None


def _who(case: AfterSalesCase, level: int, away: frozenset[int] | set[int] = frozenset()):
    """Level 1: the backup owner (the primary while the backup is on leave); level 2: the manager of the assignee,
    or of the acting owner (the backup covering a primary on leave)."""
    if level == BACKUP_OWNER:
        store = case.store
        if store.backup_owner_id in away and store.primary_owner_id and store.primary_owner_id not in away:
            return store.primary_owner
        return store.backup_owner
    return _manager(case, away)


def _payload(case: AfterSalesCase, level: int, away: frozenset[int] | set[int] = frozenset()) -> dict:
    person = _who(case, level, away)
    working = person is not None and person.is_active
    userid = (person.wecom_userid or "") if working else ""
    mobile = (person.mobile or "") if working and not userid else ""
    return {
        "case_id": case.case_id,
        "order_id": case.order_ref,
        "kind": case.kind,
        "issue": case.reason,
        "status": case.status,
        "amount": str(case.amount) if case.amount is not None else None,
        "currency": case.currency,
        "due_date": case.due_at.isoformat() if case.due_at else None,
        "operator": (case.assignee.name or case.assignee.get_username()) if case.assignee else "",
        "level": level,
        "escalated_to": (person.name or person.get_username()) if person is not None else "",
        "mention_staff_ids": [person.pk] if working else [],
        "mention_userids": [userid] if userid else [],
        "mention_mobiles": [mobile] if mobile else [],
    }


@transaction.atomic
def cases_escalate_due(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Escalate up to `batch` due cases (oldest due first) and return how many events were written.

    Rows are claimed with `SELECT … FOR UPDATE SKIP LOCKED`, so concurrent sweeps share the work; the events
    (one statement) and the new levels (one statement per level) are written in the same transaction."""
    now = now or timezone.now()
    cases = list(due_cases(now=now).select_for_update(skip_locked=True, of=("self",))[:batch])
    owners = {i for c in cases for i in (c.store.primary_owner_id, c.store.backup_owner_id) if i}
    away = away_staff_ids(staff_ids=owners) if owners else set()  # cover: who is on leave today
    rows: list[EventRow] = []
    raised: dict[int, list[int]] = {BACKUP_OWNER: [], MANAGER: []}
    for case in cases:
        target = MANAGER if case.due_at <= now else BACKUP_OWNER
        for level in range(case.escalation_level + 1, target + 1):
            key = f"{EventKind.AFTERSALES_DUE_SOON}:{case.store_id}:{case.case_id}:L{level}"
            rows.append(EventRow(EventKind.AFTERSALES_DUE_SOON, case.store_id, key, _payload(case, level, away), now))
        raised[target].append(case.pk)
    for level, ids in raised.items():
        if ids:
            AfterSalesCase.objects.filter(pk__in=ids, escalation_level__lt=level).update(escalation_level=level)
    return len(events.emit_many(rows)) if rows else 0
