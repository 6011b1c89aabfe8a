"""Access reviews (权限复核): a campaign snapshots every live binding and exception grant in scope into items,
each reviewed by someone other than its grantee; reminders and escalation go through the event outbox; at the
deadline what was not reviewed may be revoked, then the campaign closes and its report stays."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record, record_many
from events.choices import EventKind
from events.services import EventRow, event_emit_many
from staff.models import Staff
from stores.models import Store

from ..models import AccessReview, ExceptionGrant, ReviewDecision, ReviewItem, ReviewStatus, Role, RoleBinding
from .common import _require_reason, _rights
from .exceptions import _end_exceptions
from .revoke import _revoke_bindings, bindings_bulk_revoke

UNREVIEWED_REASON = "未在复核期限内确认"


def _super_admin_ids() -> list[int]:
    return sorted(
        RoleBinding.objects.live()
        .filter(role__is_super_admin=True, store__isnull=True)
        .values_list("staff_id", flat=True)
        .distinct()
    )


def review_start(
    *, actor, name: str, deadline: datetime, stores=None, revoke_unreviewed: bool = False, now=None
) -> AccessReview:
    """Start a campaign over all stores (stores=None) or the chosen ones: super admins, or whoever may manage
    users on every chosen store. One query per kind of row, whatever the number of grants."""
    now = now or timezone.now()
    rights = _rights(actor)
    chosen = list(stores) if stores is not None else None
    if chosen is None and not rights.super_admin:
        raise PermissionDenied(_("Only a super admin may review all stores."))
    if chosen is not None and not all(rights.has("users_manage", s.pk) for s in chosen):
        raise PermissionDenied(_("You may not manage users on every chosen store."))
    if deadline <= now:
        raise ValidationError(_("The deadline must be in the future."))
    with transaction.atomic():
        review = AccessReview.objects.create(
            name=name,
            all_stores=chosen is None,
            deadline=deadline,
            revoke_unreviewed=revoke_unreviewed,
            started_by=actor,
            started_at=now,
        )
        if chosen is not None:
            review.stores.set(chosen)
        scope = Q() if chosen is None else Q(store__in=[s.pk for s in chosen])
        bindings = list(RoleBinding.objects.live(now).filter(scope))
        grants = list(ExceptionGrant.objects.live(now).filter(scope))
        store_ids = {b.store_id for b in bindings if b.store_id} | {g.store_id for g in grants}
        owners = {
            pk: (p, b)
            for pk, p, b in Store.objects.filter(pk__in=store_ids).values_list(
                "pk", "primary_owner_id", "backup_owner_id"
            )
        }
        people = {b.staff_id for b in bindings} | {g.staff_id for g in grants}
        managers = dict(Staff.objects.filter(pk__in=people).values_list("pk", "department__manager_id"))
        supers = _super_admin_ids()

        def reviewer(staff_id: int, store_id: int | None) -> int | None:
            if store_id is not None:
                candidates = list(owners.get(store_id, (None, None)))
            else:
                candidates = [managers.get(staff_id)]
            candidates += [m for m in supers if m != actor.pk] + [actor.pk]
            return next((c for c in candidates if c and c != staff_id), None)

        items = [
            ReviewItem(
                review=review,
                binding=b,
                staff_id=b.staff_id,
                store_id=b.store_id,
                reviewer_id=reviewer(b.staff_id, b.store_id),
            )
            for b in bindings
        ] + [
            ReviewItem(
                review=review,
                exception=g,
                staff_id=g.staff_id,
                store_id=g.store_id,
                reviewer_id=reviewer(g.staff_id, g.store_id),
            )
            for g in grants
        ]
        ReviewItem.objects.bulk_create(items, batch_size=1000)
        record(
            "review.create",
            target=review,
            after={"name": name, "deadline": deadline, "items": len(items), "revoke_unreviewed": revoke_unreviewed},
        )
    return review


def review_items_for(*, reviewer, review=None, store=None, staff=None, pending_only: bool = False):
    qs = ReviewItem.objects.filter(reviewer=reviewer).select_related(
        "review", "staff", "store", "binding__role", "exception__permission"
    )
    if review is not None:
        qs = qs.filter(review=review)
    if store is not None:
        qs = qs.filter(store=store)
    if staff is not None:
        qs = qs.filter(staff=staff)
    if pending_only:
        qs = qs.filter(decision="", review__status=ReviewStatus.OPEN)
    return qs


def review_decide(*, actor, items, decision: str, note: str = "", now=None) -> int:
    """Keep or revoke many items at once; a revoke goes through the roles' revoke services (approval policy,
    audit, guardian mirror), so the person loses the right at once. Only the item's reviewer decides."""
    if decision not in (ReviewDecision.KEEP, ReviewDecision.REVOKE):
        raise ValidationError(_("Choose keep or revoke."))
    if decision == ReviewDecision.REVOKE:
        note = _require_reason(note)
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            ReviewItem.objects.select_for_update(of=("self",))
            .filter(pk__in=[i.pk for i in items], decision="", review__status=ReviewStatus.OPEN)
            .select_related("binding", "exception")
        )
        if any(r.reviewer_id != actor.pk for r in rows):
            raise PermissionDenied(_("You are not the reviewer of every chosen item."))
        if decision == ReviewDecision.REVOKE:
            live_bindings = [r.binding for r in rows if r.binding and r.binding.is_live(now)]
            if live_bindings:
                plan = bindings_bulk_revoke(actor=actor, bindings=live_bindings, reason=note)
                if plan.refused:
                    raise PermissionDenied(plan.refused[0].exception())
            live_grants = [r.exception for r in rows if r.exception and r.exception.is_live(now)]
            _end_exceptions(live_grants, by=actor, reason=note, now=now)
        for r in rows:
            r.decision, r.note, r.decided_by, r.decided_at = decision, note, actor, now
        ReviewItem.objects.bulk_update(rows, ["decision", "note", "decided_by", "decided_at"])
        record_many(
            "review.decide",
            [
                {
                    "target": r.review,
                    "store": r.store_id,
                    "reason": note,
                    "after": {"item": r.pk, "staff": r.staff_id, "decision": decision},
                }
                for r in rows
            ],
        )
    return len(rows)


