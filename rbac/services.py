"""Writes for roles, bindings, access requests and exception grants.

Every service is atomic, re-checks the actor's rights from a fresh load of their bindings, keeps
django-guardian in step (rbac.sync) and records its audit events inside the same transaction.
Refusals are PermissionDenied (the actor lacks a right) or ValidationError (the change itself is
not allowed), each with a translated message saying why.

Delegation without escalation: a granter with users_manage on store S grants/revokes on S only, only
roles whose permissions they hold themselves on S, never to or from themselves, never all-store
bindings; only super admins edit roles and grant all-store bindings. A grant that includes a
high-risk permission becomes an AccessRequest that another entitled person approves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import product
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.services import record, record_many, snapshot
from core import bulk
from core.permissions import PermissionSet
from staff.choices import StaffStatus
from stores.catalogue import BY_CODENAME, HIGH_RISK, label_of
from stores.models import Store

from . import sync
from .models import (
    AccessRequest,
    ExceptionGrant,
    PositionRole,
    RequestKind,
    RequestStatus,
    Role,
    RoleBinding,
)
from .permissions import load_permissions, role_cache

Staff = get_user_model()

Target = tuple  # (Staff, Store | None)


class Refusal(NamedTuple):
    """One target a bulk operation will not touch, and why. `denied` says whether it is the actor's
    lack of a right (PermissionDenied) or the change itself that is not allowed (ValidationError)."""

    staff: object
    store: object
    message: str
    denied: bool = True
    binding: object = None

    def exception(self) -> Exception:
        return PermissionDenied(self.message) if self.denied else ValidationError(self.message)


# ---------------------------------------------------------------------------------------------- helpers


def _rights(actor) -> PermissionSet:
    """The actor's rights, freshly loaded (never trust a PermissionSet cached earlier in the request)."""
    return load_permissions(actor)


def _labels(codenames: Iterable[str]) -> str:
    return ", ".join(str(label_of(c)) for c in sorted(codenames))


def _role_codes(role: Role) -> frozenset[str]:
    if role.is_super_admin:
        return frozenset(BY_CODENAME)
    return frozenset(role.permissions.values_list("codename", flat=True))


def _needs_approval(role: Role, codes: frozenset[str]) -> bool:
    return role.is_super_admin or bool(codes & HIGH_RISK)


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


# ---------------------------------------------------------------------------------------------- roles


def _require_super_admin(actor) -> None:
    if not _rights(actor).super_admin:
        raise PermissionDenied(_("Only a super admin can create, edit or delete roles."))


def _role_state(role: Role, codes: Iterable[str]) -> dict:
    return {"name": role.name, "description": role.description, "permissions": sorted(codes)}


def _store_permissions(codenames: Iterable[str]) -> list[Permission]:
    codenames = {str(c).removeprefix("stores.") for c in codenames}
    unknown = codenames - BY_CODENAME.keys()
    if unknown:
        raise ValidationError(
            {"permissions": _("Unknown permissions: %(perms)s.") % {"perms": ", ".join(sorted(unknown))}}
        )
    return list(
        Permission.objects.filter(content_type__app_label="stores", content_type__model="store", codename__in=codenames)
    )


