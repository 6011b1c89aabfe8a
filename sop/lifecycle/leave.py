"""Leave (休假) and cover: a person is marked away for a period; while it runs the backup owner of each store they
own as primary takes that store's checklists, escalations and @-mentions (stores.selectors.acting_owners)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record, snapshot
from staff.choices import StaffStatus
from staff.models import Leave, Staff

LEAVE_FIELDS = ["staff", "starts_on", "ends_on", "reason", "cancelled_at"]


def leave_editable_by(*, actor, staff) -> bool:
    """Whether `actor` may record or cancel leave for `staff`: someone who manages users where they work (never
    for oneself: a manager records it)."""
    if actor.pk == staff.pk:
        return False
    return Staff.objects.restrict(actor, "change").filter(pk=staff.pk).exists()


def _require(actor, staff) -> None:
    if not leave_editable_by(actor=actor, staff=staff):
        raise PermissionDenied(_("You may not record leave for this person."))


def leave_create(*, actor, staff, starts_on: date, ends_on: date, reason: str = "") -> Leave:
    """Record leave from `starts_on` to `ends_on` (inclusive). Refused when it ends before it starts, when the person
    is offboarded, or when it overlaps leave already recorded for them. Audited leave.create."""
    _require(actor, staff)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The leave must end on or after its first day.")})
    if staff.status == StaffStatus.OFFBOARDED:
        raise ValidationError(_("%(name)s has been offboarded.") % {"name": staff})
    with transaction.atomic():
        Staff.objects.select_for_update().filter(pk=staff.pk).first()  # one leave at a time per person
        overlap = Leave.objects.filter(
            staff=staff, cancelled_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on
        ).first()
        if overlap is not None:
            raise ValidationError(
                _("%(name)s is already on leave from %(start)s to %(end)s.")
                % {"name": staff, "start": overlap.starts_on, "end": overlap.ends_on}
            )
        leave = Leave.objects.create(
            staff=staff, starts_on=starts_on, ends_on=ends_on, reason=reason[:200], created_by=actor
        )
        record("leave.create", target=leave, after=snapshot(leave, LEAVE_FIELDS), reason=reason)
    return leave


def leave_cancel(*, actor, leave: Leave, reason: str = "") -> Leave:
    """Cancel leave (kept in the history with when it was cancelled); cover ends at once. Audited leave.cancel."""
    _require(actor, leave.staff)
    with transaction.atomic():
        leave = Leave.objects.select_for_update().get(pk=leave.pk)
        if leave.cancelled_at is not None:
            raise ValidationError(_("This leave has already been cancelled."))
        before = snapshot(leave, LEAVE_FIELDS)
        leave.cancelled_at = timezone.now()
        leave.save(update_fields=["cancelled_at"])
        record("leave.cancel", target=leave, before=before, after=snapshot(leave, LEAVE_FIELDS), reason=reason)
    return leave


def leaves_of(*, staff):
    """A person's leave, latest first, cancelled included (the history)."""
    return Leave.objects.filter(staff=staff).select_related("created_by").order_by("-starts_on", "-pk")
