"""What every section of rbac.services shares: the refusal rules of delegation (who may grant or revoke
what, where), input checks, the cheap binding builder and the last-super-admin invariant."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from core.denied import Refused
from core.permissions import PermissionSet
from staff.choices import StaffStatus
from staff.models import Staff
from stores.catalogue import BY_CODENAME, HIGH_RISK, label_of
from stores.models import Store

from ..models import (
    Role,
    RoleBinding,
)
from ..permissions import load_permissions

Target = tuple  # (Staff, Store | None)


class Refusal(NamedTuple):
    """One target a bulk operation will not touch, and why. `denied` says whether it is the actor's
    lack of a right (Refused, a PermissionDenied recorded as a `denied` audit event) or the change itself that
    is not allowed (ValidationError)."""

    staff: Any  # a Staff
    store: Any  # a Store, or None for all stores
    message: str
    denied: bool = True
    binding: Any = None  # the RoleBinding a revocation refuses to end

    def exception(self) -> Exception:
        return Refused(self.message) if self.denied else ValidationError(self.message)


class PlanChanged(ValidationError):
    """A bulk grant or revocation was asked to apply exactly a previewed plan, and the plan it would apply
    now differs (someone granted, revoked or changed a role in between): nothing was written."""

    def __init__(self, message=None):
        super().__init__(
            message
            or _("Something changed since the preview; nothing was saved. Check the changes again and confirm."),
            code="plan_changed",
        )


# ---------------------------------------------------------------------------------------------- helpers

_T = TypeVar("_T")


def _given(value: _T | None) -> _T:
    """A value the data guarantees (a role request's role; a permission request's permission and store, by
    the rbac_request_kind_fields constraint and access_request_create's checks); a None here is a bug."""
    if value is None:
        raise ValueError("a value the access request's kind guarantees is missing")
    return value


def _fingerprint(data) -> str:
    """A short, stable digest of a plan's content: the key a preview hands out and a confirmation returns."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:40]


def _apply_only(plan_key: str, expected_plan: str | None) -> None:
    """Refuse to write unless the plan about to be applied is the one previewed (None: no preview to match)."""
    if expected_plan is not None and plan_key != expected_plan:
        raise PlanChanged


def _rights(actor) -> PermissionSet:
    """The actor's rights, freshly loaded (never trust a PermissionSet cached earlier in the request)."""
    return load_permissions(actor)


def _labels(codenames: Iterable[str]) -> str:
    return ", ".join(str(label_of(c)) for c in sorted(codenames))


def _role_codes(role: Role) -> frozenset[str]:
    if role.is_super_admin:
        return frozenset(BY_CODENAME)
    return frozenset(role.permissions.values_list("codename", flat=True))


def approval_codes() -> frozenset[str]:
    """The permissions whose grant waits for a second person: the security policy's list, else the catalogue's
    high-risk ones."""
    from security.policy import current

    chosen = current().approval_permissions
    return HIGH_RISK if chosen is None else frozenset(chosen)


def _needs_approval(role: Role, codes: frozenset[str]) -> bool:
    if role.is_super_admin or role.approval == "always":
        return True
    if role.approval == "never":
        return False
    return bool(codes & approval_codes())


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason; it is kept in the audit log.")})
    return reason


def _check_expiry(expires_at: datetime | None, now: datetime) -> None:
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})


def _as_list(value) -> list:
    if value is None or isinstance(value, (Staff, Store)):
        return [value]
    return list(value)


def _works_in(rights: PermissionSet, store_id: int) -> bool:
    return rights.super_admin or bool(rights.perms_on(store_id))


def _working(staff) -> bool:
    return staff.is_active and staff.status == StaffStatus.ACTIVE


def _target_invalid(staff, role: Role, store) -> str | None:
    """Why this target cannot hold this role at all, whoever asks."""
    if not _working(staff):
        return _("%(name)s is not an active staff member.") % {"name": staff}
    if role.is_super_admin and store is not None:
        return _("The super admin role can only be held on all stores.")
    return None


