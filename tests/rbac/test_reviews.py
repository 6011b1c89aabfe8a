"""Access reviews (权限复核) end to end over a demo-like company: a campaign started over every store, each live
binding and exception grant assigned to a reviewer who is never its grantee, a reminder a day, a revoke that
takes the right away at once, escalation and the revoke of what was not reviewed at the deadline, the report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from events.models import Event
from rbac import services
from rbac.models import ReviewItem, ReviewStatus, RoleBinding
from rbac.permissions import load_permissions
from rbac.services.reviews import (
    UNREVIEWED_REASON,
    review_deadline,
    review_decide,
    review_items_for,
    review_remind,
    review_report,
    review_start,
)
from tests.factories import DepartmentFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(roles, super_admins, grant):
    """客服部 (manager 张伟); 泰国店 owned by 李娜 (backup 王芳), 新加坡店 owned by 王芳 (backup 李娜)."""
    dept = DepartmentFactory(name="客服部")
    zhang = StaffFactory(name="张伟", department=dept)
    dept.manager = zhang
    dept.save()
    li, wang = StaffFactory(name="李娜"), StaffFactory(name="王芳")
    th = StoreFactory(name="泰国店", primary_owner=li, backup_owner=wang)
    sg = StoreFactory(name="新加坡店", primary_owner=wang, backup_owner=li)
    zhao = StaffFactory(name="赵敏", department=dept)
    qian = StaffFactory(name="钱七", department=dept)
    sun = StaffFactory(name="孙八", department=dept)
    people = {"zhang": zhang, "li": li, "wang": wang, "zhao": zhao, "qian": qian, "sun": sun}
    bindings = {
        "zhao_th": grant(zhao, roles["customer_service"], th),
        "li_th": grant(li, roles["inventory"], th),  # the owner's own binding: reviewed by the backup owner
        "qian_sg": grant(qian, roles["customer_service"], sg),
        "sun_all": grant(sun, roles["finance_analyst"]),  # all stores: the department manager reviews it
    }
    exc = services.exception_grant(
        actor=super_admins[0], staff=qian, store=th, permission="products_view", reason="cover for a colleague"
    )
    return {"people": people, "stores": {"th": th, "sg": sg}, "bindings": bindings, "exception": exc}


def _reminders():
    return list(Event.objects.filter(kind="access.review_reminder").order_by("pk"))


def test_a_campaign_runs_end_to_end(company, sa, super_admins, django_assert_max_num_queries):
    p, b = company["people"], company["bindings"]
    t0 = timezone.now()
    deadline = t0 + timedelta(days=3)

    with django_assert_max_num_queries(20):
        review = review_start(actor=sa, name="2026 Q4 复核", deadline=deadline, revoke_unreviewed=True, now=t0)

    items = {(i.binding_id, i.exception_id): i for i in ReviewItem.objects.filter(review=review)}
    live = RoleBinding.objects.live(t0).count() + 1  # every live binding (super admins' too) and the exception
    assert len(items) == live
    assert all(i.reviewer_id and i.reviewer_id != i.staff_id for i in items.values())  # never the grantee
    assert items[(b["zhao_th"].pk, None)].reviewer == p["li"]  # the store's primary owner
    assert items[(b["li_th"].pk, None)].reviewer == p["wang"]  # not herself: the backup owner
    assert items[(b["qian_sg"].pk, None)].reviewer == p["wang"]
    assert items[(b["sun_all"].pk, None)].reviewer == p["zhang"]  # all stores: the department manager
    assert items[(None, company["exception"].pk)].reviewer == p["li"]
    for sa_binding in RoleBinding.objects.live(t0).filter(role__is_super_admin=True):  # the other super admin
        assert items[(sa_binding.pk, None)].reviewer_id in {s.pk for s in super_admins} - {sa_binding.staff_id}

    # reminders: one per reviewer per day, @ the reviewer
    reviewers = {i.reviewer_id for i in items.values()}
    assert review_remind(now=t0) == len(reviewers)
    assert review_remind(now=t0 + timedelta(minutes=30)) == 0
    assert {e.payload["mention_staff_ids"][0] for e in _reminders()} == reviewers
    assert review_remind(now=t0 + timedelta(days=1)) == len(reviewers)

    # a revoke by the reviewer: 赵敏 loses the right at once
    th = company["stores"]["th"]
    assert load_permissions(p["zhao"]).has("orders_view", th.pk)
    zhao_item = items[(b["zhao_th"].pk, None)]
    with pytest.raises(PermissionDenied):  # only the item's reviewer decides
        review_decide(actor=p["wang"], items=[zhao_item], decision="revoke", note="left the team")
    mine = list(review_items_for(reviewer=p["li"], review=review, pending_only=True))
    assert {i.pk for i in mine} == {zhao_item.pk, items[(None, company["exception"].pk)].pk}
    assert review_decide(actor=p["li"], items=[zhao_item], decision="revoke", note="调岗，不再负责客服") == 1
    assert not load_permissions(p["zhao"]).has("orders_view", th.pk)
    b["zhao_th"].refresh_from_db()
    assert b["zhao_th"].revoked_by == p["li"] and b["zhao_th"].revoke_reason == "调岗，不再负责客服"

    # keeps, many at once
    wang_items = list(review_items_for(reviewer=p["wang"], review=review, pending_only=True))
    assert review_decide(actor=p["wang"], items=wang_items, decision="keep", note="仍在岗") == 2

    # the deadline: escalation of what is left, revoked (the campaign says so), closed
    assert review_deadline(now=deadline - timedelta(minutes=1)) == []
    assert review_deadline(now=deadline + timedelta(minutes=1)) == [review]
    review.refresh_from_db()
    assert review.status == ReviewStatus.CLOSED
    escalated = Event.objects.get(kind="access.review_escalated")
    unreviewed = ReviewItem.objects.filter(review=review, decision="")
    assert escalated.payload["count"] == unreviewed.count() > 0
    assert p["zhang"].pk in escalated.payload["mention_staff_ids"]
    assert all(i.escalated_at for i in unreviewed)
    b["sun_all"].refresh_from_db()
    assert b["sun_all"].revoked_at and b["sun_all"].revoke_reason == UNREVIEWED_REASON
    company["exception"].refresh_from_db()
    assert company["exception"].revoked_at and company["exception"].revoke_reason == UNREVIEWED_REASON
    b["qian_sg"].refresh_from_db()
    assert b["qian_sg"].revoked_at is None  # kept
    assert review_remind(now=deadline + timedelta(days=1)) == 0  # a closed campaign reminds no one

    # the report
    report = review_report(review=review)
    assert (report.kept, report.revoked, report.unreviewed) == (2, 1, len(items) - 3)
    by_line = {(line.store, line.reviewer): line for line in report.lines}
    assert (by_line[("泰国店", "李娜")].revoked, by_line[("泰国店", "李娜")].unreviewed) == (1, 1)
    assert by_line[("新加坡店", "王芳")].kept == 1


def test_only_managers_start_a_campaign(company):
    with pytest.raises(PermissionDenied):
        review_start(actor=company["people"]["zhao"], name="x", deadline=timezone.now() + timedelta(days=1))
