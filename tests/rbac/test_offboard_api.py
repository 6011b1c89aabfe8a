"""POST /api/v1/staff/{id}/offboard/ (api:staff-offboard): what was revoked comes back; refusals are 400
(the change is not allowed) or 403 (the caller lacks a right); people outside the caller's stores are 404."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import get_users_with_perms

from audit.models import AuditEvent
from rbac import services
from rbac.models import AccessRequest, RequestStatus, RoleBinding
from staff.choices import StaffStatus
from staff.models import ApiToken, Staff
from tests.factories import RoleFactory, StaffFactory, StoreFactory, api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(grant, roles, store):
    """Works in A only, with two roles there."""
    person = StaffFactory(name="A店客服")
    grant(person, roles["customer_service"], store)
    grant(person, RoleFactory(name="报表查看", permissions=["reports_view"]), store)
    return person


def offboard(client, person, data=None):
    return client.post(
        reverse("api:staff-offboard", args=[person.pk]),
        {"reason": "resigned"} if data is None else data,
        content_type="application/json",
    )


def mark():
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def actions_since(last):
    return list(AuditEvent.objects.filter(pk__gt=last).order_by("id").values_list("action", flat=True))


class TestOffboard:
    def test_returns_what_was_revoked_and_closes_the_account(self, client, login, sa, admin_a, clerk, store, roles):
        grant = services.exception_grant(actor=sa, staff=clerk, store=store, permission="finance_view", reason="audit")
        req = services.access_request_create(
            actor=admin_a, staff=clerk, store=store, role=roles["ads"], reason="campaign"
        )
        api_token(clerk)
        live = set(RoleBinding.objects.live().filter(staff=clerk).values_list("pk", flat=True))
        login(admin_a)
        last = mark()

        response = offboard(client, clerk)

        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["staff"], body["status"], body["is_active"]) == (clerk.pk, "offboarded", False)
        assert (body["bindings_revoked"], body["exception_grants_revoked"], body["requests_cancelled"]) == (2, 1, 1)
        assert {b["id"] for b in body["bindings"]} == live and not any(b["live"] for b in body["bindings"])
        assert [g["id"] for g in body["exception_grants"]] == [grant.pk]
        assert [r["id"] for r in body["requests"]] == [req.pk] and body["requests"][0]["status"] == "cancelled"
        clerk.refresh_from_db()
        assert clerk.status == StaffStatus.OFFBOARDED and not clerk.is_active
        assert not RoleBinding.objects.live().filter(staff=clerk).exists()
        assert not clerk.groups.exists() and clerk not in get_users_with_perms(store, with_group_users=True)
        assert not ApiToken.objects.filter(user=clerk, revoked_at__isnull=True).exists()
        assert AccessRequest.objects.get(pk=req.pk).status == RequestStatus.CANCELLED
        actions = actions_since(last)
        assert actions.count("staff.offboard") == 1 and actions.count("binding.revoke") == 2
        assert set(actions) == {
            "staff.offboard",
            "binding.revoke",
            "exception.revoke",
            "access_request.cancel",
            "auth.token_revoke",
        }

    def test_a_reason_is_required(self, client, login, admin_a, clerk):
        login(admin_a)
        response = offboard(client, clerk, {})
        assert response.status_code == 400 and "reason" in response.json()
        assert Staff.objects.get(pk=clerk.pk).is_active

    def test_refused_while_they_own_stores_naming_only_visible_ones(self, client, login, admin_a, clerk, store):
        StoreFactory(name="秘密店铺", backup_owner=clerk)
        store.primary_owner = clerk
        store.save()
        login(admin_a)
        response = offboard(client, clerk, {"reason": "r"})
        assert response.status_code == 400
        [message] = response.json()["non_field_errors"]
        assert store.name in message and "and 1 store you cannot see" in message and "秘密" not in message
        assert Staff.objects.get(pk=clerk.pk).is_active
        assert not AuditEvent.objects.filter(action="staff.offboard").exists()

    def test_refused_for_the_last_super_admin(self, client, login, super_admins, roles):
        first, second = super_admins
        temp = StaffFactory()
        req = services.binding_grant(
            actor=first,
            staff=temp,
            role=roles["super_admin"],
            store=None,
            reason="cover",
            expires_at=timezone.now() + timedelta(days=1),
        )
        services.access_request_approve(actor=second, access_request=req, reason="ok")
        services.staff_offboard(actor=first, staff=second, reason="left")
        login(temp)
        response = offboard(client, first)
        assert response.status_code == 400
        assert "no active super admin" in response.json()["non_field_errors"][0]
        assert RoleBinding.objects.live().filter(staff=first).exists()

    def test_already_offboarded_is_400(self, client, login, sa, clerk):
        services.staff_offboard(actor=sa, staff=clerk, reason="left")
        login(sa)
        response = offboard(client, clerk)
        assert response.status_code == 400 and "already been offboarded" in response.json()["non_field_errors"][0]


class TestAccess:
    def test_no_user_management_anywhere_is_403(self, client, login, clerk, admin_a):
        login(clerk)
        assert offboard(client, admin_a).status_code == 403
        assert Staff.objects.get(pk=admin_a.pk).is_active

    def test_someone_outside_the_callers_stores_is_404(self, client, login, admin_b, clerk):
        login(admin_b)
        assert offboard(client, clerk).status_code == 404
        assert Staff.objects.get(pk=clerk.pk).is_active

    def test_roles_where_the_caller_does_not_manage_users_are_403(
        self, client, login, grant, admin_a, clerk, other_store
    ):
        grant(clerk, RoleFactory(permissions=["orders_view"]), other_store)
        login(admin_a)
        response = offboard(client, clerk)
        assert response.status_code == 403
        assert response.json()["detail"] == "You do not manage users in this store."
        assert RoleBinding.objects.live().filter(staff=clerk).count() == 3

    def test_nobody_offboards_themselves(self, client, login, admin_a, sa):
        login(sa)
        response = offboard(client, sa)
        assert response.status_code == 403 and response.json()["detail"] == "You cannot offboard yourself."

    def test_not_signed_in(self, client, clerk):
        assert offboard(client, clerk).status_code in (401, 403)
        assert Staff.objects.get(pk=clerk.pk).is_active