def _check_role_name(name: str, *, exclude_pk=None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A role needs a name.")})
    if Role.objects.filter(name=name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": _("A role named “%(name)s” already exists.") % {"name": name}})
    return name


def role_create(*, actor, name: str, permissions: Iterable[str], description: str = "") -> Role:
    """Create a role (super admins only) from store permission codenames; audited as role.create."""
    with transaction.atomic():
        _require_super_admin(actor)
        perms = _store_permissions(permissions)
        role = Role.objects.create(name=_check_role_name(name), description=description or "")
        role.permissions.set(perms)
        record("role.create", target=role, after=_role_state(role, [p.codename for p in perms]))
        transaction.on_commit(role_cache.bump)
    return role


def role_update(
    *,
    actor,
    role: Role,
    name: str | None = None,
    description: str | None = None,
    permissions: Iterable[str] | None = None,
) -> Role:
    """Edit a role (super admins only). A permission change applies to every holder at once: guardian's
    groups are resynced in this transaction and the role version is bumped after commit."""
    with transaction.atomic():
        _require_super_admin(actor)
        sync.lock_role(role.pk, exclusive=True)
        role.refresh_from_db()
        old_codes = _role_codes(role)
        before = _role_state(role, old_codes)
        if name is not None:
            role.name = _check_role_name(name, exclude_pk=role.pk)
        if description is not None:
            role.description = description
        new_codes = old_codes
        if permissions is not None:
            if role.is_super_admin:
                raise ValidationError({"permissions": _("The super admin role always holds every permission.")})
            perms = _store_permissions(permissions)
            new_codes = frozenset(p.codename for p in perms)
            by_code = {p.codename: p.pk for p in perms}
            old_ids = dict(role.permissions.values_list("codename", "id"))
            role.permissions.set(perms)
            sync.resync_role(
                role,
                added=[by_code[c] for c in new_codes - old_codes],
                removed=[old_ids[c] for c in old_codes - new_codes],
            )
        role.save()
        record("role.update", target=role, before=before, after=_role_state(role, new_codes))
        transaction.on_commit(role_cache.bump)
    return role


def role_delete(*, actor, role: Role, reason: str = "") -> None:
    """Delete a role (super admins only). Refused for built-in roles and roles in use (live bindings or
    pending requests). Its ended bindings go with it (their grants and revocations stay in the audit log)."""
    with transaction.atomic():
        _require_super_admin(actor)
        sync.lock_role(role.pk, exclusive=True)
        if role.builtin:
            raise ValidationError(_("Built-in roles cannot be deleted."))
        live = role.bindings.live().count()
        pending = role.access_requests.pending().count()
        if live or pending:
            raise ValidationError(
                _("“%(role)s” is in use (%(live)d live bindings, %(pending)d pending requests); revoke them first.")
                % {"role": role.name, "live": live, "pending": pending}
            )
        before = _role_state(role, _role_codes(role))
        before["ended_bindings"] = role.bindings.count()
        record("role.delete", target=role, before=before, reason=reason)
        sync.groups_delete_for_role(role)
        role.bindings.all().delete()
        role.delete()
        transaction.on_commit(role_cache.bump)


def position_roles_set(*, actor, position, roles: Iterable[Role]) -> None:
    """Set the default roles a position proposes (super admins only); audited as position.roles."""
    with transaction.atomic():
        _require_super_admin(actor)
        before = sorted(PositionRole.objects.filter(position=position).values_list("role_id", flat=True))
        wanted = {r.pk for r in roles}
        PositionRole.objects.filter(position=position).exclude(role_id__in=wanted).delete()
        PositionRole.objects.bulk_create(
            [PositionRole(position=position, role_id=r) for r in wanted], ignore_conflicts=True
        )
        record("position.roles", target=position, before={"roles": before}, after={"roles": sorted(wanted)})


# ---------------------------------------------------------------------------------------------- grants


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
        if invalid or denied:
            plan.refused.append(Refusal(person, store, invalid or denied, denied=bool(denied)))
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
    *, actor, role: Role, staff, stores, reason: str, expires_at: datetime | None = None
) -> GrantResult:
    """Apply the plan: bind the allowed targets in bulk (bindings, guardian groups and memberships,
    one audit row per binding — a constant number of statements), open access requests (one batch)
    where the role is high-risk, and report the unchanged and refused targets."""
    reason = _require_reason(reason)
    with transaction.atomic():
        sync.lock_role(role.pk)
        now = timezone.now()
        plan = bindings_bulk_grant_plan(
            actor=actor, role=role, staff=staff, stores=stores, expires_at=expires_at, now=now
        )
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


# ---------------------------------------------------------------------------------------------- requests


def _describe(
    kind: str,
    *,
    person,
    store,
    role: Role | None,
    codes: frozenset[str],
    current: PermissionSet,
    requested_by,
    grant_expires_at,
) -> dict:
    """The frozen description of what approving would change."""
    store_id = store.pk if store is not None else None
    held = current.everywhere if store is None else current.perms_on(store_id)
    return {
        "kind": kind,
        "what": role.name if role is not None else next(iter(codes)),
        "role": {"id": role.pk, "name": role.name, "permissions": sorted(codes)} if role is not None else None,
        "permission": next(iter(codes)) if role is None else None,
        "staff": person.pk,
        "staff_name": str(person),
        "store": store_id,
        "store_name": str(store) if store is not None else None,
        "adds": sorted(codes - held) if not current.super_admin else [],
        "high_risk": sorted(codes & HIGH_RISK),
        "grant_expires_at": grant_expires_at.isoformat() if grant_expires_at else None,
        "requested_by": requested_by.pk,
        "requested_by_name": str(requested_by),
    }


def _create_requests(
    kind: str,
    targets: list[Target],
    *,
    requested_by,
    reason: str,
    grant_expires_at,
    now,
    role: Role | None = None,
    permission: Permission | None = None,
) -> list[AccessRequest]:
    """Open one access request per target (one batch id), in bulk, each audited as access_request.create."""
    if not targets:
        return []
    codes = _role_codes(role) if role is not None else frozenset([permission.codename])
    staff_ids = {p.pk for p, _s in targets}
    _expire_requests(
        AccessRequest.objects.filter(status=RequestStatus.PENDING, staff_id__in=staff_ids, expires_at__lte=now)
    )
    current = {pk: load_permissions(p) for pk, p in {p.pk: p for p, _s in targets}.items()}
    batch = AccessRequest.new_batch() if len(targets) > 1 else None
    requests = [
        AccessRequest(
            kind=kind,
            requested_by=requested_by,
            staff=p,
            role=role,
            permission=permission,
            store=s,
            grant_expires_at=grant_expires_at,
            reason=reason,
            batch=batch,
            created_at=now,
            expires_at=now + settings.ACCESS_REQUEST_TTL,
            description=_describe(
                kind,
                person=p,
                store=s,
                role=role,
                codes=codes,
                current=current[p.pk],
                requested_by=requested_by,
                grant_expires_at=grant_expires_at,
            ),
        )
        for p, s in targets
    ]
    bulk.insert(requests)
    record_many(
        "access_request.create",
        [
            {
                "target": r,
                "store": r.store_id,
                "reason": reason,
                "after": {"status": r.status, "description": r.description, "expires_at": r.expires_at},
            }
            for r in requests
        ],
    )
    return requests


def access_request_create(
    *,
    actor,
    staff,
    store: Store | None,
    reason: str,
    role: Role | None = None,
    permission=None,
    expires_at: datetime | None = None,
) -> AccessRequest:
    """Ask for a role (or one permission on one store) to be granted after a second person approves.

    Anyone may ask for themselves (on a store they can see, or all stores); asking for someone
    else requires the right to grant it yourself, as for a direct grant.
    """
    reason = _require_reason(reason)
    with transaction.atomic():
        now = timezone.now()
        _check_expiry(expires_at, now)
        rights = _rights(actor)
        store_id = store.pk if store is not None else None
        if (role is None) == (permission is None):
            raise ValidationError(_("Ask for either a role or a single permission."))
        perm = _permission(permission) if permission is not None else None
        if perm is not None and store is None:
            raise ValidationError({"store": _("A single permission is granted on one store.")})
        if role is not None:
            why = _target_invalid(staff, role, store)
        else:
            why = None if _working(staff) else _("%(name)s is not an active staff member.") % {"name": staff}
        if why:
            raise ValidationError(why)
        if actor.pk == staff.pk:
            if store_id is not None and not _works_in(rights, store_id):
                raise PermissionDenied(_("You can only ask for access to stores you work in."))
        elif role is not None:
            why = _grant_refusal(
                actor=actor, rights=rights, staff_id=staff.pk, role=role, codes=_role_codes(role), store_id=store_id
            )
        else:
            why = _exception_refusal(
                actor=actor, rights=rights, staff_id=staff.pk, codename=perm.codename, store_id=store_id
            )
        if why:
            raise PermissionDenied(why)
        duplicate = (
            AccessRequest.objects.pending(now).filter(staff=staff, role=role, permission=perm, store=store).exists()
        )
        if duplicate:
            raise ValidationError(_("A request for this is already waiting for approval."))
        kind = RequestKind.ROLE if role is not None else RequestKind.PERMISSION
        return _create_requests(
            kind,
            [(staff, store)],
            requested_by=actor,
            reason=reason,
            grant_expires_at=expires_at,
            now=now,
            role=role,
            permission=perm,
        )[0]


def _approval_refusal(*, actor, rights: PermissionSet, req: AccessRequest, now, codes: dict) -> Refusal | None:
    """Why actor may not decide this request (None: they may approve or reject it)."""
    if req.status != RequestStatus.PENDING:
        why = _("This request has already been decided (%(status)s).") % {"status": req.get_status_display()}
        return Refusal(req.staff, req.store, why, denied=False)
    if req.expires_at <= now:
        why = _("This request expired on %(date)s.") % {
            "date": date_format(timezone.localtime(req.expires_at), "DATETIME_FORMAT")
        }
        return Refusal(req.staff, req.store, why, denied=False)
    if actor.pk == req.requested_by_id:
        why = _("You made this request; another person must decide it.")
    elif actor.pk == req.staff_id:
        why = _("This request is for you; another person must decide it.")
    elif req.kind == RequestKind.ROLE:
        if req.role_id not in codes:
            codes[req.role_id] = _role_codes(req.role)
        why = _grant_refusal(
            actor=actor,
            rights=rights,
            staff_id=req.staff_id,
            role=req.role,
            codes=codes[req.role_id],
            store_id=req.store_id,
        )
    else:
        why = _exception_refusal(
            actor=actor, rights=rights, staff_id=req.staff_id, codename=req.permission.codename, store_id=req.store_id
        )
    return Refusal(req.staff, req.store, why) if why else None


def _locked_requests(requests) -> list[AccessRequest]:
    """Lock the requests; their people, stores, roles and permissions are loaded once each (a batch for
    one person on 1,000 stores loads one person, not 1,000 copies)."""
    if hasattr(requests, "values_list"):
        ids = list(requests.values_list("pk", flat=True))
    else:
        ids = [r.pk if isinstance(r, AccessRequest) else int(r) for r in _as_list(requests)]
    reqs = list(
        AccessRequest.objects.select_for_update(of=("self",)).defer("description").filter(pk__any_of=ids).order_by("pk")
    )
    people = Staff.objects.in_bulk({r.staff_id for r in reqs} | {r.requested_by_id for r in reqs if r.requested_by_id})
    stores = {
        s.pk: s
        for s in Store.objects.only("id", "name", "platform", "site").filter(
            pk__any_of=sorted({r.store_id for r in reqs if r.store_id})
        )
    }
    roles = Role.objects.in_bulk({r.role_id for r in reqs if r.role_id})
    perms = Permission.objects.in_bulk({r.permission_id for r in reqs if r.permission_id})
    for r in reqs:  # fill Django's related-object caches directly (what select_related would have done)
        r._state.fields_cache.update(
            {
                "staff": people[r.staff_id],
                "requested_by": people.get(r.requested_by_id),
                "store": stores.get(r.store_id),
                "role": roles.get(r.role_id),
                "permission": perms.get(r.permission_id),
            }
        )
    return reqs


def _decide(reqs: list[AccessRequest], *, actor, status: str, reason: str, now, action: str) -> None:
    """Mark the requests decided; one audit event per request, or ONE event for a batch (listing the
    requests and stores; store-scoped when they share a store) — the bindings a batch approval creates
    are audited one per store anyway."""
    before = reqs[0].status if reqs else ""
    AccessRequest.objects.filter(pk__any_of=[r.pk for r in reqs]).update(
        status=status, decided_by=actor, decided_at=now, decision_reason=reason
    )
    for r in reqs:
        r.status, r.decided_by, r.decided_at, r.decision_reason = status, actor, now, reason
    if len(reqs) == 1:
        record(
            action,
            target=reqs[0],
            store=reqs[0].store_id,
            reason=reason,
            before={"status": before},
            after={"status": status, "decided_by": actor.pk},
        )
        return
    stores = sorted({r.store_id for r in reqs if r.store_id}) + ([None] if any(not r.store_id for r in reqs) else [])
    record(
        action,
        target_type="rbac.accessrequest",
        target_id=str(reqs[0].batch or reqs[0].pk),
        target_label=_("%(count)d requests for %(name)s") % {"count": len(reqs), "name": reqs[0].staff},
        store=stores[0] if len(stores) == 1 else None,
        reason=reason,
        before={"status": before},
        after={"status": status, "decided_by": actor.pk, "requests": [r.pk for r in reqs], "stores": stores},
    )


def access_requests_bulk_approve(*, actor, requests, reason: str) -> list[RoleBinding | ExceptionGrant]:
    """Approve pending requests (all or none): re-checks that the approver may grant each one and is
    neither requester nor grantee, refuses a request whose role changed since it was made, then grants
    in bulk (bindings credited to the requester, linked to the request)."""
    reason = _require_reason(reason)
    with transaction.atomic():
        now = timezone.now()
        reqs = _locked_requests(requests)
        rights = _rights(actor)
        codes: dict = {}
        for req in reqs:
            refusal = _approval_refusal(actor=actor, rights=rights, req=req, now=now, codes=codes)
            if refusal:
                raise refusal.exception()
        created: list = []
        groups: dict = {}
        for req in reqs:
            if req.kind == RequestKind.ROLE:
                groups.setdefault((req.role_id, req.requested_by_id, req.grant_expires_at, req.reason), []).append(req)
            else:
                created.append(
                    _create_exception(
                        staff=req.staff,
                        store=req.store,
                        permission=req.permission,
                        granted_by=req.requested_by,
                        reason=req.reason,
                        expires_at=req.grant_expires_at,
                        now=now,
                        request=req,
                    )
                )
        for group in groups.values():
            created.extend(_approve_role_group(group, now=now))
        _decide(
            reqs, actor=actor, status=RequestStatus.APPROVED, reason=reason, now=now, action="access_request.approve"
        )
    return created


def _approve_role_group(reqs: list[AccessRequest], *, now) -> list[RoleBinding]:
    role = reqs[0].role
    sync.lock_role(role.pk)
    codes = sorted(_role_codes(role))
    changed = AccessRequest.objects.filter(pk__any_of=[r.pk for r in reqs]).exclude(
        description__role__permissions=codes
    )
    if changed.exists():  # the frozen description no longer matches what approving would grant
        raise ValidationError(
            _("“%(role)s” has changed since this request was made; ask for a new request.") % {"role": role.name}
        )
    for req in reqs:
        if not _working(req.staff):
            raise ValidationError(_("%(name)s is not an active staff member.") % {"name": req.staff})
    first = reqs[0]
    return _create_bindings(
        role,
        [(r.staff, r.store) for r in reqs],
        granted_by=first.requested_by,
        reason=first.reason,
        expires_at=first.grant_expires_at,
        now=now,
        requests={(r.staff_id, r.store_id): r for r in reqs},
    )


def access_request_approve(*, actor, access_request: AccessRequest, reason: str) -> RoleBinding | ExceptionGrant | None:
    """Approve one pending request; returns what it granted (None when the grantee already held it)."""
    created = access_requests_bulk_approve(actor=actor, requests=[access_request], reason=reason)
    access_request.refresh_from_db()
    return created[0] if created else None


def access_requests_bulk_reject(*, actor, requests, reason: str) -> None:
    """Reject pending requests (all or none) with a reason; only people entitled to approve may."""
    reason = _require_reason(reason)
    with transaction.atomic():
        now = timezone.now()
        reqs = _locked_requests(requests)
        rights = _rights(actor)
        codes: dict = {}
        for req in reqs:
            refusal = _approval_refusal(actor=actor, rights=rights, req=req, now=now, codes=codes)
            if refusal:
                raise refusal.exception()
        _decide(
            reqs, actor=actor, status=RequestStatus.REJECTED, reason=reason, now=now, action="access_request.reject"
        )


def access_request_reject(*, actor, access_request: AccessRequest, reason: str) -> None:
    """Reject one pending request with a reason."""
    access_requests_bulk_reject(actor=actor, requests=[access_request], reason=reason)
    access_request.refresh_from_db()


def access_request_cancel(*, actor, access_request: AccessRequest, reason: str = "") -> None:
    """The requester (or the person it is for) withdraws a pending request."""
    with transaction.atomic():
        now = timezone.now()
        reqs = _locked_requests([access_request])
        if not reqs or reqs[0].status != RequestStatus.PENDING:
            raise ValidationError(_("Only a pending request can be cancelled."))
        if actor.pk not in (reqs[0].requested_by_id, reqs[0].staff_id):
            raise PermissionDenied(_("Only the person who asked, or the person it is for, can cancel a request."))
        _decide(
            reqs,
            actor=actor,
            status=RequestStatus.CANCELLED,
            reason=reason or "",
            now=now,
            action="access_request.cancel",
        )
    access_request.refresh_from_db()


# ---------------------------------------------------------------------------------------------- revoke


@dataclass
class RevokePlan:
    """What a (bulk) revocation would do: end these live bindings, skip ended ones, refuse others (why)."""

    revoke: list[RoleBinding] = field(default_factory=list)
    unchanged: list[RoleBinding] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)  # each with .binding


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
    return plan


