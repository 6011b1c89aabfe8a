"""Transfer (调岗): a change of department and/or position. The plan shows the bindings to add (the new position's
default roles on the stores the person works in) and to remove (roles of the old position that the new one does not
propose); the admin adjusts, and the change applies as one audited transaction through rbac's grant and revoke
services, so approvals happen where the policy needs them (pending requests are returned)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from audit.services import record
from rbac.models import AccessRequest, Role, RoleBinding
from rbac.services import bindings_bulk_grant, bindings_bulk_revoke
from staff.services import staff_update
from stores.models import Store

from .common import one_story
from .onboarding import Proposal, default_roles, proposals_for


@dataclass
class TransferPlan:
    """What the move proposes: `add` (role × store, with what the grant would do) and `remove` (live bindings)."""

    add: list[Proposal] = field(default_factory=list)
    remove: list[RoleBinding] = field(default_factory=list)


def work_stores(*, staff) -> list[Store]:
    """The stores a person works in: those of their live store bindings and those they own, by name."""
    ids = set(RoleBinding.objects.live().filter(staff=staff, store__isnull=False).values_list("store_id", flat=True))
    return list(
        Store.objects.filter(Q(pk__in=ids) | Q(primary_owner=staff) | Q(backup_owner=staff)).order_by("name", "pk")
    )


def transfer_plan(*, actor, staff, position) -> TransferPlan:
    """The bindings to add and remove when `staff` moves to `position` (None: no position). Pure: no writes."""
    old, new = default_roles(staff.position), default_roles(position)
    new_ids = {r.pk for r in new}
    plan = TransferPlan()
    plan.add = [p for p in proposals_for(actor=actor, roles=new, stores=work_stores(staff=staff), person=staff)]
    plan.add = [p for p in plan.add if p.outcome != "held"]
    gone = [r.pk for r in old if r.pk not in new_ids]
    plan.remove = list(
        RoleBinding.objects.live()
        .filter(staff=staff, role_id__in=gone)
        .select_related("role", "store")
        .order_by("store__name", "role__name")
    )
    return plan


@dataclass
class Transferred:
    bindings: list[RoleBinding] = field(default_factory=list)
    requests: list[AccessRequest] = field(default_factory=list)
    revoked: int = 0
    revoke_requests: int = 0


def staff_transfer(
    *, actor, staff, department, position, add: list[tuple[Role, Store | None]], remove: list[RoleBinding], reason: str
) -> Transferred:
    """Move `staff` to `department` and `position` (staff.services.staff_update), grant `add` and revoke `remove`
    (only that person's live bindings) through rbac's services — high-risk grants open access requests, an
    administrator's binding gets a revocation request — all in one transaction, audited staff.transfer naming it
    all under one request id."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason; it is kept in the audit log.")})
    if any(b.staff_id != staff.pk for b in remove):
        raise ValidationError(_("Only this person's roles can be removed here."))
    done = Transferred()
    with one_story(), transaction.atomic():
        before = {"department": staff.department_id, "position": staff.position_id}
        staff_update(actor=actor, staff=staff, data={"department": department, "position": position}, reason=reason)
        by_role: dict[Role, list[Store | None]] = defaultdict(list)
        for role, store in add:
            by_role[role].append(store)
        for role, stores in by_role.items():
            result = bindings_bulk_grant(actor=actor, role=role, staff=[staff], stores=stores, reason=reason)
            if result.plan.refused:
                raise result.plan.refused[0].exception()
            done.bindings += result.bindings
            done.requests += result.requests
        if remove:
            revoked = bindings_bulk_revoke(
                actor=actor, bindings=RoleBinding.objects.filter(pk__in=[b.pk for b in remove]), reason=reason
            )
            if revoked.refused:
                raise revoked.refused[0].exception()
            done.revoked = len(revoked.revoke)
            done.revoke_requests = len(revoked.requests)
        record(
            "staff.transfer",
            target=staff,
            reason=reason,
            before=before,
            after={
                "department": getattr(department, "pk", None),
                "position": getattr(position, "pk", None),
                "roles_granted": [[b.role_id, b.store_id] for b in done.bindings],
                "requests_opened": [[r.role_id, r.store_id] for r in done.requests],
                "bindings_revoked": done.revoked,
                "revocation_requests": done.revoke_requests,
            },
        )
    return done
