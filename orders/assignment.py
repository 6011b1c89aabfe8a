"""客服分单: who handles a store's new orders and after-sales cases, and the actions on that work.

- `assign_for_event(event)` is called by the fan-out (notifications) for `order.new` and `aftersales.new`
  before it resolves mentions: in round-robin mode it hands the order or case to the next on-duty colleague
  who still holds the right on the store (orders_operate / after_sales_operate) and is working, under a lock
  on the store's StoreSettings row so two workers never hand out the same turn; in claim mode it hands out
  nothing and answers the current assignee (None until someone claims).
- `work_claim`, `work_hand_over`, `work_mark_handled` are the people's actions; each checks the actor's right
  on the store again, refuses in plain words, and records its audit event in the same transaction.

"Work" is an Order or an AfterSalesCase: both carry assignee, assigned_at, handled_at and handled_by.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record, record_many
from core.denied import Refused
from core.permissions import holders_of, permissions_of
from events.choices import EventKind
from staff.models import Leave

from .choices import AssignmentMode, CaseStatus, OrderStatus
from .models import AfterSalesCase, Order, StoreSettings

Work = Order | AfterSalesCase

OPERATE_RIGHT = {Order: "orders_operate", AfterSalesCase: "after_sales_operate"}
# Event kind → (model, the payload key naming the record, the model field it matches).
EVENT_WORK: dict[str, tuple[Any, str, str]] = {
    EventKind.ORDER_NEW: (Order, "order_id", "order_id"),
    EventKind.AFTERSALES_NEW: (AfterSalesCase, "case_id", "case_id"),
}
OPEN_ORDER_STATUSES = (OrderStatus.TO_SHIP,)
OPEN_CASE_STATUSES = (CaseStatus.REQUESTED, CaseStatus.PROCESSING, CaseStatus.DISPUTED, CaseStatus.RETURNING)
FIELDS = ("assignee", "assigned_at", "handled_at", "handled_by")


def operate_right(item: Work) -> str:
    """The right that lets someone claim, hand over and handle this kind of work (orders_operate for an
    order, after_sales_operate for an after-sales case)."""
    return OPERATE_RIGHT[type(item)]


def _snapshot(item: Work) -> dict:
    return {
        "assignee": item.assignee_id,
        "assigned_at": item.assigned_at.isoformat() if item.assigned_at else None,
        "handled_at": item.handled_at.isoformat() if item.handled_at else None,
        "handled_by": item.handled_by_id,
    }


def _action(item: Work, verb: str) -> str:
    return f"{'order' if isinstance(item, Order) else 'case'}.{verb}"


# ---------------------------------------------------------------------------------------------- automatic


def eligible_on_duty(*, settings_row: StoreSettings, perm: str) -> list[int]:
    """Ids of the store's on-duty colleagues who still hold `perm` there, are working and not on leave, in id order
    (the round-robin order): two queries whatever the size of the company."""
    on_duty = list(settings_row.on_duty.values_list("pk", flat=True))
    if not on_duty:
        return []
    holders = holders_of(store=settings_row.store, perm=perm).filter(pk__in=on_duty)
    holders = holders.exclude(pk__in=_on_leave_today())  # cover: nobody on leave takes new work
    return sorted(holders.values_list("pk", flat=True))


def _on_leave_today():
    """Ids of people on leave today, as a subquery (no query of its own)."""
    day = timezone.localdate()
    return Leave.objects.filter(starts_on__lte=day, ends_on__gte=day, cancelled_at__isnull=True).values("staff_id")


def next_in_turn(ids: list[int], last_id: int | None) -> int | None:
    """The colleague after `last_id` in `ids` (wrapping round); the first one when `last_id` left the list."""
    if not ids:
        return None
    later = [pk for pk in ids if last_id is not None and pk > last_id]
    return later[0] if later else ids[0]


def assign_for_event(event):
    """The colleague an `order.new` / `aftersales.new` event's order or case goes to, or None.

    Round-robin stores: the record, when still unassigned and unhandled, is given to the next on-duty
    colleague holding the right (skipping people who lost it or stopped working) and the turn moves on — all
    under `SELECT … FOR UPDATE` of the store's StoreSettings, in one transaction, audited as
    `order.assign` / `case.assign`. Claim stores (or no colleague on duty): nothing is assigned; the answer is
    the current assignee, so a repeated call (an event handled twice) answers the same person.
    """
    return _assign([event])[0]


def assign_for_events(events) -> dict[int, Any]:
    """assign_for_event for a batch (what the fan-out calls): {event id: Staff} for the events whose order or
    case is with someone. Claim stores cost one query per kind for the whole batch; each round-robin store one
    lock, its on-duty list, one read and one write of its items, and its audit events in one go."""
    return {e.pk: staff for e, staff in zip(events, _assign(list(events)), strict=True) if staff is not None}


def _work_of(event) -> tuple[Any, str, str] | None:
    """(model, field, key) of the order or case an event names, or None."""
    spec = EVENT_WORK.get(str(getattr(event, "kind", "")))
    key = (getattr(event, "payload", None) or {}).get(spec[1]) if spec else None
    if spec is None or not key or getattr(event, "store_id", None) is None:
        return None
    return spec[0], spec[2], str(key)


def _assign(events: list) -> list:
    work = [_work_of(e) for e in events]
    stores = {e.store_id for e, w in zip(events, work, strict=True) if w is not None}
    if not stores:
        return [None] * len(events)
    turn = StoreSettings.objects.filter(store_id__in=stores, assignment_mode=AssignmentMode.ROUND_ROBIN)
    with transaction.atomic():
        for store_id in sorted(turn.values_list("store_id", flat=True)):  # locks in store order: no deadlock
            mine = [w for e, w in zip(events, work, strict=True) if w is not None and e.store_id == store_id]
            _assign_in_turn(store_id, mine)
        found: dict[tuple, Any] = {}
        for model, field in {(w[0], w[1]) for w in work if w is not None}:
            keys = {w[2] for w in work if w is not None and w[0] is model}
            rows = model.objects.filter(store_id__in=stores, **{f"{field}__in": keys}, assignee__isnull=False)
            for item in rows.select_related("assignee"):
                found[(model, item.store_id, getattr(item, field))] = item.assignee
    return [found.get((w[0], e.store_id, w[2])) if w else None for e, w in zip(events, work, strict=True)]


def _assign_in_turn(store_id: int, work: list[tuple[Any, str, str]]) -> None:
    """Give the store's unassigned, unhandled items among `work` to its on-duty colleagues in turn, under the
    lock of its StoreSettings row (re-read: the mode may have changed)."""
    row = (
        StoreSettings.objects.select_for_update(of=("self",)).select_related("store").filter(store_id=store_id).first()
    )
    if row is None or row.assignment_mode != AssignmentMode.ROUND_ROBIN:
        return
    last, now = row.round_robin_last_id, timezone.now()
    for model in {m for m, _f, _k in work}:
        field = next(f for m, f, _k in work if m is model)
        keys = list(dict.fromkeys(k for m, _f, k in work if m is model))  # in event order, once each
        eligible = eligible_on_duty(settings_row=row, perm=OPERATE_RIGHT[model])
        if not eligible:
            continue
        free = model.objects.select_for_update(of=("self",)).filter(
            store_id=store_id, assignee__isnull=True, handled_at__isnull=True, **{f"{field}__in": keys}
        )
        items = {getattr(i, field): i for i in free}
        changed, audits = [], []
        for key in keys:
            item = items.get(key)
            if item is None:
                continue
            before, last = _snapshot(item), next_in_turn(eligible, last)
            item.assignee_id, item.assigned_at = last, now
            changed.append(item)
            audits.append({"target": item, "store": store_id, "before": before, "after": _snapshot(item)})
        if changed:
            model.objects.bulk_update(changed, ["assignee", "assigned_at"])
            record_many(_action(changed[0], "assign"), audits)
    if last != row.round_robin_last_id:
        row.round_robin_last_id = last
        row.save(update_fields=["round_robin_last"])


# ---------------------------------------------------------------------------------------------- people's actions


def _require_right(*, actor, item: Work) -> None:
    if not permissions_of(actor).has(operate_right(item), item.store_id):
        what = _("orders") if isinstance(item, Order) else _("after-sales cases")
        raise Refused(_("You may not handle %(what)s of this store.") % {"what": what})


def _locked(item: Work) -> Work:
    return type(item).objects.select_for_update(of=("self",)).get(pk=item.pk)


def work_claim(*, actor, item: Work) -> Work:
    """Take an unassigned, unhandled order or case for oneself. The actor must hold the operate right on the
    store; the row is locked, so of two people claiming at once exactly one wins (the other is told who has
    it). Audited `order.claim` / `case.claim`."""
    _require_right(actor=actor, item=item)
    with transaction.atomic():
        locked = _locked(item)
        if locked.handled_at:
            raise ValidationError(_("This has already been handled."))
        if locked.assignee_id:
            if locked.assignee_id == actor.pk:
                raise ValidationError(_("You have already claimed this."))
            raise ValidationError(
                _("%(name)s has already claimed this.") % {"name": _display(locked.assignee)}, code="taken"
            )
        before = _snapshot(locked)
        locked.assignee, locked.assigned_at = actor, timezone.now()
        locked.save(update_fields=["assignee", "assigned_at"])
        record(_action(locked, "claim"), target=locked, store=locked.store_id, before=before, after=_snapshot(locked))
    return locked


def work_hand_over(*, actor, item: Work, to) -> Work:
    """Give an unhandled order or case to a colleague. The actor must hold the operate right on the store
    (the assignee, or a colleague stepping in); the colleague must be working and hold it too. Audited
    `order.hand_over` / `case.hand_over`."""
    _require_right(actor=actor, item=item)
    right = operate_right(item)
    if to is None or not holders_of(store=item.store, perm=right).filter(pk=to.pk).exists():
        raise ValidationError(
            {
                "to": _("%(name)s may not handle this store's work, so it cannot be handed to them.")
                % {"name": _display(to)}
            }
        )
    with transaction.atomic():
        locked = _locked(item)
        if locked.handled_at:
            raise ValidationError(_("This has already been handled."))
        if locked.assignee_id == to.pk:
            raise ValidationError({"to": _("This is already with %(name)s.") % {"name": _display(to)}})
        before = _snapshot(locked)
        locked.assignee, locked.assigned_at = to, timezone.now()
        locked.save(update_fields=["assignee", "assigned_at"])
        record(
            _action(locked, "hand_over"), target=locked, store=locked.store_id, before=before, after=_snapshot(locked)
        )
    return locked


def work_mark_handled(*, actor, item: Work) -> Work:
    """Mark an order or case handled (handled_at, handled_by = the actor); it leaves everyone's 我的职责 and
    escalation. The actor must hold the operate right on the store. Audited `order.handle` / `case.handle`."""
    _require_right(actor=actor, item=item)
    with transaction.atomic():
        locked = _locked(item)
        if locked.handled_at:
            raise ValidationError(_("This has already been handled."))
        before = _snapshot(locked)
        locked.handled_at, locked.handled_by = timezone.now(), actor
        if not locked.assignee_id:
            locked.assignee, locked.assigned_at = actor, locked.handled_at
        locked.save(update_fields=["handled_at", "handled_by", "assignee", "assigned_at"])
        record(_action(locked, "handle"), target=locked, store=locked.store_id, before=before, after=_snapshot(locked))
    return locked


def _display(person) -> str:
    if person is None:
        return _("nobody")
    return getattr(person, "name", "") or person.get_username()