def bindings_bulk_revoke(*, actor, bindings, reason: str) -> RevokePlan:
    """Revoke the allowed live bindings in bulk (one UPDATE, one membership DELETE, one audit row per
    binding); returns the plan that was applied, with the skipped and refused ones."""
    reason = _require_reason(reason)
    with transaction.atomic():
        now = timezone.now()
        plan = bindings_bulk_revoke_plan(actor=actor, bindings=bindings, now=now, _locked=True)
        _revoke_bindings(plan.revoke, by=actor, reason=reason, now=now)
    return plan


def binding_revoke(*, actor, binding: RoleBinding, reason: str) -> RoleBinding:
    """Revoke one live binding (the row stays as history)."""
    with transaction.atomic():
        plan = bindings_bulk_revoke(actor=actor, bindings=[binding], reason=reason)
        if plan.refused:
            raise plan.refused[0].exception()
        if plan.unchanged:
            raise ValidationError(_("This binding has already ended."))
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


# ---------------------------------------------------------------------------------------------- exceptions


def _create_exception(
    *, staff, store, permission: Permission, granted_by, reason, expires_at, now, request: AccessRequest | None = None
) -> ExceptionGrant | None:
    _expire_exceptions(
        ExceptionGrant.objects.filter(
            staff=staff, store=store, permission=permission, revoked_at__isnull=True, expires_at__lte=now
        ),
        now=now,
    )
    if ExceptionGrant.objects.filter(staff=staff, store=store, permission=permission, revoked_at__isnull=True).exists():
        return None
    grant = ExceptionGrant.objects.create(
        staff=staff,
        store=store,
        permission=permission,
        granted_by=granted_by,
        reason=reason,
        expires_at=expires_at,
        created_at=now,
        request=request,
    )
    sync.user_perm_add(staff_id=staff.pk, store_id=store.pk, permission_id=permission.pk)
    record(
        "exception.grant",
        target=grant,
        store=store,
        reason=reason,
        after={
            "staff": staff.pk,
            "permission": permission.codename,
            "store": store.pk,
            "expires_at": expires_at,
            "granted_by": granted_by.pk if granted_by else None,
            "request": request.pk if request else None,
        },
    )
    return grant