def _grant_refusal(
    *, actor, rights: PermissionSet, staff_id: int, role: Role, codes: frozenset[str], store_id: int | None
) -> str | None:
    """Why actor may not grant or revoke this role for this person on this store (None: they may)."""
    if actor.pk == staff_id:
        return _("You cannot grant or revoke your own roles; ask another administrator.")
    if store_id is None:
        return None if rights.super_admin else _("Only a super admin can grant or revoke roles on all stores.")
    if rights.super_admin:
        return None
    if not rights.has("users_manage", store_id):
        return _("You do not manage users in this store.")
    missing = codes - rights.perms_on(store_id)
    if missing:
        return _("You cannot grant or revoke “%(role)s” in this store: you do not hold %(perms)s there yourself.") % {
            "role": role.name,
            "perms": _labels(missing),
        }
    return None


def _exception_refusal(*, actor, rights: PermissionSet, staff_id: int, codename: str, store_id: int) -> str | None:
    if actor.pk == staff_id:
        return _("You cannot grant or revoke your own permissions; ask another administrator.")
    if rights.super_admin:
        return None
    if not rights.has("users_manage", store_id):
        return _("You do not manage users in this store.")
    if not rights.has(codename, store_id):
        return _("You cannot grant or revoke “%(perm)s” in this store: you do not hold it there yourself.") % {
            "perm": _labels([codename])
        }
    return None


def _permission(codename_or_perm) -> Permission:
    if isinstance(codename_or_perm, Permission):
        codename = codename_or_perm.codename
    else:
        codename = str(codename_or_perm).removeprefix("stores.")
    if codename not in BY_CODENAME:
        raise ValidationError({"permission": _("Unknown permission “%(perm)s”.") % {"perm": codename}})
    return Permission.objects.get(content_type__app_label="stores", content_type__model="store", codename=codename)


def _binding_after(binding: RoleBinding) -> dict:
    """A new binding for the audit log (its label names the person, role and store)."""
    return {
        "staff": binding.staff_id,
        "role": binding.role_id,
        "store": binding.store_id,
        "expires_at": binding.expires_at,
        "granted_by": binding.granted_by_id,
        "request": binding.request_id,
        "live": True,
    }


def _new_binding(person, role: Role, store, *, granted_by, reason: str, expires_at, now, request) -> RoleBinding:
    """An unsaved binding built the cheap way (positional fields, related caches filled): grants of one
    role on 1,000 stores build 1,000 of them."""
    values = {
        "id": None,
        "staff_id": person.pk,
        "role_id": role.pk,
        "store_id": store.pk if store is not None else None,
        "granted_by_id": granted_by.pk if granted_by is not None else None,
        "reason": reason,
        "expires_at": expires_at,
        "created_at": now,
        "request_id": request.pk if request is not None else None,
        "revoked_at": None,
        "revoked_by_id": None,
        "revoke_reason": "",
        "expired": False,
    }
    binding = RoleBinding(
        *[values[f.attname] for f in RoleBinding._meta.concrete_fields]
    )  # KeyError if a field is added
    binding._state.fields_cache.update({"staff": person, "role": role, "store": store, "request": request})
    return binding


def _permanent_super_admins(*, exclude_bindings: Iterable[int] = (), exclude_staff: Iterable[int] = ()) -> set[int]:
    """Active staff who are super admins without an expiry (Django superusers or a permanent
    all-store super-admin binding), leaving out the given bindings and people."""
    working = Q(is_active=True, status=StaffStatus.ACTIVE)
    ids = set(
        Staff.objects.filter(working, is_superuser=True)
        .exclude(pk__in=list(exclude_staff))
        .values_list("pk", flat=True)
    )
    bound = (
        RoleBinding.objects.filter(
            revoked_at__isnull=True,
            expires_at__isnull=True,
            store__isnull=True,
            role__is_super_admin=True,
            staff__is_active=True,
            staff__status=StaffStatus.ACTIVE,
        )
        .exclude(pk__in=list(exclude_bindings))
        .exclude(staff_id__in=list(exclude_staff))
    )
    return ids | set(bound.values_list("staff_id", flat=True))


def _last_super_admin_message() -> str:
    return _("This would leave no active super admin; grant the super admin role to someone else first.")
