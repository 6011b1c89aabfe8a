"""The access review pages: a reviewer revokes a binding from their review page and the person loses the right
at once; a super admin starts a campaign, reads the report and exports it; the stale access list."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from rbac.models import AccessReview, ReviewItem
from rbac.services.reviews import review_start
from tests.factories import StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


def test_a_reviewer_revokes_from_the_review_page_and_the_right_is_gone_at_once(
    as_user, sa, clerk_a, store_a, django_assert_max_num_queries
):
    review = review_start(actor=sa, name="季度复核", deadline=timezone.now() + timedelta(days=7))
    item = ReviewItem.objects.get(review=review, staff=clerk_a, binding__isnull=False)
    assert item.reviewer == store_a.primary_owner
    clerk = as_user(clerk_a)
    assert clerk.get(reverse("orders:order_list")).status_code == 200

    reviewer = as_user(store_a.primary_owner)
    page = reviewer.get(reverse("rbac:review_mine"))
    assert page.status_code == 200 and clerk_a.name in page.content.decode()
    response = reviewer.post(reverse("rbac:review_mine"), {"items": [item.pk], "decision": "revoke", "note": "已调岗"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.decision, item.decided_by, item.note) == ("revoke", store_a.primary_owner, "已调岗")
    assert as_user(clerk_a).get(reverse("orders:order_list")).status_code == 403
    assert AuditEvent.objects.filter(action="review.decide").exists()

    # a revoke needs a note; nobody decides another reviewer's item
    other = as_user(clerk_a)
    assert other.post(reverse("rbac:review_mine"), {"items": [item.pk], "decision": "keep"}).status_code == 400


def test_a_super_admin_starts_a_campaign_and_exports_its_report(as_user, sa, clerk_a, store_a):
    client = as_user(sa)
    deadline = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("rbac:review_list"), {"name": "全店复核", "deadline": deadline, "revoke_unreviewed": "on"}
    )
    assert response.status_code == 302
    review = AccessReview.objects.get(name="全店复核")
    assert review.revoke_unreviewed and review.items.exists()
    page = client.get(reverse("rbac:review_report"), {"review": review.pk})
    assert page.status_code == 200 and store_a.name in page.content.decode()

    csv = client.get(reverse("rbac:review_report"), {"review": review.pk, "export": "csv"})
    assert csv.content.startswith("\ufeff".encode()) and store_a.name in csv.content.decode("utf-8-sig")
    xlsx = client.get(reverse("rbac:review_report"), {"review": review.pk, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == review.items.values("store", "reviewer").distinct().count() + 2
    assert AuditEvent.objects.filter(action="review.export").count() == 2


def test_stale_access_lists_people_not_seen_in_constant_queries(
    as_user, sa, roles, grant, django_assert_max_num_queries
):
    client = as_user(sa)

    def add(n):
        for _ in range(n):
            person = StaffFactory(last_active=timezone.now() - timedelta(days=90))
            grant(person, roles["customer_service"], StoreFactory())

    add(1)
    with django_assert_max_num_queries(40) as first:
        assert client.get(reverse("rbac:stale_access")).status_code == 200
    add(5)
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(reverse("rbac:stale_access"), {"days": "60"})
    assert page.status_code == 200
    seen_90_days_ago = {b.staff_id for b in page.context["stale"].inactive}
    later = client.get(reverse("rbac:stale_access"), {"days": "120"}).context["stale"].inactive
    assert len(seen_90_days_ago - {b.staff_id for b in later}) == 6  # not seen for 90 days: listed at 60, not 120