def exception_grant(
    *, actor, staff, store: Store, permission, reason: str, expires_at: datetime | None = None
) -> ExceptionGrant | AccessRequest:
    """Grant one permission on one store outside any role (e.g. an auditor's finance export), with an
    optional expiry. Same delegation rules as roles; a high-risk permission becomes an access request."""
    reason = _require_reason(reason)
    with transaction.atomic():
        now = timezone.now()
        _check_expiry(expires_at, now)
        perm = _permission(permission)
        if not _working(staff):
            raise ValidationError(_("%(name)s is not an active staff member.") % {"name": staff})
        why = _exception_refusal(
            actor=actor, rights=_rights(actor), staff_id=staff.pk, codename=perm.codename, store_id=store.pk
        )
        if why:
            raise PermissionDenied(why)
        if perm.codename in HIGH_RISK:
            if AccessRequest.objects.pending(now).filter(staff=staff, permission=perm, store=store).exists():
                raise ValidationError(_("A request for this is already waiting for approval."))
            return _create_requests(
                RequestKind.PERMISSION,
                [(staff, store)],
                requested_by=actor,
                reason=reason,
                grant_expires_at=expires_at,
                now=now,
                permission=perm,
            )[0]
        grant = _create_exception(
            staff=staff, store=store, permission=perm, granted_by=actor, reason=reason, expires_at=expires_at, now=now
        )
        if grant is None:
            raise ValidationError(_("%(name)s already holds this permission there.") % {"name": staff})
        return grant


