"""Delegation without escalation, the two-person rule, invariants and offboarding (rbac.services)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from guardian.core import ObjectPermissionChecker

from audit.models import AuditEvent
from rbac import services
from rbac.models import AccessRequest, ExceptionGrant, RequestStatus, RoleBinding
from rbac.permissions import load_permissions
from staff.choices import StaffStatus
from tests.factories import RoleFactory, StaffFactory, StoreFactory, SuperuserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plain_role(db):
    """A role without high-risk permissions: granted at once, no second person needed."""
    return RoleFactory(name="查看订单", permissions=["orders_view", "shipping_view"])


@pytest.fixture
def store_admin(grant, roles, store):
    person = StaffFactory(name="店铺管理员A")
    grant(person, roles["store_admin"], store)
    return person


class TestDelegation:
    def test_store_admin_grants_on_their_store(self, store_admin, store, plain_role):
        person = StaffFactory()
        binding = services.binding_grant(
            actor=store_admin, staff=person, role=plain_role, store=store, reason="new hire"
        )
        assert isinstance(binding, RoleBinding) and binding.granted_by == store_admin
        assert load_permissions(person).has("orders_view", store.pk)
        assert ObjectPermissionChecker(person).has_perm("orders_view", store)

    def test_not_on_another_store(self, store_admin, other_store, plain_role):
        with pytest.raises(PermissionDenied, match="do not manage users in this store"):
            services.binding_grant(
                actor=store_admin, staff=StaffFactory(), role=plain_role, store=other_store, reason="r"
            )

    def test_never_to_themselves(self, store_admin, store, plain_role):
        with pytest.raises(PermissionDenied, match="your own roles"):
            services.binding_grant(actor=store_admin, staff=store_admin, role=plain_role, store=store, reason="r")

    def test_never_on_all_stores(self, store_admin, plain_role):
        with pytest.raises(PermissionDenied, match="Only a super admin can grant or revoke roles on all stores"):
            services.binding_grant(actor=store_admin, staff=StaffFactory(), role=plain_role, store=None, reason="r")

    def test_only_roles_whose_permissions_they_hold(self, grant, roles, store):
        junior = StaffFactory()
        grant(junior, RoleFactory(permissions=["users_manage", "orders_view", "after_sales_view"]), store)
        with pytest.raises(PermissionDenied) as refused:
            services.binding_grant(
                actor=junior, staff=StaffFactory(), role=roles["customer_service"], store=store, reason="r"
            )
        assert "Approve refunds" in str(refused.value) and "客服/售后" in str(refused.value)

    def test_revocation_follows_the_same_rules(self, grant, store_admin, store, other_store, plain_role):
        person = StaffFactory()
        elsewhere = grant(person, plain_role, other_store)
        with pytest.raises(PermissionDenied):
            services.binding_revoke(actor=store_admin, binding=elsewhere, reason="r")
        own = RoleBinding.objects.get(staff=store_admin)
        with pytest.raises(PermissionDenied, match="your own roles"):
            services.binding_revoke(actor=store_admin, binding=own, reason="r")

    def test_only_super_admins_edit_roles(self, store_admin, sa, plain_role):
        with pytest.raises(PermissionDenied, match="Only a super admin"):
            services.role_update(actor=store_admin, role=plain_role, permissions=["orders_view"])
        with pytest.raises(PermissionDenied):
            services.role_create(actor=store_admin, name="x", permissions=[])
        services.role_update(actor=sa, role=plain_role, name="查看订单与发货")

    def test_super_admin_role_only_on_all_stores(self, sa, roles, store):
        with pytest.raises(ValidationError, match="only be held on all stores"):
            services.binding_grant(actor=sa, staff=StaffFactory(), role=roles["super_admin"], store=store, reason="r")

    def test_offboarded_people_get_nothing(self, sa, store, plain_role):
        gone = StaffFactory(status=StaffStatus.OFFBOARDED, is_active=False)
        with pytest.raises(ValidationError, match="not an active staff member"):
            services.binding_grant(actor=sa, staff=gone, role=plain_role, store=store, reason="r")

    def test_a_reason_is_required(self, sa, store, plain_role):
        with pytest.raises(ValidationError):
            services.binding_grant(actor=sa, staff=StaffFactory(), role=plain_role, store=store, reason=" ")

    def test_exception_grants_follow_the_same_rules(self, store_admin, store, other_store):
        auditor = StaffFactory()
        grant = services.exception_grant(
            actor=store_admin,
            staff=auditor,
            store=store,
            permission="reports_export",
            reason="year-end audit",
            expires_at=timezone.now() + timedelta(days=3),
        )
        assert isinstance(grant, ExceptionGrant)
        assert load_permissions(auditor).has("reports_export", store.pk)
        assert ObjectPermissionChecker(auditor).has_perm("reports_export", store)
        with pytest.raises(PermissionDenied):
            services.exception_grant(
                actor=store_admin, staff=auditor, store=other_store, permission="reports_view", reason="r"
            )
        services.exception_revoke(actor=store_admin, grant=grant, reason="done")
        assert not load_permissions(auditor).has("reports_export", store.pk)
        assert not ObjectPermissionChecker(auditor).has_perm("reports_export", store)


class TestTwoPersonRule:
    def test_high_risk_grant_becomes_a_request_with_a_frozen_description(self, store_admin, roles, store):
        person = StaffFactory(name="新客服")
        req = services.binding_grant(
            actor=store_admin, staff=person, role=roles["customer_service"], store=store, reason="new hire"
        )
        assert isinstance(req, AccessRequest) and req.status == RequestStatus.PENDING
        assert not RoleBinding.objects.filter(staff=person).exists()
        assert req.description["high_risk"] == ["after_sales_approve_refund"]
        assert "orders_view" in req.description["adds"] and req.description["store"] == store.pk
        assert not load_permissions(person).has_anywhere("orders_view")

    def test_requester_and_grantee_never_approve_another_entitled_person_does(self, store_admin, grant, roles, store):
        person = StaffFactory()
        req = services.binding_grant(
            actor=store_admin, staff=person, role=roles["customer_service"], store=store, reason="r"
        )
        with pytest.raises(PermissionDenied, match="You made this request"):
            services.access_request_approve(actor=store_admin, access_request=req, reason="ok")
        with pytest.raises(PermissionDenied, match="This request is for you"):
            services.access_request_approve(actor=person, access_request=req, reason="ok")
        colleague = StaffFactory()
        grant(colleague, roles["store_admin"], store)
        binding = services.access_request_approve(actor=colleague, access_request=req, reason="checked")
        assert binding.staff == person and binding.granted_by == store_admin and binding.request == req
        req.refresh_from_db()
        assert req.status == RequestStatus.APPROVED and req.decided_by == colleague
        assert load_permissions(person).has("after_sales_approve_refund", store.pk)

    def test_an_admin_of_another_store_cannot_approve(self, store_admin, grant, roles, store, other_store):
        req = services.binding_grant(
            actor=store_admin, staff=StaffFactory(), role=roles["customer_service"], store=store, reason="r"
        )
        outsider = StaffFactory()
        grant(outsider, roles["store_admin"], other_store)
        with pytest.raises(PermissionDenied):
            services.access_request_approve(actor=outsider, access_request=req, reason="ok")

    def test_super_admins_are_still_subject_to_it(self, super_admins, roles, store):
        first, second = super_admins
        req = services.binding_grant(
            actor=first, staff=StaffFactory(), role=roles["finance_analyst"], store=store, reason="r"
        )
        assert isinstance(req, AccessRequest)
        assert services.access_request_approve(actor=second, access_request=req, reason="ok") is not None

    def test_reject_with_a_reason(self, store_admin, sa, roles, store):
        req = services.binding_grant(
            actor=store_admin, staff=StaffFactory(), role=roles["ads"], store=store, reason="r"
        )
        with pytest.raises(ValidationError):
            services.access_request_reject(actor=sa, access_request=req, reason="")
        services.access_request_reject(actor=sa, access_request=req, reason="budget frozen")
        assert req.status == RequestStatus.REJECTED and req.decision_reason == "budget frozen"
        with pytest.raises(ValidationError, match="already been decided"):
            services.access_request_approve(actor=sa, access_request=req, reason="ok")

    def test_requests_expire_after_the_configured_time(self, settings, store_admin, sa, roles, store):
        settings.ACCESS_REQUEST_TTL = timedelta(hours=1)
        req = services.binding_grant(
            actor=store_admin, staff=StaffFactory(), role=roles["ads"], store=store, reason="r"
        )
        assert req.expires_at - req.created_at == timedelta(hours=1)
        AccessRequest.objects.filter(pk=req.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        with pytest.raises(ValidationError, match="expired"):
            services.access_request_approve(actor=sa, access_request=req, reason="ok")
        assert services.expire_due()["requests"] == 1
        req.refresh_from_db()
        assert req.status == RequestStatus.EXPIRED
        assert AuditEvent.objects.filter(action="access_request.expire", target_id=str(req.pk)).count() == 1

    def test_approval_refused_when_the_role_changed_since(self, store_admin, sa, super_admins, roles, store):
        role = RoleFactory(permissions=["orders_view", "finance_export"])
        req = services.binding_grant(actor=sa, staff=StaffFactory(), role=role, store=store, reason="r")
        services.role_update(actor=sa, role=role, permissions=["orders_view", "finance_export", "finance_view"])
        with pytest.raises(ValidationError, match="has changed since"):
            services.access_request_approve(actor=super_admins[1], access_request=req, reason="ok")

    def test_the_requester_cancels(self, store_admin, roles, store):
        req = services.binding_grant(
            actor=store_admin, staff=StaffFactory(), role=roles["ads"], store=store, reason="r"
        )
        services.access_request_cancel(actor=store_admin, access_request=req)
        assert req.status == RequestStatus.CANCELLED

    def test_anyone_may_ask_for_themselves_in_a_store_they_work_in(self, grant, store_admin, roles, store, other_store):
        clerk = StaffFactory()
        grant(clerk, RoleFactory(permissions=["orders_view"]), store)
        req = services.access_request_create(
            actor=clerk, staff=clerk, role=roles["customer_service"], store=store, reason="I cover refunds now"
        )
        assert req.requested_by == clerk
        with pytest.raises(PermissionDenied):
            services.access_request_create(actor=clerk, staff=clerk, role=roles["ads"], store=other_store, reason="r")
        services.access_request_approve(actor=store_admin, access_request=req, reason="ok")

    def test_high_risk_exception_grant_needs_approval(self, store_admin, sa, store):
        auditor = StaffFactory()
        req = services.exception_grant(
            actor=store_admin, staff=auditor, store=store, permission="finance_export", reason="audit"
        )
        assert isinstance(req, AccessRequest) and req.kind == "permission"
        grant = services.access_request_approve(actor=sa, access_request=req, reason="ok")
        assert isinstance(grant, ExceptionGrant) and load_permissions(auditor).has("finance_export", store.pk)


class TestInvariants:
    def test_the_last_super_admin_cannot_be_revoked(self, super_admins, roles):
        first, second = super_admins
        services.binding_revoke(actor=first, binding=RoleBinding.objects.get(staff=second), reason="left")
        last = RoleBinding.objects.get(staff=first, revoked_at=None)
        with pytest.raises(PermissionDenied):
            services.binding_revoke(actor=first, binding=last, reason="r")
        plan = services.bindings_bulk_revoke_plan(actor=SuperuserFactory(is_active=False), bindings=[last])
        assert not plan.revoke

    def test_an_expiring_super_admin_does_not_count_as_the_one_that_must_remain(self, super_admins, roles):
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
        ending = services.binding_revoke(actor=first, binding=RoleBinding.objects.get(staff=second), reason="r")
        services.access_request_approve(actor=second, access_request=ending, reason="consent")
        with pytest.raises(ValidationError, match="no active super admin"):
            services.binding_revoke(actor=temp, binding=RoleBinding.objects.get(staff=first), reason="r")

    def test_a_django_superuser_counts(self, super_admins):
        root = SuperuserFactory()
        first, second = super_admins
        ending = services.binding_revoke(actor=first, binding=RoleBinding.objects.get(staff=second), reason="r")
        services.access_request_approve(actor=root, access_request=ending, reason="ok")
        ending = services.binding_revoke(actor=root, binding=RoleBinding.objects.get(staff=first), reason="r")
        services.access_request_approve(actor=first, access_request=ending, reason="consent")
        assert not load_permissions(first).super_admin and load_permissions(root).super_admin

    def test_deleting_a_role_in_use_is_refused(self, sa, store):
        role = RoleFactory(permissions=["orders_view"])
        binding = services.binding_grant(actor=sa, staff=StaffFactory(), role=role, store=store, reason="r")
        with pytest.raises(ValidationError, match="in use"):
            services.role_delete(actor=sa, role=role)
        services.binding_revoke(actor=sa, binding=binding, reason="r")
        role_id = role.pk
        services.role_delete(actor=sa, role=role, reason="unused")
        assert AuditEvent.objects.filter(action="role.delete", target_id=str(role_id)).exists()

    def test_built_in_roles_cannot_be_deleted(self, sa, roles):
        with pytest.raises(ValidationError, match="Built-in"):
            services.role_delete(actor=sa, role=roles["listing_editor"])


class TestOffboarding:
    def test_revokes_everything_and_disables_the_account(self, sa, grant, roles, store, other_store):
        person = StaffFactory()
        kept = [grant(person, roles["customer_service"], store), grant(person, roles["listing_editor"], other_store)]
        pending = services.binding_grant(actor=sa, staff=person, role=roles["ads"], store=store, reason="r")
        before = AuditEvent.objects.count()

        result = services.staff_offboard(actor=sa, staff=person, reason="resigned")

        assert result.bindings == 2 and result.requests == 1
        person.refresh_from_db()
        assert person.status == StaffStatus.OFFBOARDED and not person.is_active
        assert RoleBinding.objects.filter(pk__in=[b.pk for b in kept], revoked_at__isnull=False).count() == 2
        assert not person.groups.exists()
        assert AccessRequest.objects.get(pk=pending.pk).status == RequestStatus.CANCELLED
        actions = list(AuditEvent.objects.filter(pk__gt=0).order_by("id").values_list("action", flat=True)[before:])
        assert actions.count("binding.revoke") == 2 and actions.count("staff.offboard") == 1

    def test_refused_while_they_own_stores(self, sa, store):
        with pytest.raises(ValidationError) as refused:
            services.staff_offboard(actor=sa, staff=store.primary_owner, reason="r")
        assert store.name in str(refused.value)

    def test_refused_for_the_last_super_admin(self, super_admins, roles):
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
        with pytest.raises(ValidationError, match="no active super admin"):
            services.staff_offboard(actor=temp, staff=first, reason="r")

    def test_a_store_admin_cannot_offboard_someone_with_roles_elsewhere(self, store_admin, grant, store, other_store):
        person = StaffFactory()
        grant(person, RoleFactory(permissions=["orders_view"]), other_store)
        with pytest.raises(PermissionDenied):
            services.staff_offboard(actor=store_admin, staff=person, reason="r")
        assert StaffFactory._meta.model.objects.get(pk=person.pk).is_active

    def test_owners_store_is_named_only_if_the_actor_can_see_it(self, store_admin, grant, store):
        hidden = StoreFactory(name="秘密店铺")
        with pytest.raises(PermissionDenied):  # not someone who works in the admin's store at all
            services.staff_offboard(actor=store_admin, staff=hidden.primary_owner, reason="r")
        person = StaffFactory()
        grant(person, RoleFactory(permissions=["orders_view"]), store)
        StoreFactory(primary_owner=person, name="另一个秘密店铺")
        with pytest.raises(ValidationError) as refused:
            services.staff_offboard(actor=store_admin, staff=person, reason="r")
        assert "秘密" not in str(refused.value) and "(1 store you cannot see)" in str(refused.value)
