"""Writing what the orders module keeps per store: work settings (客服分单) and low-stock thresholds.

- `store_work_settings_update`: assignment mode (claim / round-robin), the on-duty colleagues (only people
  holding orders_operate or after_sales_operate on the store), the escalation margin. Needs settings_manage on
  the store: deciding who is on duty is the store manager's call.
- `store_threshold_update` (the store's threshold) and `stock_threshold_update` (one SKU's override, or none)
  need inventory_operate; both judge the affected SKUs again at once (one statement) and announce those that
  turn low or out, as a sync would.
Each is atomic, checks the actor's right again, and records its audit event in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

import events
from audit.services import record
from core.denied import Refused
from core.permissions import permissions_of
from events.services import EventRow

from .choices import AssignmentMode, StockState
from .models import StockLevel, StoreSettings
from .selectors import on_duty_choices
from .services import stock_transitions

MAX_MARGIN = timedelta(days=30)


def _require(actor, perm: str, store_id: int, message: str) -> None:
    if not permissions_of(actor).has(perm, store_id):
        raise Refused(message)


def _settings_row(store) -> StoreSettings:
    row, _created = StoreSettings.objects.select_for_update().get_or_create(
        store=store, defaults={"low_stock_threshold": settings.SHOPCREW_LOW_STOCK_THRESHOLD}
    )
    return row


def _work_snapshot(row: StoreSettings) -> dict:
    return {
        "assignment_mode": row.assignment_mode,
        "on_duty": sorted(row.on_duty.values_list("pk", flat=True)),
        "escalation_margin": str(row.escalation_margin),
    }


def store_work_settings_update(
    *, actor, store, assignment_mode: str, on_duty, escalation_margin: timedelta
) -> StoreSettings:
    """Set how the store's new orders and cases reach customer service. Refuses people on duty who cannot
    handle the store's orders or cases, and margins outside 0–30 days. Audited `order_settings.update`."""
    _require(actor, "settings_manage", store.pk, _("You may not change the work settings of this store."))
    if assignment_mode not in AssignmentMode.values:
        raise ValidationError({"assignment_mode": _("Choose claim or round-robin.")})
    if not timedelta(0) <= escalation_margin <= MAX_MARGIN:
        raise ValidationError({"escalation_margin": _("Enter a margin from 0 to 30 days.")})
    people = list(on_duty or [])
    allowed = set(on_duty_choices(store=store).filter(pk__in=[p.pk for p in people]).values_list("pk", flat=True))
    refused = [p for p in people if p.pk not in allowed]
    if refused:
        names = "、".join(getattr(p, "name", "") or p.get_username() for p in refused)
        raise ValidationError(
            {"on_duty": _("%(names)s may not handle this store's orders or after-sales cases.") % {"names": names}}
        )
    with transaction.atomic():
        row = _settings_row(store)
        before = _work_snapshot(row)
        row.assignment_mode, row.escalation_margin = assignment_mode, escalation_margin
        row.save(update_fields=["assignment_mode", "escalation_margin"])
        row.on_duty.set(people)
        record("order_settings.update", target=row, store=store, before=before, after=_work_snapshot(row))
    return row


def _rejudge(queryset, *, threshold: int) -> list[EventRow]:
    """Judge the SKUs again against their override or `threshold`; announce those that turned low / out."""
    limit = Coalesce(F("low_stock_threshold"), Value(threshold))
    state = Case(
        When(quantity__lte=0, then=Value(StockState.OUT)),
        When(quantity__lte=limit, then=Value(StockState.LOW)),
        default=Value(StockState.OK),
    )
    now, rows = timezone.now(), []
    changed = list(queryset.annotate(new_state=state).exclude(state=F("new_state")).select_for_update(of=("self",)))
    for stock in changed:
        previous, stock.previous_state, stock.state = stock.state, stock.state, stock.new_state
        if previous == StockState.OK:
            stock.alert_seq += 1
        for kind in stock_transitions(previous=previous, state=stock.state):
            payload = {"sku": stock.seller_sku or stock.sku, "platform_sku": stock.sku, "scheme": stock.scheme}
            payload |= {
                "name": stock.name,
                "quantity": stock.quantity,
                "threshold": stock.low_stock_threshold or threshold,
            }
            key = f"{kind}:{stock.store_id}:{stock.scheme}:{stock.sku}:{stock.alert_seq}"
            rows.append(EventRow(kind, stock.store_id, key, payload, now))
    StockLevel.objects.bulk_update(changed, ["state", "previous_state", "alert_seq"])
    return rows


def store_threshold_update(*, actor, store, threshold: int) -> StoreSettings:
    """Set the store's low-stock threshold; SKUs without an override are judged again. Audited
    `order_settings.update`."""
    _require(actor, "inventory_operate", store.pk, _("You may not change this store's low-stock threshold."))
    if threshold is None or threshold < 0:
        raise ValidationError({"threshold": _("Enter a threshold of 0 or more.")})
    with transaction.atomic():
        row = _settings_row(store)
        before = {"low_stock_threshold": row.low_stock_threshold}
        row.low_stock_threshold = threshold
        row.save(update_fields=["low_stock_threshold"])
        announced = _rejudge(
            StockLevel.objects.filter(store=store, low_stock_threshold__isnull=True), threshold=threshold
        )
        if announced:
            events.emit_many(announced)
        record(
            "order_settings.update", target=row, store=store, before=before, after={"low_stock_threshold": threshold}
        )
    return row


def stock_threshold_update(*, actor, stock: StockLevel, threshold: int | None) -> StockLevel:
    """Set (or, with None, clear) one SKU's low-stock threshold override and judge it again. Audited
    `stock.threshold`."""
    _require(actor, "inventory_operate", stock.store_id, _("You may not change this store's low-stock thresholds."))
    if threshold is not None and threshold < 0:
        raise ValidationError({"threshold": _("Enter a threshold of 0 or more.")})
    with transaction.atomic():
        locked = StockLevel.objects.select_for_update().get(pk=stock.pk)
        before = {"low_stock_threshold": locked.low_stock_threshold}
        locked.low_stock_threshold = threshold
        locked.save(update_fields=["low_stock_threshold"])
        store_value = StoreSettings.objects.filter(store_id=locked.store_id).values_list(
            "low_stock_threshold", flat=True
        )
        announced = _rejudge(
            StockLevel.objects.filter(pk=locked.pk),
            threshold=next(iter(store_value), settings.SHOPCREW_LOW_STOCK_THRESHOLD),
        )
        if announced:
            events.emit_many(announced)
        record(
            "stock.threshold",
            target=locked,
            store=locked.store_id,
            before=before,
            after={"low_stock_threshold": threshold},
        )
        locked.refresh_from_db()
    return locked