def _end_exceptions(grants: list[ExceptionGrant], *, by, reason, now, expiry: bool = False) -> None:
    if not grants:
        return
    qs = ExceptionGrant.objects.filter(pk__any_of=[g.pk for g in grants])
    if expiry:
        qs.update(revoked_at=F("expires_at"), expired=True, revoke_reason="expired")
    else:
        qs.update(revoked_at=now, revoked_by=by, revoke_reason=reason)
    sync.user_perms_remove((g.staff_id, g.store_id, g.permission_id) for g in grants)
    record_many(
        "binding.expire" if expiry else "exception.revoke",
        [
            {
                "target": g,
                "store": g.store_id,
                "reason": reason,
                "before": {"live": True},
                "after": {
                    "live": False,
                    "permission": g.permission.codename,
                    "ended_at": g.expires_at if expiry else now,
                },
            }
            for g in grants
        ],
    )


def _expire_exceptions(queryset, *, now, limit: int | None = None) -> int:
    rows = queryset.select_for_update(of=("self",), skip_locked=True).select_related("staff", "store", "permission")
    rows = list(rows.order_by("pk")[:limit] if limit else rows)
    _end_exceptions(rows, by=None, reason=_("Expired"), now=now, expiry=True)
    return len(rows)


def exceptions_revocable(*, actor, grants: Iterable[ExceptionGrant]) -> set[int]:
    """Which of these exception grants actor may revoke (for revoke buttons; exception_revoke decides)."""
    grants = list(grants)
    if not grants:
        return set()
    rights = _rights(actor)
    return {
        g.pk
        for g in grants
        if not _exception_refusal(
            actor=actor, rights=rights, staff_id=g.staff_id, codename=g.permission.codename, store_id=g.store_id
        )
    }


