"""Deciding access requests: approve (grants in bulk), reject, cancel — never by the requester or grantee."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.services import record
from core.denied import Refused
from core.permissions import PermissionSet
from stores.models import Store

from .. import sync
from ..models import (
    AccessRequest,
    ExceptionGrant,
    RequestKind,
    RequestStatus,
    Role,
    RoleBinding,
)
from .common import (
    Refusal,
    Staff,
    _as_list,
    _exception_refusal,
    _given,
    _grant_refusal,
    _last_super_admin_message,
    _permanent_super_admins,
    _require_reason,
    _rights,
    _role_codes,
    _working,
)
from .exceptions import _create_exception
from .grants import _create_bindings


def _approval_refusal(*, actor, rights: PermissionSet, req: AccessRequest, now, codes: dict) -> Refusal | None:
    """Why actor may not decide this request (None: they may approve or reject it)."""
    why: str | None
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
    elif actor.pk == req.staff_id and req.kind == RequestKind.REVOKE:
        why = None  # giving up one's own administrator role is consent, not escalation
    elif actor.pk == req.staff_id:
        why = _("This request is for you; another person must decide it.")
    elif req.kind in (RequestKind.ROLE, RequestKind.REVOKE):
        role = _given(req.role)
        if req.role_id not in codes:
            codes[req.role_id] = _role_codes(role)
        why = _grant_refusal(
            actor=actor,
            rights=rights,
            staff_id=req.staff_id,
            role=role,
            codes=codes[req.role_id],
            store_id=req.store_id,
        )
    else:
        why = _exception_refusal(
            actor=actor,
            rights=rights,
            staff_id=req.staff_id,
            codename=_given(req.permission).codename,
            store_id=_given(req.store_id),
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
    people: dict[Any, Staff] = Staff.objects.in_bulk(
        {r.staff_id for r in reqs} | {r.requested_by_id for r in reqs if r.requested_by_id}
    )
    stores: dict[Any, Store] = {
        s.pk: s
        for s in Store.objects.only("id", "name", "platform", "site").filter(
            pk__any_of=sorted({r.store_id for r in reqs if r.store_id})
        )
    }
    # keyed by id; looked up with a row's nullable foreign key, so a None key finds nothing
    roles: dict[Any, Role] = Role.objects.in_bulk({r.role_id for r in reqs if r.role_id})
    perms: dict[Any, Permission] = Permission.objects.in_bulk({r.permission_id for r in reqs if r.permission_id})
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
        created = _grant_requested(reqs, now=now)
        _decide(
            reqs, actor=actor, status=RequestStatus.APPROVED, reason=reason, now=now, action="access_request.approve"
        )
    return created


def _grant_requested(reqs: list[AccessRequest], *, now) -> list[RoleBinding | ExceptionGrant]:
    """Grant what the (locked, checked) requests ask for, in bulk: bindings per role group, exception grants."""
    created: list = []
    groups: dict = {}
    ending = [r for r in reqs if r.kind == RequestKind.REVOKE]
    if ending:
        _end_requested(ending, now=now)
    for req in reqs:
        if req.kind == RequestKind.REVOKE:
            continue
        if req.kind == RequestKind.ROLE:
            groups.setdefault((req.role_id, req.requested_by_id, req.grant_expires_at, req.reason), []).append(req)
        else:
            created.append(
                _create_exception(
                    staff=req.staff,
                    store=req.store,
                    permission=_given(req.permission),
                    granted_by=req.requested_by,
                    reason=req.reason,
                    expires_at=req.grant_expires_at,
                    now=now,
                    request=req,
                )
            )
    for group in groups.values():
        created.extend(_approve_role_group(group, now=now))
    return created


def _end_requested(reqs: list[AccessRequest], *, now) -> None:
    """End the bindings approved revocation requests name (those still live), credited to the requester."""
    from .revoke import _revoke_bindings

    live = {
        b.pk: b
        for b in RoleBinding.objects.live()
        .select_for_update(of=("self",))
        .select_related("role")
        .filter(pk__any_of=[r.binding_id for r in reqs if r.binding_id])
    }
    supers = [b.pk for b in live.values() if b.role.is_super_admin and b.store_id is None]
    if supers and not _permanent_super_admins(exclude_bindings=supers):
        raise ValidationError(_last_super_admin_message())
    for req in reqs:
        binding = live.get(req.binding_id)
        if binding is not None:
            _revoke_bindings([binding], by=req.requested_by, reason=req.reason, now=now)


def _approve_role_group(reqs: list[AccessRequest], *, now) -> list[RoleBinding]:
    role = _given(reqs[0].role)
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
            raise Refused(_("Only the person who asked, or the person it is for, can cancel a request."))
        _decide(
            reqs,
            actor=actor,
            status=RequestStatus.CANCELLED,
            reason=reason or "",
            now=now,
            action="access_request.cancel",
        )
    access_request.refresh_from_db()
