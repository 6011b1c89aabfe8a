"""Revoking role bindings: the pure plan of a (bulk) revocation, applying it, and the bulk row ender."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_many

from .. import sync
from ..models import (
    RoleBinding,
)
from .common import (
    Refusal,
    _apply_only,
    _fingerprint,
    _grant_refusal,
    _last_super_admin_message,
    _permanent_super_admins,
    _require_reason,
    _rights,
    _role_codes,
)


@dataclass
class RevokePlan:
    """What a (bulk) revocation would do: end these live bindings, skip ended ones, refuse others (why)."""

    revoke: list[RoleBinding] = field(default_factory=list)
    unchanged: list[RoleBinding] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)  # each with .binding
    # administrators' bindings: ending them needs a second person's approval, as granting them did
    needs_approval: list[RoleBinding] = field(default_factory=list)
    requests: list = field(default_factory=list)  # the revocation requests opened when applied

    @property
    def key(self) -> str:
        """A fingerprint of exactly what this plan does (see GrantPlan.key)."""
        return _fingerprint(
            {
                "revoke": sorted(b.pk for b in self.revoke),
                "approval": sorted(b.pk for b in self.needs_approval),
                "unchanged": sorted(b.pk for b in self.unchanged),
                "refused": sorted(r.binding.pk for r in self.refused),
            }
        )


def _bindings_for_update(bindings, *, lock: bool) -> list[RoleBinding]:
    if isinstance(bindings, RoleBinding):
        bindings = [bindings]
    if hasattr(bindings, "values_list") and not lock:
        qs = bindings
    else:
        ids = (
            list(bindings.values_list("pk", flat=True))
            if hasattr(bindings, "values_list")
            else [b.pk if isinstance(b, RoleBinding) else int(b) for b in bindings]
        )
        qs = RoleBinding.objects.filter(pk__any_of=ids)
    if lock:
        qs = qs.select_for_update(of=("self",))
    return list(qs.select_related("staff", "role", "store").order_by("pk"))


def bindings_bulk_revoke_plan(*, actor, bindings, now: datetime | None = None, _locked: bool = False) -> RevokePlan:
    """Pure preview of revoking the given bindings (objects, ids or a queryset): no writes."""
    now = now or timezone.now()
    rows = _bindings_for_update(bindings, lock=_locked)
    rights = _rights(actor)
    codes: dict[int, frozenset[str]] = {}
    plan = RevokePlan()
    for b in rows:
        if b.role_id not in codes:
            codes[b.role_id] = _role_codes(b.role)
        why = _grant_refusal(
            actor=actor, rights=rights, staff_id=b.staff_id, role=b.role, codes=codes[b.role_id], store_id=b.store_id
        )
        if why:
            plan.refused.append(Refusal(b.staff, b.store, why, binding=b))
        elif not b.is_live(now):
            plan.unchanged.append(b)
        else:
            plan.revoke.append(b)
    supers = [b for b in plan.revoke if b.role.is_super_admin and b.store_id is None]
    if supers and not _permanent_super_admins(exclude_bindings=[b.pk for b in supers]):
        plan.revoke = [b for b in plan.revoke if b not in supers]
        plan.refused.extend(
            Refusal(b.staff, b.store, _last_super_admin_message(), denied=False, binding=b) for b in supers
        )
    owned = _owned_pairs([b for b in plan.revoke if b.store_id])
    plan.needs_approval = [b for b in plan.revoke if _administrator_binding(b, codes[b.role_id], owned)]
    plan.revoke = [b for b in plan.revoke if b not in plan.needs_approval]
    return plan


def _owned_pairs(bindings: list[RoleBinding]) -> set[tuple[int, int]]:
    """{(staff id, store id)} among these bindings where the person owns the store (one query)."""
    from stores.models import Store

    if not bindings:
        return set()
    stores = Store.objects.filter(pk__any_of=sorted({b.store_id for b in bindings})).values_list(
        "pk", "primary_owner_id", "backup_owner_id"
    )
    return {(owner, pk) for pk, primary, backup in stores for owner in (primary, backup)}


def _administrator_binding(b: RoleBinding, codes: frozenset[str], owned: set[tuple[int, int]]) -> bool:
    """A super-admin binding, or an admin role (one that manages users) on a store its holder owns."""
    if b.role.is_super_admin:
        return True
    return "users_manage" in codes and (b.staff_id, b.store_id) in owned


def bindings_bulk_revoke(*, actor, bindings, reason: str, expected_plan: str | None = None) -> RevokePlan:
    """Revoke the allowed live bindings in bulk (one UPDATE, one membership DELETE, one audit row per
    binding); returns the plan that was applied, with the skipped and refused ones.

    With `expected_plan` (the `key` of the plan a person previewed), raises PlanChanged and writes
    nothing unless the plan, made again with the bindings locked, is exactly that one."""
    reason = _require_reason(reason)
    with transaction.atomic():
        now = timezone.now()
        plan = bindings_bulk_revoke_plan(actor=actor, bindings=bindings, now=now, _locked=True)
        _apply_only(plan.key, expected_plan)
        _revoke_bindings(plan.revoke, by=actor, reason=reason, now=now)
        if plan.needs_approval:
            from .requests import revoke_requests_open

            plan.requests = revoke_requests_open(plan.needs_approval, requested_by=actor, reason=reason, now=now)
    return plan


def binding_revoke(*, actor, binding: RoleBinding, reason: str):
    """Revoke one live binding (the row stays as history); an administrator's binding is not ended but gets a
    revocation request that a second person approves (returned instead)."""
    with transaction.atomic():
        plan = bindings_bulk_revoke(actor=actor, bindings=[binding], reason=reason)
        if plan.refused:
            raise plan.refused[0].exception()
        if plan.unchanged:
            raise ValidationError(_("This binding has already ended."))
    if plan.requests:
        return plan.requests[0]
    binding.refresh_from_db()
    return binding


def _revoke_bindings(bindings: list[RoleBinding], *, by, reason: str, now, expiry: bool = False) -> None:
    """End bindings in bulk: mark them, drop their guardian memberships, audit each (binding.revoke/expire)."""
    if not bindings:
        return
    ids = [b.pk for b in bindings]
    qs = RoleBinding.objects.filter(pk__any_of=ids)
    if expiry:
        qs.update(revoked_at=F("expires_at"), expired=True, revoke_reason="expired")
    else:
        qs.update(revoked_at=now, revoked_by=by, revoke_reason=reason)
    sync.memberships_remove_for_bindings(ids)
    action = "binding.expire" if expiry else "binding.revoke"
    record_many(
        action,
        [
            {
                "target": b,
                "store": b.store_id,
                "reason": reason,
                "before": {"live": True, "role": b.role_id, "store": b.store_id},
                "after": {
                    "live": False,
                    "role": b.role_id,
                    "store": b.store_id,
                    "ended_at": b.expires_at if expiry else now,
                    "revoked_by": None if expiry else by.pk,
                },
            }
            for b in bindings
        ],
    )


def _expire_bindings(queryset, *, now, limit: int | None = None) -> int:
    rows = queryset.select_for_update(of=("self",), skip_locked=True).select_related("staff", "role", "store")
    rows = list(rows.order_by("pk")[:limit] if limit else rows)
    _revoke_bindings(rows, by=None, reason=_("Expired"), now=now, expiry=True)
    return len(rows)
