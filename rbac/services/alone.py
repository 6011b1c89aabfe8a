"""Approving alone: the fallback when no second person who could approve a request exists.

A company with one administrator could otherwise never grant a built-in role (each holds a high-risk
permission, so each grant waits for a second person who does not exist). When the security policy allows it
(`approval_fallback_allowed`), the sole super admin who made the request approves it after a fresh second
factor; the request is marked `approved_alone`, the audit log records `access_request.approve_alone` with
"approved alone — no second approver existed", and the security robot hears of it (access.approved_alone).
As soon as a second eligible person exists, the fallback is refused and the request waits for them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.permissions import permissions_of
from events.choices import EventKind
from events.services import EventRow, event_emit_many
from security.policy import current as security_policy
from stores.catalogue import label_of

from ..models import AccessRequest, RequestKind, RequestStatus
from .approvals import _approval_refusal, _decide, _grant_requested, _locked_requests
from .common import Staff, _given, _rights
from .requests import _approver_ids

# Recorded on the request and in the audit log, in both of the console's languages (it is data, not UI text).
ALONE_REASON = "单人批准：没有第二位审批人 (approved alone — no second approver existed)"


def second_approvers(requests: list[AccessRequest]) -> dict[int, list[Staff]]:
    """{request id: the people other than its requester and grantee who may decide it now}. The candidates are
    the approvers the request was announced to (at most requests.MAX_APPROVERS_MENTIONED per store), each
    checked with the same rule as approving, so the fallback is never offered while one of them could decide."""
    if not requests:
        return {}
    by_store = _approver_ids({r.store_id for r in requests})
    candidates = {pk for ids in by_store.values() for pk in ids}
    people = Staff.objects.in_bulk(candidates)
    rights = {pk: _rights(person) for pk, person in people.items()}
    now = timezone.now()
    codes: dict = {}
    answer: dict[int, list[Staff]] = {}
    for req in requests:
        eligible = []
        for pk in by_store.get(req.store_id, []):
            grantee = req.staff_id if req.kind != RequestKind.REVOKE else None  # one may consent to losing a role
            if pk in (req.requested_by_id, grantee) or pk not in people:
                continue
            if _approval_refusal(actor=people[pk], rights=rights[pk], req=req, now=now, codes=codes) is None:
                eligible.append(people[pk])
        answer[req.pk] = eligible
    return answer


def approvers_named(requests) -> None:
    """Set `approver_names` on each pending request: who may decide it (the people it is announced to, without
    its requester and — unless it ends their own role — its grantee), for the request lists; a fixed number of
    queries however many requests."""
    pending = [r for r in requests if r.status == RequestStatus.PENDING]
    by_store = _approver_ids({r.store_id for r in pending})
    names = {p.pk: str(p) for p in Staff.objects.filter(pk__in={pk for ids in by_store.values() for pk in ids})}
    for r in requests:
        grantee = r.staff_id if r.kind != RequestKind.REVOKE else None
        ids = by_store.get(r.store_id, []) if r in pending else []
        r.approver_names = [names[pk] for pk in ids if pk not in (r.requested_by_id, grantee) and pk in names]


def alone_notice(viewer) -> str | None:
    """What a grant form tells a super admin before anything is sent, when no other super admin exists to
    approve a high-risk grant (None when one does, or for anyone else)."""
    if not permissions_of(viewer).super_admin:
        return None
    others = [pk for pk in _approver_ids({None}).get(None, []) if pk != viewer.pk]
    if others:
        return None
    if security_policy().approval_fallback_allowed:
        return _(
            "Nobody but you may approve a high-risk grant. After sending, you may approve it alone on the request's "
            "page by entering your second factor again: it is recorded as approved alone and announced to the "
            "security group."
        )
    return _(
        "Nobody but you may approve a high-risk grant, and the security policy forbids approving alone: a "
        "high-risk grant will wait until a second approver exists."
    )


def approve_alone_refusal(*, actor, requests: list[AccessRequest], approvers: dict[int, list[Staff]]) -> str | None:
    """Why `actor` may not approve these requests alone (None: they may, after a fresh second factor)."""
    if not requests:
        return _("There is nothing to approve.")
    if not security_policy().approval_fallback_allowed:
        return _("The security policy forbids approving alone: the request waits for a second approver.")
    if not permissions_of(actor).super_admin:
        return _("Only a super admin may approve alone.")
    for req in requests:
        if req.kind == RequestKind.REVOKE:
            return _("Ending an administrator's role is never approved alone: it waits for a second person.")
        if req.status != RequestStatus.PENDING:
            return _("This request has already been decided (%(status)s).") % {"status": req.get_status_display()}
        if req.requested_by_id != actor.pk:
            return _("Only the person who made the request may approve it alone.")
        others = approvers.get(req.pk) or []
        if others:
            names = "、".join(str(p) for p in others[:5])
            return _("%(names)s may approve this request: it waits for them.") % {"names": names}
    return None


def access_requests_approve_alone(*, actor, requests, fresh_second_factor: bool) -> list:
    """Approve the requester's own pending requests (a batch at once) when nobody else could, after a fresh
    second factor: grant them, mark them approved alone, audit and announce it. All or none."""
    if not fresh_second_factor:
        raise ValidationError(_("Enter your second factor again to approve alone."))
    with transaction.atomic():
        now = timezone.now()
        reqs = _locked_requests(requests)
        why = approve_alone_refusal(actor=actor, requests=reqs, approvers=second_approvers(reqs))
        if why:
            raise ValidationError(why)
        created = _grant_requested(reqs, now=now)
        _decide(
            reqs,
            actor=actor,
            status=RequestStatus.APPROVED,
            reason=ALONE_REASON,
            now=now,
            action="access_request.approve_alone",
        )
        AccessRequest.objects.filter(pk__any_of=[r.pk for r in reqs]).update(approved_alone=True)
        for r in reqs:
            r.approved_alone = True
        event_emit_many(
            [
                EventRow(
                    EventKind.ACCESS_APPROVED_ALONE,
                    r.store_id,
                    f"access.approved_alone:{r.pk}",
                    {
                        "request_id": r.pk,
                        "requester": str(actor),
                        "approver": str(actor),
                        "staff": str(r.staff),
                        "what": r.role.name if r.role is not None else label_of(_given(r.permission).codename),
                        "reason": r.reason,
                        "decide_by": r.expires_at.isoformat() if r.expires_at else None,
                    },
                )
                for r in reqs
            ]
        )
    return created
