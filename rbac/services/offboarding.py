"""Offboarding: revoke everything a person holds, cancel their requests, deactivate them."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.services import record, snapshot
from core.denied import Refused
from core.permissions import PermissionSet
from staff.choices import StaffStatus
from stores.models import Store

from ..models import (
    AccessRequest,
    ExceptionGrant,
    RequestStatus,
    RoleBinding,
)
from .approvals import _decide
from .common import (
    Staff,
    _exception_refusal,
    _last_super_admin_message,
    _permanent_super_admins,
    _require_reason,
    _rights,
    _works_in,
)
from .exceptions import _end_exceptions
from .revoke import _revoke_bindings, bindings_bulk_revoke_plan


@dataclass
class OffboardResult:
    """What offboarding ended."""

    bindings: int
    exception_grants: int
    requests: int


def staff_offboard(*, actor, staff, reason: str) -> OffboardResult:
    """Offboard a person: revoke all their live bindings and exception grants in bulk, cancel pending
    requests by or for them, drop their API token, set status offboarded and is_active False.

    Refused for oneself, while they still own stores (listing them), when they are the last super
    admin, or when the actor may not revoke every one of their roles.
    """
    reason = _require_reason(reason)
    with transaction.atomic():
        now = timezone.now()
        person = Staff.objects.select_for_update().get(pk=staff.pk)
        if actor.pk == person.pk:
            raise Refused(_("You cannot offboard yourself."))
        if person.status == StaffStatus.OFFBOARDED:
            raise ValidationError(_("%(name)s has already been offboarded.") % {"name": person})
        rights = _rights(actor)
        if person.is_superuser and not rights.super_admin:
            raise Refused(_("Only a super admin can offboard a super admin."))
        if not rights.super_admin and not Staff.objects.restrict(actor, "change").filter(pk=person.pk).exists():
            raise Refused(_("You do not manage users in any store this person works in."))
        _refuse_owner(actor, person, rights)
        if person.pk in _permanent_super_admins() and not _permanent_super_admins(exclude_staff=[person.pk]):
            raise ValidationError(_last_super_admin_message())
        live = RoleBinding.objects.filter(staff=person, revoked_at__isnull=True)
        plan = bindings_bulk_revoke_plan(actor=actor, bindings=live, now=now, _locked=True)
        if plan.refused:
            raise plan.refused[0].exception()
        grants = list(
            ExceptionGrant.objects.select_for_update(of=("self",))
            .select_related("staff", "store", "permission")
            .filter(staff=person, revoked_at__isnull=True)
        )
        for g in grants:
            why = _exception_refusal(
                actor=actor, rights=rights, staff_id=person.pk, codename=g.permission.codename, store_id=g.store_id
            )
            if why:
                raise Refused(why)
        _revoke_bindings(plan.revoke + plan.unchanged, by=actor, reason=reason, now=now)
        _end_exceptions(grants, by=actor, reason=reason, now=now)
        pending = list(
            AccessRequest.objects.select_for_update(of=("self",)).filter(
                Q(staff=person) | Q(requested_by=person), status=RequestStatus.PENDING
            )
        )
        if pending:
            _decide(
                pending,
                actor=actor,
                status=RequestStatus.CANCELLED,
                reason=reason,
                now=now,
                action="access_request.cancel",
            )
        before = snapshot(person, ["status", "is_active"])
        person.status, person.is_active = StaffStatus.OFFBOARDED, False
        person.save(update_fields=["status", "is_active"])
        _drop_token(person)
        result = OffboardResult(
            bindings=len(plan.revoke + plan.unchanged), exception_grants=len(grants), requests=len(pending)
        )
        record(
            "staff.offboard",
            target=person,
            before=before,
            reason=reason,
            after={
                **snapshot(person, ["status", "is_active"]),
                "bindings_revoked": result.bindings,
                "exception_grants_revoked": result.exception_grants,
                "requests_cancelled": result.requests,
            },
        )
    staff.refresh_from_db()
    return result


def _refuse_owner(actor, person, rights: PermissionSet) -> None:
    """Refuse while the person owns stores (hand them over first), naming only the stores the actor may see;
    the others are counted as stores the actor cannot see, never named."""
    owned = list(Store.objects.filter(Q(primary_owner=person) | Q(backup_owner=person)).order_by("name"))
    if not owned:
        return
    names = ", ".join(str(s) for s in owned if _works_in(rights, s.pk))
    hidden = sum(1 for s in owned if not _works_in(rights, s.pk))
    if hidden and names:
        names = ngettext(
            "%(stores)s and %(count)d store you cannot see",
            "%(stores)s and %(count)d stores you cannot see",
            hidden,
        ) % {"stores": names, "count": hidden}
    elif hidden:
        names = ngettext("%(count)d store you cannot see", "%(count)d stores you cannot see", hidden) % {
            "count": hidden
        }
    raise ValidationError(
        _("%(name)s still owns stores (%(stores)s); hand them to other owners first.")
        % {"name": person, "stores": names}
    )


def _drop_token(person) -> None:
    from staff.token_services import api_tokens_revoke_all

    api_tokens_revoke_all(user=person, reason="offboarded")
