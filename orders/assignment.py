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

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from core.denied import Refused
from core.permissions import holders_of, permissions_of
from events.choices import EventKind

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
    """Ids of the store's on-duty colleagues who still hold `perm` there and are working, in id order
    (the round-robin order): two queries whatever the size of the company."""
    on_duty = list(settings_row.on_duty.values_list("pk", flat=True))
    if not on_duty:
        return []
    holders = holders_of(store=settings_row.store, perm=perm).filter(pk__in=on_duty)
    return sorted(holders.values_list("pk", flat=True))


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
    spec = EVENT_WORK.get(str(getattr(event, "kind", "")))
    key = (event.payload or {}).get(spec[1]) if spec else None
    if spec is None or not key or event.store_id is None:
        return None
    model, _payload_key, field = spec
    with transaction.atomic():
        row = (
            StoreSettings.objects.select_for_update(of=("self",))
            .select_related("store")
            .filter(store_id=event.store_id)
            .first()
        )
        item = cast(
            "Work | None",
            model.objects.select_related("assignee").filter(store_id=event.store_id, **{field: key}).first(),
        )
        if item is None:
            return None
        if row is None or row.assignment_mode != AssignmentMode.ROUND_ROBIN or item.assignee_id or item.handled_at:
            return item.assignee
        chosen = next_in_turn(eligible_on_duty(settings_row=row, perm=OPERATE_RIGHT[model]), row.round_robin_last_id)
        if chosen is None:
            return None
        before = _snapshot(item)
        item.assignee_id, item.assigned_at = chosen, timezone.now()
        item.save(update_fields=["assignee", "assigned_at"])
        row.round_robin_last_id = chosen
        row.save(update_fields=["round_robin_last"])
        record(_action(item, "assign"), target=item, store=event.store_id, before=before, after=_snapshot(item))
        item.refresh_from_db(fields=["assignee"])
        return item.assignee


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
