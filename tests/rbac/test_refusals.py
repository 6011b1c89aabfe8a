"""Every refusal rule of delegation, exception grants, approvals and the last-super-admin invariant has a
test of its own (issue 8, guarantee g): the rule refuses, in its own words, and nothing is written — and
next to it the closest case the rule lets through, so a rule that refuses everything fails too.

Rules live in rbac.services (`_grant_refusal`, `_target_invalid`, `_exception_refusal`,
`_approval_refusal`, `_permanent_super_admins`); they are played here through the public services.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rbac import services
from rbac.models import AccessRequest, ExceptionGrant, RoleBinding
from staff.choices import StaffStatus
from tests.factories import RoleFactory, StaffFactory

pytestmark = pytest.mark.django_db

REASON = "refusal test"


@pytest.fixture
def orders_role():
    return RoleFactory(name="订单查看", permissions=["orders_view"])


@pytest.fixture
def clerk():
    return StaffFactory(name="店员")


def binding_count(**filters) -> int:
    return RoleBinding.objects.filter(revoked_at__isnull=True, **filters).count()


def bootstrap(person, role, store=None):
    return services.binding_bootstrap(staff=person, role=role, store=store, reason=REASON)


# ---------------------------------------------------------------------------------------------- role grants


def test_nobody_grants_a_role_to_themselves(admin_a, store, orders_role):
    with pytest.raises(PermissionDenied, match="your own roles"):
        services.binding_grant(actor=admin_a, staff=admin_a, role=orders_role, store=store, reason=REASON)
    assert binding_count(staff=admin_a, role=orders_role) == 0


def test_not_even_a_super_admin_grants_to_themselves(sa, orders_role, store):
    with pytest.raises(PermissionDenied, match="your own roles"):
        services.binding_grant(actor=sa, staff=sa, role=orders_role, store=store, reason=REASON)


def test_a_store_admin_grants_in_their_store(admin_a, clerk, store, orders_role):
    binding = services.binding_grant(actor=admin_a, staff=clerk, role=orders_role, store=store, reason=REASON)
    assert binding.granted_by == admin_a and binding.store == store


def test_a_store_admin_grants_nothing_on_all_stores(admin_a, clerk, orders_role):
    with pytest.raises(PermissionDenied, match="Only a super admin can grant or revoke roles on all stores"):
        services.binding_grant(actor=admin_a, staff=clerk, role=orders_role, store=None, reason=REASON)
    assert binding_count(staff=clerk) == 0


def test_an_all_store_user_manager_is_not_a_super_admin_for_all_store_grants(clerk, orders_role):
    manager = StaffFactory(name="全店用户管理")
    bootstrap(manager, RoleFactory(permissions=["users_view", "users_manage", "orders_view"]))
    with pytest.raises(PermissionDenied, match="Only a super admin"):
        services.binding_grant(actor=manager, staff=clerk, role=orders_role, store=None, reason=REASON)


def test_an_all_store_user_manager_grants_on_any_one_store(clerk, orders_role, store):
    """Their rights on every store count on each store (perms_on includes all-store rights)."""
    manager = StaffFactory(name="全店用户管理")
    bootstrap(manager, RoleFactory(permissions=["users_view", "users_manage", "orders_view"]))
    binding = services.binding_grant(actor=manager, staff=clerk, role=orders_role, store=store, reason=REASON)
    assert binding.store == store


def test_a_granter_without_user_management_there_is_refused(clerk, store, orders_role):
    viewer = StaffFactory(name="只读")
    bootstrap(viewer, RoleFactory(permissions=["users_view", "orders_view"]), store)
    with pytest.raises(PermissionDenied, match="do not manage users in this store"):
        services.binding_grant(actor=viewer, staff=clerk, role=orders_role, store=store, reason=REASON)
    assert binding_count(staff=clerk) == 0


def test_user_management_in_another_store_does_not_count(admin_b, clerk, store, orders_role):
    with pytest.raises(PermissionDenied, match="do not manage users in this store"):
        services.binding_grant(actor=admin_b, staff=clerk, role=orders_role, store=store, reason=REASON)


def test_a_granter_cannot_hand_out_rights_they_lack_there(clerk, store):
    manager = StaffFactory(name="用户管理")
    bootstrap(manager, RoleFactory(permissions=["users_view", "users_manage", "orders_view"]), store)
    wider = RoleFactory(name="订单与财务", permissions=["orders_view", "finance_view"])
    with pytest.raises(PermissionDenied, match="you do not hold View finance there yourself"):
        services.binding_grant(actor=manager, staff=clerk, role=wider, store=store, reason=REASON)
    assert binding_count(staff=clerk) == 0


@pytest.mark.parametrize("status", [StaffStatus.ON_LEAVE, StaffStatus.OFFBOARDED])
def test_no_role_for_someone_not_working(sa, store, orders_role, status):
    away = StaffFactory(name="休假中", status=status)
    with pytest.raises(ValidationError, match="not an active staff member"):
        services.binding_grant(actor=sa, staff=away, role=orders_role, store=store, reason=REASON)
    assert binding_count(staff=away) == 0


def test_no_role_for_a_deactivated_account(sa, store, orders_role):
    gone = StaffFactory(name="停用", is_active=False)
    with pytest.raises(ValidationError, match="not an active staff member"):
        services.binding_grant(actor=sa, staff=gone, role=orders_role, store=store, reason=REASON)


def test_the_super_admin_role_is_held_on_all_stores_only(sa, clerk, roles, store):
    with pytest.raises(ValidationError, match="only be held on all stores"):
        services.binding_bootstrap(staff=clerk, role=roles["super_admin"], store=store, reason=REASON)


def test_revoking_follows_the_same_rules(admin_a, admin_b, clerk, store, orders_role, grant):
    binding = grant(clerk, orders_role, store)
    with pytest.raises(PermissionDenied, match="do not manage users in this store"):
        services.binding_revoke(actor=admin_b, binding=binding, reason=REASON)
    own = RoleBinding.objects.get(staff=admin_a, store=store)
    with pytest.raises(PermissionDenied, match="your own roles"):
        services.binding_revoke(actor=admin_a, binding=own, reason=REASON)
    assert binding_count(staff=clerk) == 1 and binding_count(staff=admin_a) == 1


# ---------------------------------------------------------------------------------------------- exception grants


def test_nobody_grants_a_single_permission_to_themselves(admin_a, store):
    with pytest.raises(PermissionDenied, match="your own permissions"):
        services.exception_grant(actor=admin_a, staff=admin_a, store=store, permission="reports_export", reason=REASON)
    assert not ExceptionGrant.objects.filter(staff=admin_a).exists()


def test_a_store_admin_grants_a_single_permission(admin_a, clerk, store):
    grant = services.exception_grant(
        actor=admin_a, staff=clerk, store=store, permission="reports_export", reason=REASON
    )
    assert isinstance(grant, ExceptionGrant) and grant.granted_by == admin_a


def test_a_single_permission_needs_user_management_there(clerk, store):
    holder = StaffFactory(name="有报表导出")
    bootstrap(holder, RoleFactory(permissions=["reports_view", "reports_export"]), store)
    with pytest.raises(PermissionDenied, match="do not manage users in this store"):
        services.exception_grant(actor=holder, staff=clerk, store=store, permission="reports_export", reason=REASON)
    assert not ExceptionGrant.objects.filter(staff=clerk).exists()


def test_a_single_permission_the_granter_lacks_is_refused(clerk, store):
    manager = StaffFactory(name="用户管理")
    bootstrap(manager, RoleFactory(permissions=["users_view", "users_manage"]), store)
    with pytest.raises(PermissionDenied, match="do not hold it there yourself"):
        services.exception_grant(actor=manager, staff=clerk, store=store, permission="reports_export", reason=REASON)
    assert not ExceptionGrant.objects.filter(staff=clerk).exists()


@pytest.mark.parametrize("status", [StaffStatus.ON_LEAVE, StaffStatus.OFFBOARDED])
def test_no_single_permission_for_someone_not_working(sa, store, status):
    away = StaffFactory(name="休假中", status=status)
    with pytest.raises(ValidationError, match="not an active staff member"):
        services.exception_grant(actor=sa, staff=away, store=store, permission="reports_export", reason=REASON)
    assert not ExceptionGrant.objects.filter(staff=away).exists()


def test_revoking_a_single_permission_follows_the_same_rules(admin_a, admin_b, clerk, store):
    grant = services.exception_grant(
        actor=admin_a, staff=clerk, store=store, permission="reports_export", reason=REASON
    )
    with pytest.raises(PermissionDenied, match="do not manage users in this store"):
        services.exception_revoke(actor=admin_b, grant=grant, reason=REASON)
    assert ExceptionGrant.objects.get(pk=grant.pk).revoked_at is None


# ---------------------------------------------------------------------------------------------- approvals


@pytest.fixture
def refunds_role():
    return RoleFactory(name="退款审批", permissions=["after_sales_view", "after_sales_approve_refund"])


@pytest.fixture
def pending(admin_a, clerk, store, refunds_role):
    """admin_a asks for the (high-risk) refunds role for the clerk on the store."""
    request = services.binding_grant(actor=admin_a, staff=clerk, role=refunds_role, store=store, reason=REASON)
    assert isinstance(request, AccessRequest)
    return request


@pytest.fixture
def second_admin(store):
    person = StaffFactory(name="A店第二管理员")
    bootstrap(person, services_role("store_admin"), store)
    return person


def services_role(key):
    from rbac.models import Role

    return Role.objects.get(key=key)


def test_a_second_admin_approves(pending, second_admin, clerk):
    binding = services.access_request_approve(actor=second_admin, access_request=pending, reason=REASON)
    assert binding.staff == clerk


def test_the_requester_does_not_decide_their_own_request(pending, admin_a):
    with pytest.raises(PermissionDenied, match="You made this request"):
        services.access_request_approve(actor=admin_a, access_request=pending, reason=REASON)
    assert AccessRequest.objects.get(pk=pending.pk).status == "pending"


def test_the_person_a_request_is_for_cannot_approve_it_even_as_admin(sa, second_admin, store, refunds_role):
    """sa asks for second_admin; second_admin (a store admin there) may not decide what is for them."""
    request = services.access_request_create(
        actor=sa, staff=second_admin, store=store, role=refunds_role, reason=REASON
    )
    with pytest.raises(PermissionDenied, match="This request is for you"):
        services.access_request_approve(actor=second_admin, access_request=request, reason=REASON)


def test_an_approver_must_be_able_to_grant_it(pending, admin_b):
    with pytest.raises(PermissionDenied, match="do not manage users in this store"):
        services.access_request_approve(actor=admin_b, access_request=pending, reason=REASON)
    with pytest.raises(PermissionDenied, match="do not manage users in this store"):
        services.access_request_reject(actor=admin_b, access_request=pending, reason=REASON)
    assert AccessRequest.objects.get(pk=pending.pk).status == "pending"


def test_an_approver_without_the_permission_asked_for_is_refused(admin_a, clerk, store):
    request = services.exception_grant(
        actor=admin_a, staff=clerk, store=store, permission="after_sales_approve_refund", reason=REASON
    )
    assert isinstance(request, AccessRequest)
    manager = StaffFactory(name="只管用户")
    bootstrap(manager, RoleFactory(permissions=["users_view", "users_manage"]), store)
    with pytest.raises(PermissionDenied, match="do not hold it there yourself"):
        services.access_request_approve(actor=manager, access_request=request, reason=REASON)


def test_a_decided_request_is_not_decided_again(pending, second_admin, sa):
    services.access_request_reject(actor=second_admin, access_request=pending, reason=REASON)
    with pytest.raises(ValidationError, match="already been decided"):
        services.access_request_approve(
            actor=sa, access_request=AccessRequest.objects.get(pk=pending.pk), reason=REASON
        )
    assert binding_count(staff=pending.staff_id, role=pending.role_id) == 0


def test_an_expired_request_is_not_approved(pending, second_admin):
    AccessRequest.objects.filter(pk=pending.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="expired"):
        services.access_request_approve(
            actor=second_admin, access_request=AccessRequest.objects.get(pk=pending.pk), reason=REASON
        )
    assert binding_count(staff=pending.staff_id, role=pending.role_id) == 0


# ---------------------------------------------------------------------------------------------- the last super admin


@pytest.fixture
def lone_super(roles):
    """The only permanent super admin (no Django superuser exists in these tests)."""
    person = StaffFactory(name="唯一总管理员")
    return person, bootstrap(person, roles["super_admin"])


@pytest.fixture
def temporary_super(roles):
    """A super admin whose binding expires tomorrow: acts as one today, never counts as the one that remains."""
    person = StaffFactory(name="临时总管理员")
    RoleBinding.objects.create(
        staff=person,
        role=roles["super_admin"],
        store=None,
        reason=REASON,
        expires_at=timezone.now() + timedelta(days=1),
    )
    return person


def test_the_last_super_admin_cannot_be_revoked(lone_super, temporary_super):
    _person, binding = lone_super
    with pytest.raises(ValidationError, match="no active super admin"):
        services.binding_revoke(actor=temporary_super, binding=binding, reason=REASON)
    assert RoleBinding.objects.get(pk=binding.pk).revoked_at is None


@pytest.mark.parametrize(
    "away",
    [{"is_active": False}, {"status": StaffStatus.ON_LEAVE}, {"status": StaffStatus.OFFBOARDED}],
    ids=["deactivated", "on-leave", "offboarded"],
)
def test_a_super_admin_who_is_not_working_is_not_the_one_that_remains(roles, lone_super, temporary_super, away):
    _person, binding = lone_super
    absent = StaffFactory(name="不在岗的总管理员")
    bootstrap(absent, roles["super_admin"])
    type(absent).objects.filter(pk=absent.pk).update(**away)

    with pytest.raises(ValidationError, match="no active super admin"):
        services.binding_revoke(actor=temporary_super, binding=binding, reason=REASON)
    assert RoleBinding.objects.get(pk=binding.pk).revoked_at is None


@pytest.mark.parametrize(
    "away", [{"is_active": False}, {"status": StaffStatus.ON_LEAVE}], ids=["deactivated", "on-leave"]
)
def test_a_django_superuser_not_working_is_not_the_one_that_remains(lone_super, temporary_super, away):
    _person, binding = lone_super
    StaffFactory(name="不在岗的root", is_superuser=True, **away)
    with pytest.raises(ValidationError, match="no active super admin"):
        services.binding_revoke(actor=temporary_super, binding=binding, reason=REASON)


def test_a_working_second_super_admin_lets_the_first_go(roles, lone_super):
    _person, binding = lone_super
    second = StaffFactory(name="在岗总管理员")
    bootstrap(second, roles["super_admin"])
    req = services.binding_revoke(actor=second, binding=binding, reason=REASON)  # a super admin's: approved first
    services.access_request_approve(actor=_person, access_request=req, reason="consent")
    assert RoleBinding.objects.get(pk=binding.pk).revoked_at is not None


def test_a_working_django_superuser_counts_as_the_one_that_remains(lone_super):
    _person, binding = lone_super
    root = StaffFactory(name="root", is_superuser=True)
    req = services.binding_revoke(actor=root, binding=binding, reason=REASON)  # a super admin's: approved first
    services.access_request_approve(actor=_person, access_request=req, reason="consent")
    assert RoleBinding.objects.get(pk=binding.pk).revoked_at is not None


def test_the_last_super_admin_cannot_be_offboarded(lone_super, temporary_super):
    person, _binding = lone_super
    with pytest.raises(ValidationError, match="no active super admin"):
        services.staff_offboard(actor=temporary_super, staff=person, reason=REASON)
    person.refresh_from_db()
    assert person.status == StaffStatus.ACTIVE


def test_a_super_admin_can_be_offboarded_while_another_remains(roles, lone_super):
    person, _binding = lone_super
    second = StaffFactory(name="在岗总管理员")
    bootstrap(second, roles["super_admin"])
    services.staff_offboard(actor=second, staff=person, reason=REASON)
    person.refresh_from_db()
    assert person.status == StaffStatus.OFFBOARDED


# ---------------------------------------------------------------------------------------------- Django superusers


def test_a_django_superuser_without_any_binding_grants_on_a_store(clerk, store, orders_role):
    """A superuser's rights come from the flag, not from a binding carrying every permission: the "you do
    not hold it there yourself" rule must not refuse them for lack of a binding."""
    root = StaffFactory(name="root", is_superuser=True)
    binding = services.binding_grant(actor=root, staff=clerk, role=orders_role, store=store, reason=REASON)
    assert binding.granted_by == root


