"""Opening access requests (a grant waiting for a second person) and lapsing them."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_many
from core import bulk
from core.denied import Refused
from core.permissions import PermissionSet
from events.choices import EventKind
from events.services import EventRow, event_emit_many
from stores.catalogue import HIGH_RISK
from stores.models import Store

from ..models import (
    AccessRequest,
    RequestKind,
    RequestStatus,
    Role,
)
from ..permissions import load_permissions
from .common import (
    Target,
    _check_expiry,
    _exception_refusal,
    _given,
    _grant_refusal,
    _permission,
    _require_reason,
    _rights,
    _role_codes,
    _target_invalid,
    _working,
    _works_in,
)


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
    held = current.everywhere if store is None else current.perms_on(store.pk)
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
    bindings: dict | None = None,
) -> list[AccessRequest]:
    """Open one access request per target (one batch id), in bulk, each audited as access_request.create.
    A revocation request names the binding it ends (`bindings`: {(staff id, store id): binding})."""
    if not targets:
        return []
    codes = _role_codes(role) if role is not None else frozenset([_given(permission).codename])
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
            binding=(bindings or {}).get((p.pk, s.pk if s is not None else None)),
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
    if kind == RequestKind.REVOKE:
        for r in requests:
            r.description.update(adds=[], removes=sorted(codes))
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
    _announce(requests)
    return requests


MAX_APPROVERS_MENTIONED = 20


def _approver_ids(store_ids: set[int | None]) -> dict[int | None, list[int]]:
    """{store id (None: all stores): ids of people who may decide requests there} — working staff who manage
    users on the store (store or all-store bindings, exception grants, the owners when the store-admin role
    manages users, superusers), or the super admins for an all-store request; at most MAX_APPROVERS_MENTIONED
    each, by id. A fixed number of queries however many stores (a bulk grant opens many requests)."""
    from staff.choices import StaffStatus
    from staff.models import Staff

    from ..models import ExceptionGrant, RoleBinding
    from ..permissions import OWNER_ROLE_KEY, role_cache

    rmap = role_cache.get()
    roles = set(rmap.roles_with("users_manage"))
    stores = {s for s in store_ids if s is not None}
    per_store: dict[int | None, set[int]] = {s: set() for s in store_ids}
    everywhere: set[int] = set()
    live = RoleBinding.objects.live().filter(role_id__in=roles)
    for staff_id, store_id, role_id in (
        live.filter(models.Q(store_id__in=stores) | models.Q(store__isnull=True))
        .values_list("staff_id", "store_id", "role_id")
        .order_by()
    ):
        if store_id is not None:
            per_store[store_id].add(staff_id)
        elif role_id in rmap.super_roles:
            everywhere.add(staff_id)
        else:
            for s in stores:
                per_store[s].add(staff_id)
    grants = ExceptionGrant.objects.live().filter(store_id__in=stores, permission__codename="users_manage")
    for staff_id, store_id in grants.values_list("staff_id", "store_id").order_by():
        per_store[store_id].add(staff_id)
    if rmap.keys.get(OWNER_ROLE_KEY) in roles:
        for pk, primary, backup in Store.objects.filter(pk__in=stores).values_list(
            "pk", "primary_owner_id", "backup_owner_id"
        ):
            per_store[pk] |= {primary, backup}
    everywhere |= set(Staff.objects.filter(is_superuser=True).values_list("pk", flat=True))
    wanted = everywhere.union(*per_store.values())
    working = set(
        Staff.objects.filter(pk__in=wanted, is_active=True, status=StaffStatus.ACTIVE).values_list("pk", flat=True)
    )
    return {s: sorted((ids | everywhere) & working)[:MAX_APPROVERS_MENTIONED] for s, ids in per_store.items()}


def _announce(requests: list[AccessRequest]) -> None:
    """An access.request_opened event per request (the outbox, in this transaction), so the approvers hear of
    it in their WeCom group; the payload names the request, not more than a group may read."""
    approvers = _approver_ids({r.store_id for r in requests})
    rows = []
    for r in requests:
        d = r.description
        ids = [i for i in approvers.get(r.store_id, []) if i not in (r.requested_by_id, r.staff_id)]
        payload = {
            "request_id": r.pk,
            "requester": d.get("requested_by_name", ""),
            "staff": d.get("staff_name", ""),
            # a revocation says so: the group reads "撤销 店铺管理员", not a grant
            "what": ("撤销 " if r.kind == RequestKind.REVOKE else "") + d.get("what", ""),
            "reason": r.reason,
            "decide_by": r.expires_at.isoformat() if r.expires_at else None,
            "approver_ids": ids,
        }
        rows.append(EventRow(EventKind.ACCESS_REQUEST_OPENED, r.store_id, f"access.request_opened:{r.pk}", payload))
    event_emit_many(rows)


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
                raise Refused(_("You can only ask for access to stores you work in."))
        elif role is not None:
            why = _grant_refusal(
                actor=actor, rights=rights, staff_id=staff.pk, role=role, codes=_role_codes(role), store_id=store_id
            )
        else:
            why = _exception_refusal(
                actor=actor, rights=rights, staff_id=staff.pk, codename=_given(perm).codename, store_id=_given(store_id)
            )
        if why:
            raise Refused(why)
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


def revoke_requests_open(bindings, *, requested_by, reason: str, now) -> list[AccessRequest]:
    """Open a revocation request for each administrator's binding (one batch per role), unless one is already
    waiting for that binding; the bindings stay live until a second person approves."""
    waiting = set(
        AccessRequest.objects.pending(now)
        .filter(kind=RequestKind.REVOKE, binding__in=[b.pk for b in bindings])
        .values_list("binding_id", flat=True)
    )
    by_role: dict[int, list] = {}
    for b in bindings:
        if b.pk not in waiting:
            by_role.setdefault(b.role_id, []).append(b)
    opened: list[AccessRequest] = []
    for group in by_role.values():
        opened += _create_requests(
            RequestKind.REVOKE,
            [(b.staff, b.store) for b in group],
            requested_by=requested_by,
            reason=reason,
            grant_expires_at=None,
            now=now,
            role=group[0].role,
            bindings={(b.staff_id, b.store_id): b for b in group},
        )
    if not opened and bindings:
        raise ValidationError(_("A request to revoke this is already waiting for approval."))
    return opened


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