def review_remind(*, now=None) -> int:
    """One access.review_reminder event per reviewer per day with undecided items in an open campaign
    (the dedupe key carries the day)."""
    now = now or timezone.now()
    pending: Counter[int] = Counter()
    earliest: dict[int, tuple] = {}
    for reviewer, name, deadline in ReviewItem.objects.filter(
        review__status=ReviewStatus.OPEN, decision="", reviewer__isnull=False
    ).values_list("reviewer_id", "review__name", "review__deadline"):
        pending[reviewer] += 1
        if reviewer not in earliest or deadline < earliest[reviewer][1]:
            earliest[reviewer] = (name, deadline)
    day = timezone.localdate(now).isoformat()
    rows = [
        EventRow(
            EventKind.ACCESS_REVIEW_REMINDER,
            None,
            f"access.review_reminder:{reviewer}:{day}",
            {
                "review": earliest[reviewer][0],
                "deadline": earliest[reviewer][1].isoformat(),
                "count": count,
                "mention_staff_ids": [reviewer],
            },
        )
        for reviewer, count in sorted(pending.items())
    ]
    with transaction.atomic():
        return len(event_emit_many(rows))


def review_deadline(*, now=None) -> list[AccessReview]:
    """Campaigns past their deadline: escalate what was not reviewed (to the grantee's department manager and
    the super admins), revoke it when the campaign says so, and close the campaign."""
    now = now or timezone.now()
    closed = []
    for review in AccessReview.objects.filter(status=ReviewStatus.OPEN, deadline__lte=now):
        with transaction.atomic():
            rows = list(
                ReviewItem.objects.select_for_update(of=("self",))
                .filter(review=review, decision="")
                .select_related("binding", "exception", "staff")
            )
            supers = _super_admin_ids()
            managers = dict(
                Staff.objects.filter(pk__in={r.staff_id for r in rows}).values_list("pk", "department__manager_id")
            )
            to: dict[int, int] = defaultdict(int)
            for r in rows:
                for m in [managers.get(r.staff_id), *supers]:
                    if m and m != r.staff_id:
                        to[m] += 1
            ReviewItem.objects.filter(pk__in=[r.pk for r in rows]).update(escalated_at=now)
            event_emit_many(
                [
                    EventRow(
                        EventKind.ACCESS_REVIEW_ESCALATED,
                        None,
                        f"access.review_escalated:{review.pk}",
                        {
                            "review": review.name,
                            "deadline": review.deadline.isoformat(),
                            "count": len(rows),
                            "mention_staff_ids": sorted(to),
                        },
                    )
                ]
                if rows
                else []
            )
            if review.revoke_unreviewed:
                # the campaign revokes in the name of whoever started it (the revocation names a person)
                by = review.started_by or Staff.objects.filter(pk__in=supers).first()
                _revoke_bindings(
                    [r.binding for r in rows if r.binding and r.binding.is_live(now)],
                    by=by,
                    reason=UNREVIEWED_REASON,
                    now=now,
                )
                _end_exceptions(
                    [r.exception for r in rows if r.exception and r.exception.is_live(now)],
                    by=by,
                    reason=UNREVIEWED_REASON,
                    now=now,
                )
            review.status, review.closed_at = ReviewStatus.CLOSED, now
            review.save(update_fields=["status", "closed_at"])
            record(
                "review.close",
                target=review,
                after={"unreviewed": len(rows), "revoked_unreviewed": len(rows) if review.revoke_unreviewed else 0},
            )
        closed.append(review)
    return closed


