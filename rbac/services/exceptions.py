"""Exception grants: one permission on one store outside any role, granted, revoked and expired."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record, record_many
from core.denied import Refused
from stores.models import Store

from .. import sync
from ..models import (
    AccessRequest,
    ExceptionGrant,
    RequestKind,
)
from .common import (
    _check_expiry,
    _exception_refusal,
    _permission,
    _require_reason,
    _rights,
    _working,
    approval_codes,
)
from .requests import _create_requests


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
            raise Refused(why)
        if perm.codename in approval_codes():
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
            raise Refused(why)
        if not locked.is_live(now):
            raise ValidationError(_("This grant has already ended."))
        _end_exceptions([locked], by=actor, reason=reason, now=now)
    grant.refresh_from_db()
    return grant