def exception_revoke(*, actor, grant: ExceptionGrant, reason: str) -> ExceptionGrant:
    """End an exception grant (the row stays as history; guardian's row goes)."""
    reason = _require_reason(reason)
    with transaction.atomic():
        now = timezone.now()
        locked = (
            ExceptionGrant.objects.select_for_update(of=("self",))
            .select_related("staff", "store", "permission")
            .get(pk=grant.pk)
        )
        why = _exception_refusal(
            actor=actor,
            rights=_rights(actor),
            staff_id=locked.staff_id,
            codename=locked.permission.codename,
            store_id=locked.store_id,
        )
        if why:
            raise PermissionDenied(why)
        if not locked.is_live(now):
            raise ValidationError(_("This grant has already ended."))
        _end_exceptions([locked], by=actor, reason=reason, now=now)
    grant.refresh_from_db()
    return grant


# ---------------------------------------------------------------------------------------------- expiry


def _expire_requests(queryset) -> int:
    rows = list(queryset.select_for_update(of=("self",), skip_locked=True).order_by("pk"))
    if not rows:
        return 0
    AccessRequest.objects.filter(pk__any_of=[r.pk for r in rows]).update(status=RequestStatus.EXPIRED)
    record_many(
        "access_request.expire",
        [
            {
                "target": r,
                "store": r.store_id,
                "before": {"status": r.status},
                "after": {"status": RequestStatus.EXPIRED},
            }
            for r in rows
        ],
    )
    return len(rows)


