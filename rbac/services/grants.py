"""Role grants: the pure plan of a (bulk) grant, applying it, one grant, and the bulk row writer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import product

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_many
from stores.catalogue import HIGH_RISK
from stores.models import Store

from .. import sync
from ..models import (
    AccessRequest,
    RequestKind,
    Role,
    RoleBinding,
)
from .common import (
    Refusal,
    Target,
    _apply_only,
    _as_list,
    _binding_after,
    _check_expiry,
    _fingerprint,
    _grant_refusal,
    _needs_approval,
    _new_binding,
    _require_reason,
    _rights,
    _role_codes,
    _target_invalid,
)
from .requests import _create_requests
from .revoke import _expire_bindings


@dataclass
class GrantPlan:
    """What a (bulk) grant would do: bind now, open access requests, leave alone, or refuse (with why)."""

    role: Role
    expires_at: datetime | None
    high_risk: list[str]
    grant: list[Target] = field(default_factory=list)
    request: list[Target] = field(default_factory=list)
    unchanged: list[Target] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    @property
    def needs_approval(self) -> bool:
        return bool(self.request)

    @property
    def key(self) -> str:
        """A fingerprint of exactly what this plan does: a preview shows it, a confirmation passes it back
        as `expected_plan` so that only the previewed plan is applied."""

        def pairs(targets):
            return sorted([p.pk, s.pk if s is not None else 0] for p, s in targets)

        return _fingerprint(
            {
                "role": self.role.pk,
                "grant": pairs(self.grant),
                "request": pairs(self.request),
                "unchanged": pairs(self.unchanged),
                "refused": pairs((r.staff, r.store) for r in self.refused),
            }
        )


@dataclass
class GrantResult:
    """The outcome of a grant: bindings created now and access requests opened."""

    plan: GrantPlan
    bindings: list[RoleBinding] = field(default_factory=list)
    requests: list[AccessRequest] = field(default_factory=list)


def bindings_bulk_grant_plan(
    *, actor, role: Role, staff, stores, expires_at: datetime | None = None, now: datetime | None = None
) -> GrantPlan:
    """Pure preview of granting `role` to every staff member × store given (store None = all stores):
    no writes. Reads a constant number of queries however many targets."""
    now = now or timezone.now()
    _check_expiry(expires_at, now)
    staff_list, store_list = _as_list(staff), _as_list(stores)
    rights = _rights(actor)
    codes = _role_codes(role)
    approval = _needs_approval(role, codes)
    staff_ids = [s.pk for s in staff_list]
    held = set(
        RoleBinding.objects.live(now).filter(role=role, staff_id__in=staff_ids).values_list("staff_id", "store_id")
    )
    pending = set(
        AccessRequest.objects.pending(now).filter(role=role, staff_id__in=staff_ids).values_list("staff_id", "store_id")
    )
    plan = GrantPlan(role=role, expires_at=expires_at, high_risk=sorted(codes & HIGH_RISK))
    for person, store in product(staff_list, store_list):
        store_id = store.pk if store is not None else None
        invalid = _target_invalid(person, role, store)
        denied = (
            None
            if invalid
            else _grant_refusal(
                actor=actor, rights=rights, staff_id=person.pk, role=role, codes=codes, store_id=store_id
            )
        )
        why = invalid or denied
        if why:
            plan.refused.append(Refusal(person, store, why, denied=bool(denied)))
        elif (person.pk, store_id) in held:
            plan.unchanged.append((person, store))
        elif not approval:
            plan.grant.append((person, store))
        elif (person.pk, store_id) in pending:
            plan.refused.append(
                Refusal(person, store, _("A request for this is already waiting for approval."), denied=False)
            )
        else:
            plan.request.append((person, store))
    return plan


def bindings_bulk_grant(
    *,
    actor,
    role: Role,
    staff,
    stores,
    reason: str,
    expires_at: datetime | None = None,
    expected_plan: str | None = None,
) -> GrantResult:
    """Apply the plan: bind the allowed targets in bulk (bindings, guardian groups and memberships,
    one audit row per binding — a constant number of statements), open access requests (one batch)
    where the role is high-risk, and report the unchanged and refused targets.

    With `expected_plan` (the `key` of the plan a person previewed), raises PlanChanged and writes
    nothing unless the plan, made again under the role's lock, is exactly that one."""
    reason = _require_reason(reason)
    with transaction.atomic():
        sync.lock_role(role.pk)
        now = timezone.now()
        plan = bindings_bulk_grant_plan(
            actor=actor, role=role, staff=staff, stores=stores, expires_at=expires_at, now=now
        )
        _apply_only(plan.key, expected_plan)
        result = GrantResult(plan=plan)
        result.bindings = _create_bindings(
            role, plan.grant, granted_by=actor, reason=reason, expires_at=expires_at, now=now
        )
        result.requests = _create_requests(
            RequestKind.ROLE,
            plan.request,
            role=role,
            requested_by=actor,
            reason=reason,
            grant_expires_at=expires_at,
            now=now,
        )
    return result


def binding_grant(
    *, actor, staff, role: Role, store: Store | None, reason: str, expires_at: datetime | None = None
) -> RoleBinding | AccessRequest:
    """Grant one role to one person on one store (None = all stores). Returns the binding, or the
    AccessRequest when the role includes a high-risk permission (a second person must approve)."""
    with transaction.atomic():
        result = bindings_bulk_grant(
            actor=actor, role=role, staff=[staff], stores=[store], reason=reason, expires_at=expires_at
        )
        plan = result.plan
        if plan.refused:
            raise plan.refused[0].exception()
        if plan.unchanged:
            raise ValidationError(_("%(name)s already holds “%(role)s” there.") % {"name": staff, "role": role.name})
    return result.bindings[0] if result.bindings else result.requests[0]


def _create_bindings(
    role: Role, targets: list[Target], *, granted_by, reason: str, expires_at, now, requests: dict | None = None
) -> list[RoleBinding]:
    """Bulk-create live bindings (skipping targets already held) with their guardian memberships and audit rows."""
    if not targets:
        return []
    staff_ids = {p.pk for p, _s in targets}
    _expire_bindings(
        RoleBinding.objects.filter(role=role, staff_id__in=staff_ids, revoked_at__isnull=True, expires_at__lte=now),
        now=now,
    )
    held = set(
        RoleBinding.objects.filter(role=role, staff_id__in=staff_ids, revoked_at__isnull=True).values_list(
            "staff_id", "store_id"
        )
    )
    targets = [(p, s) for p, s in targets if (p.pk, s.pk if s is not None else None) not in held]
    if not targets:
        return []
    groups = sync.ensure_groups(role, [s.pk if s is not None else None for _p, s in targets])
    requests = requests or {}
    bindings = [
        _new_binding(
            p,
            role,
            s,
            granted_by=granted_by,
            reason=reason,
            expires_at=expires_at,
            now=now,
            request=requests.get((p.pk, s.pk if s is not None else None)),
        )
        for p, s in targets
    ]
    sync.bindings_insert(bindings)
    sync.memberships_add((b.staff_id, groups[b.store_id]) for b in bindings)
    record_many(
        "binding.grant",
        [{"target": b, "store": b.store_id, "after": _binding_after(b), "reason": reason} for b in bindings],
    )
    return bindings
