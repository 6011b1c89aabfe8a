"""Single-permission (exception) grants in the browser: the grant form, the revoke confirmation, and
their buttons on the staff and store pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from rbac import services
from rbac.models import AccessRequest, ExceptionGrant
from tests.factories import RoleBindingFactory, RoleFactory, StaffFactory

pytestmark = pytest.mark.django_db

GRANT_URL = reverse("rbac:exception_grant")


@pytest.fixture
def auditor(store_a):
    person = StaffFactory(name="审计小李")
    RoleBindingFactory(staff=person, store=store_a, role=RoleFactory(permissions=["reports_view"]))
    return person


@pytest.fixture
def people_manager(store_a):
    """Manages users on A but holds nothing else there (so may hand out only users_* permissions)."""
    person = StaffFactory(name="人事阿张")
    RoleBindingFactory(staff=person, store=store_a, role=RoleFactory(permissions=["users_view", "users_manage"]))
    return person


def _grant(client, person, store, permission, **extra):
    return client.post(
        GRANT_URL,
        {"staff": person.pk, "store": store.pk, "permission": permission, "reason": "季度审计", **extra},
    )


def test_a_store_admin_grants_one_permission_with_an_expiry(as_user, admin_a, store_a, auditor):
    ends = (timezone.localtime() + timedelta(days=7)).replace(second=0, microsecond=0)
    client = as_user(admin_a)
    form = client.get(GRANT_URL, {"staff": auditor.pk}).context["form"]
    assert form.initial == {"staff": str(auditor.pk)}

    response = _grant(
        client, auditor, store_a, "reports_export", expires_at=ends.strftime("%Y-%m-%dT%H:%M"), next="/staff/"
    )

    assert response.status_code == 302 and response["Location"] == "/staff/"
    grant = ExceptionGrant.objects.live().get(staff=auditor, store=store_a)
    assert (grant.permission.codename, grant.expires_at, grant.granted_by) == ("reports_export", ends, admin_a)
    assert AuditEvent.objects.filter(action="exception.grant", target_id=str(grant.pk)).count() == 1
    assert auditor.has_perm("stores.reports_export", store_a)


def test_a_high_risk_permission_opens_an_access_request(as_user, admin_a, store_a, auditor):
    response = _grant(as_user(admin_a), auditor, store_a, "finance_export")

    request = AccessRequest.objects.get(staff=auditor, permission__codename="finance_export")
    assert response.status_code == 302
    assert response["Location"] == reverse("rbac:access_request_detail", args=[request.pk])
    assert request.status == "pending" and request.requested_by == admin_a
    assert not ExceptionGrant.objects.filter(staff=auditor).exists()


def test_the_high_risk_choices_are_marked(as_user, admin_a):
    choices = dict(as_user(admin_a, language="zh-hans").get(GRANT_URL).context["form"].fields["permission"].choices)
    assert "高风险" in str(choices["finance_export"]) and "高风险" not in str(choices["reports_export"])


def test_a_permission_one_does_not_hold_is_refused_in_chinese(as_user, people_manager, store_a, auditor):
    response = _grant(as_user(people_manager, language="zh-hans"), auditor, store_a, "reports_export")

    assert response.status_code == 400
    assert "您本人在该店铺没有此权限" in response.content.decode()
    assert not ExceptionGrant.objects.filter(staff=auditor).exists()
    assert not AuditEvent.objects.filter(action="exception.grant").exists()


def test_a_missing_reason_is_a_field_error(as_user, admin_a, store_a, auditor):
    response = as_user(admin_a, language="zh-hans").post(
        GRANT_URL, {"staff": auditor.pk, "store": store_a.pk, "permission": "reports_export", "reason": ""}
    )
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert not ExceptionGrant.objects.exists()


def test_revoking_from_the_staff_page(as_user, admin_a, store_a, auditor):
    grant = services.exception_grant(
        actor=admin_a, staff=auditor, store=store_a, permission="reports_export", reason="季度审计"
    )
    client = as_user(admin_a)
    staff_page = client.get(auditor.get_absolute_url()).content.decode()
    revoke_url = reverse("rbac:exception_revoke", args=[grant.pk])
    assert "Export reports" in staff_page and revoke_url in staff_page

    confirm = client.get(revoke_url)
    assert confirm.status_code == 200 and "季度审计" in confirm.content.decode()
    response = client.post(revoke_url, {"reason": "审计结束", "next": auditor.get_absolute_url()})

    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_by == admin_a and grant.revoke_reason == "审计结束"
    assert AuditEvent.objects.filter(action="exception.revoke", target_id=str(grant.pk)).count() == 1
    history = client.get(auditor.get_absolute_url()).content.decode()
    assert revoke_url not in history
    ended = history[history.index('id="staff-history"') :]
    assert "Export reports" in ended and "审计结束" in ended  # kept as history, with who ended it and why


def test_no_revoke_button_for_a_permission_one_does_not_hold(as_user, admin_a, people_manager, store_a, auditor):
    grant = services.exception_grant(
        actor=admin_a, staff=auditor, store=store_a, permission="reports_export", reason="季度审计"
    )
    client = as_user(people_manager)
    revoke_url = reverse("rbac:exception_revoke", args=[grant.pk])

    assert revoke_url not in client.get(auditor.get_absolute_url()).content.decode()
    assert revoke_url not in client.get(store_a.get_absolute_url()).content.decode()
    assert client.post(revoke_url, {"reason": "x"}).status_code == 400
    grant.refresh_from_db()
    assert grant.revoked_at is None


def test_the_store_page_lists_single_permissions_with_a_revoke_link(as_user, admin_a, store_a, auditor):
    grant = services.exception_grant(
        actor=admin_a, staff=auditor, store=store_a, permission="reports_export", reason="季度审计"
    )
    html = as_user(admin_a).get(store_a.get_absolute_url()).content.decode()
    assert reverse("rbac:exception_revoke", args=[grant.pk]) in html
    assert f"{GRANT_URL}?store={store_a.pk}" in html