def expire_due(*, now: datetime | None = None, limit: int = 5000) -> dict[str, int]:
    """The beat task's body: end expired bindings and exception grants (guardian membership/rows
    removed, audited as binding.expire) and lapse pending requests past their deadline
    (access_request.expire). Rows locked by a concurrent transaction are left for the next run."""
    now = now or timezone.now()
    with transaction.atomic():
        bindings = _expire_bindings(
            RoleBinding.objects.filter(revoked_at__isnull=True, expires_at__lte=now), now=now, limit=limit
        )
        grants = _expire_exceptions(
            ExceptionGrant.objects.filter(revoked_at__isnull=True, expires_at__lte=now), now=now, limit=limit
        )
        requests = _expire_requests(AccessRequest.objects.filter(status=RequestStatus.PENDING, expires_at__lte=now))
    return {"bindings": bindings, "exception_grants": grants, "requests": requests}


# ---------------------------------------------------------------------------------------------- offboarding


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
            raise PermissionDenied(_("You cannot offboard yourself."))
        if person.status == StaffStatus.OFFBOARDED:
            raise ValidationError(_("%(name)s has already been offboarded.") % {"name": person})
        rights = _rights(actor)
        if person.is_superuser and not rights.super_admin:
            raise PermissionDenied(_("Only a super admin can offboard a super admin."))
        if not rights.super_admin and not Staff.objects.restrict(actor, "change").filter(pk=person.pk).exists():
            raise PermissionDenied(_("You do not manage users in any store this person works in."))
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
                raise PermissionDenied(why)
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
    owned = list(Store.objects.filter(Q(primary_owner=person) | Q(backup_owner=person)).order_by("name"))
    if not owned:
        return
    visible = [s for s in owned if _works_in(rights, s.pk)]
    names = ", ".join(str(s) for s in visible)
    hidden = len(owned) - len(visible)
    if hidden:
        names = (names + ", " if names else "") + _("%(count)d other stores") % {"count": hidden}
    raise ValidationError(
        _("%(name)s still owns stores (%(stores)s); hand them to other owners first.")
        % {"name": person, "stores": names}
    )


def _drop_token(person) -> None:
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=person).delete()


# ---------------------------------------------------------------------------------------------- bootstrap


def binding_bootstrap(*, staff, role: Role, store: Store | None = None, reason: str) -> RoleBinding:
    """System grant without an actor or a second person — ONLY for seeding and management commands
    (e.g. the first super admin of a new installation). Audited like a grant (source: the bound context)."""
    reason = _require_reason(reason)
    with transaction.atomic():
        why = _target_invalid(staff, role, store)
        if why:
            raise ValidationError(why)
        sync.lock_role(role.pk)
        created = _create_bindings(
            role, [(staff, store)], granted_by=None, reason=reason, expires_at=None, now=timezone.now()
        )
        if not created:
            raise ValidationError(_("%(name)s already holds “%(role)s” there.") % {"name": staff, "role": role.name})
    return created[0]