def test_a_django_superuser_without_any_binding_may_ask_for_access_anywhere(store, orders_role):
    root = StaffFactory(name="root", is_superuser=True)
    request = services.access_request_create(actor=root, staff=root, store=store, role=orders_role, reason=REASON)
    assert request.staff == root and request.store == store


def test_asking_for_oneself_needs_working_in_the_store(store, other_store, orders_role):
    worker = StaffFactory(name="店员")
    bootstrap(worker, RoleFactory(permissions=["orders_view"]), store)
    with pytest.raises(PermissionDenied, match="stores you work in"):
        services.access_request_create(actor=worker, staff=worker, store=other_store, role=orders_role, reason=REASON)
    assert services.access_request_create(actor=worker, staff=worker, store=store, role=orders_role, reason=REASON)


def test_the_last_django_superuser_cannot_be_offboarded(temporary_super):
    """The only permanent super admin is a Django superuser without any binding: no binding revocation
    would notice, so the invariant itself must refuse."""
    root = StaffFactory(name="root", is_superuser=True)
    with pytest.raises(ValidationError, match="no active super admin"):
        services.staff_offboard(actor=temporary_super, staff=root, reason=REASON)
    root.refresh_from_db()
    assert root.status == StaffStatus.ACTIVE and root.is_active


def test_an_all_store_role_that_is_not_super_admin_is_not_the_one_that_remains(lone_super, temporary_super):
    _person, binding = lone_super
    bootstrap(StaffFactory(name="全店用户管理"), RoleFactory(permissions=["users_view", "users_manage"]))
    with pytest.raises(ValidationError, match="no active super admin"):
        services.binding_revoke(actor=temporary_super, binding=binding, reason=REASON)
    assert RoleBinding.objects.get(pk=binding.pk).revoked_at is None