@dataclass
class ReportLine:
    store: str
    reviewer: str
    kept: int = 0
    revoked: int = 0
    unreviewed: int = 0


@dataclass
class Report:
    review: AccessReview
    lines: list[ReportLine] = field(default_factory=list)
    kept: int = 0
    revoked: int = 0
    unreviewed: int = 0


def review_report(*, review: AccessReview) -> Report:
    """Kept, revoked and unreviewed per store and reviewer (one grouped query)."""
    report = Report(review=review)
    grouped: dict[tuple[str, str], ReportLine] = {}
    rows = (
        ReviewItem.objects.filter(review=review)
        .values_list("store__name", "reviewer__name", "decision")
        .order_by("store__name", "reviewer__name")
    )
    for store, reviewer, decision in rows:
        key = (store or _("All stores"), reviewer or "")
        line = grouped.setdefault(key, ReportLine(*key))
        attr = {"keep": "kept", "revoke": "revoked"}.get(decision, "unreviewed")
        setattr(line, attr, getattr(line, attr) + 1)
        setattr(report, attr, getattr(report, attr) + 1)
    report.lines = list(grouped.values())
    return report


def review_export(*, actor, review: AccessReview, fmt: str) -> tuple[bytes, str, str]:
    """The report as CSV (UTF-8 with a BOM, for Excel) or .xlsx: (content, content type, file name); audited."""
    report = review_report(review=review)
    header = [_("Store"), _("Reviewer"), _("Kept"), _("Revoked"), _("Not reviewed")]
    rows = [[line.store, line.reviewer, line.kept, line.revoked, line.unreviewed] for line in report.lines]
    rows.append([_("Total"), "", report.kept, report.revoked, report.unreviewed])
    name = f"access-review-{review.pk}"
    if fmt == "xlsx":
        import io

        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append([str(h) for h in header])
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        content, ctype, name = (
            out.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            name + ".xlsx",
        )
    else:
        import csv
        import io

        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow([str(h) for h in header])
        writer.writerows(rows)
        content, ctype, name = text.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", name + ".csv"
    record("review.export", target=review, after={"format": "xlsx" if fmt == "xlsx" else "csv", "rows": len(rows)})
    return content, ctype, name


@dataclass
class Stale:
    inactive: list = field(default_factory=list)
    archived: list = field(default_factory=list)
    high_risk: list = field(default_factory=list)
    high_risk_exceptions: list = field(default_factory=list)
    position: list = field(default_factory=list)


def stale_access(*, days: int = 30, now=None) -> Stale:
    """Access to look at again: bindings of staff not seen for `days` days, bindings on archived stores,
    never-expiring high-risk grants (by role or exception), bindings a person's position no longer proposes.
    Five queries whatever the number of rows."""
    from django.db.models import Exists, OuterRef

    from stores.catalogue import HIGH_RISK
    from stores.choices import StoreStatus

    from ..models import PositionRole

    now = now or timezone.now()
    live = RoleBinding.objects.live(now).select_related("staff", "role", "store").order_by("staff__name", "pk")
    since = now - timedelta(days=days)
    return Stale(
        inactive=list(live.filter(Q(staff__last_active__lt=since) | Q(staff__last_active__isnull=True))),
        archived=list(live.filter(store__status=StoreStatus.ARCHIVED)),
        high_risk=list(
            live.filter(
                expires_at__isnull=True,
                role__in=Role.objects.filter(permissions__codename__in=HIGH_RISK).values("pk"),
            )
        ),
        high_risk_exceptions=list(
            ExceptionGrant.objects.live(now)
            .filter(expires_at__isnull=True, permission__codename__in=HIGH_RISK)
            .select_related("staff", "store", "permission")
            .order_by("staff__name", "pk")
        ),
        position=list(
            live.filter(staff__position__isnull=False)
            .exclude(role__is_super_admin=True)
            .annotate(
                proposed=Exists(
                    PositionRole.objects.filter(position=OuterRef("staff__position"), role=OuterRef("role"))
                )
            )
            .filter(proposed=False)
        ),
    )
