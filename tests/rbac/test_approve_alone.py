"""Approving alone: a company with one super admin can grant a high-risk role (issue "Access administration",
item 1), recorded as approved alone, audited and announced; never while a second approver exists, never
without a fresh second factor, never when the security policy forbids it."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from events.models import Event
from rbac import services
from rbac.models import AccessRequest, RequestStatus, RoleBinding
from security.models import SecurityPolicy
from tests.factories import StaffFactory, StoreFactory


@pytest.fixture
def sole_admin(roles):
    person = StaffFactory(name="唯一管理员")
    services.binding_bootstrap(staff=person, role=roles["super_admin"], reason="bootstrap")
    return person


@pytest.fixture
def request_for_store_admin(sole_admin, roles):
    # a fresh company: its one admin and the newcomer own the store (an owner holds store admin there, so any
    # other owner would be a second approver)
    newcomer = StaffFactory(name="新店长")
    store = StoreFactory(name="泰国店", primary_owner=sole_admin, backup_owner=newcomer)
    req = services.binding_grant(
        actor=sole_admin, staff=newcomer, role=roles["store_admin"], store=store, reason="开店"
    )
    assert isinstance(req, AccessRequest)
    return req


def test_the_sole_super_admin_approves_alone_with_a_fresh_second_factor(sole_admin, request_for_store_admin):
    req = request_for_store_admin
    approvers = services.second_approvers([req])
    assert approvers == {req.pk: []}
    assert services.approve_alone_refusal(actor=sole_admin, requests=[req], approvers=approvers) is None

    services.access_requests_approve_alone(actor=sole_admin, requests=[req], fresh_second_factor=True)

    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED and req.approved_alone and req.decided_by == sole_admin
    assert RoleBinding.objects.live().filter(staff=req.staff, role=req.role, store=req.store).exists()
    event = AuditEvent.objects.get(action="access_request.approve_alone", target_id=str(req.pk))
    assert "no second approver existed" in event.reason and "单人批准" in event.reason
    announced = Event.objects.get(kind="access.approved_alone")
    assert announced.payload["approver"] == str(sole_admin) and announced.payload["what"] == req.role.name


def test_without_a_fresh_second_factor_nothing_is_granted(sole_admin, request_for_store_admin):
    with pytest.raises(ValidationError):
        services.access_requests_approve_alone(
            actor=sole_admin, requests=[request_for_store_admin], fresh_second_factor=False
        )
    request_for_store_admin.refresh_from_db()
    assert request_for_store_admin.status == RequestStatus.PENDING
    assert not RoleBinding.objects.filter(staff=request_for_store_admin.staff).exists()


def test_once_a_second_super_admin_exists_the_request_waits_for_them(sole_admin, request_for_store_admin, roles):
    second = StaffFactory(name="第二管理员")
    services.binding_bootstrap(staff=second, role=roles["super_admin"], reason="bootstrap")
    req = request_for_store_admin
    assert services.second_approvers([req]) == {req.pk: [second]}
    assert services.alone_notice(sole_admin) is None
    with pytest.raises(ValidationError, match="第二管理员|waits for them"):
        services.access_requests_approve_alone(actor=sole_admin, requests=[req], fresh_second_factor=True)
    services.access_request_approve(actor=second, access_request=req, reason="核实")
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED and not req.approved_alone


def test_the_security_policy_can_forbid_approving_alone(sole_admin, request_for_store_admin):
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"approval_fallback_allowed": False})
    assert "forbids" in services.alone_notice(sole_admin)
    with pytest.raises(ValidationError, match="forbids"):
        services.access_requests_approve_alone(
            actor=sole_admin, requests=[request_for_store_admin], fresh_second_factor=True
        )
    assert not AccessRequest.objects.filter(approved_alone=True).exists()


def test_another_owner_of_the_store_is_a_second_approver(sole_admin, roles):
    colleague, newcomer = StaffFactory(name="备份店长"), StaffFactory(name="新人")
    store = StoreFactory(primary_owner=sole_admin, backup_owner=colleague)
    req = services.binding_grant(actor=sole_admin, staff=newcomer, role=roles["store_admin"], store=store, reason="r")
    assert services.second_approvers([req]) == {req.pk: [colleague]}
    with pytest.raises(ValidationError):
        services.access_requests_approve_alone(actor=sole_admin, requests=[req], fresh_second_factor=True)


def test_only_the_requester_who_is_a_super_admin_may_approve_alone(sole_admin, request_for_store_admin, roles):
    other = StaffFactory(name="旁人")
    with pytest.raises(ValidationError):
        services.access_requests_approve_alone(
            actor=other, requests=[request_for_store_admin], fresh_second_factor=True
        )
    assert RequestStatus.PENDING == AccessRequest.objects.get(pk=request_for_store_admin.pk).status


def test_a_bulk_grants_batch_is_approved_alone_together(sole_admin, roles):
    newcomer = StaffFactory(name="新客服")
    stores = [StoreFactory(primary_owner=sole_admin, backup_owner=newcomer) for _ in range(3)]
    result = services.bindings_bulk_grant(
        actor=sole_admin, staff=[newcomer], role=roles["store_admin"], stores=stores, reason="三店"
    )
    batch = list(AccessRequest.objects.filter(staff=newcomer))
    assert len(batch) == 3 and len({r.batch for r in batch}) == 1, result
    services.access_requests_approve_alone(actor=sole_admin, requests=batch, fresh_second_factor=True)
    assert RoleBinding.objects.live().filter(staff=newcomer).count() == 3
    assert AccessRequest.objects.filter(staff=newcomer, approved_alone=True).count() == 3


# --- ending an administrator's role needs the same second person as granting it -------------------------------


def test_revoking_a_co_admins_super_admin_binding_waits_for_a_second_person(super_admins, roles):
    first, second = super_admins
    binding = RoleBinding.objects.live().get(staff=second, role=roles["super_admin"])
    req = services.binding_revoke(actor=first, binding=binding, reason="离职交接")
    assert isinstance(req, AccessRequest) and req.kind == "revoke" and req.binding == binding
    assert RoleBinding.objects.live().filter(pk=binding.pk).exists()  # nobody is locked out by one co-admin
    with pytest.raises(ValidationError):  # never approved alone
        services.access_requests_approve_alone(actor=first, requests=[req], fresh_second_factor=True)
    with pytest.raises(ValidationError, match="already waiting"):
        services.binding_revoke(actor=first, binding=binding, reason="again")
    # the person losing the role may consent; then it ends, credited to the requester
    services.access_request_approve(actor=second, access_request=req, reason="同意")
    binding.refresh_from_db()
    assert not binding.is_live() and binding.revoked_by == first and binding.revoke_reason == "离职交接"


def test_revoking_an_owners_admin_role_on_their_own_store_needs_approval(super_admins, roles):
    first, second = super_admins
    owner = StaffFactory(name="店主")
    store = StoreFactory(primary_owner=owner)
    bound = services.binding_grant(actor=first, staff=owner, role=roles["store_admin"], store=store, reason="r")
    services.access_request_approve(actor=second, access_request=bound, reason="ok")
    binding = RoleBinding.objects.live().get(staff=owner, store=store)
    req = services.binding_revoke(actor=first, binding=binding, reason="调岗")
    assert isinstance(req, AccessRequest) and RoleBinding.objects.live().filter(pk=binding.pk).exists()
    services.access_request_approve(actor=second, access_request=req, reason="核实")
    assert not RoleBinding.objects.live().filter(pk=binding.pk).exists()


def test_an_ordinary_role_is_still_revoked_at_once(super_admins, roles, grant):
    clerk, store = StaffFactory(name="客服"), StoreFactory()
    binding = grant(clerk, roles["customer_service"], store)
    result = services.binding_revoke(actor=super_admins[0], binding=binding, reason="调岗")
    assert isinstance(result, RoleBinding) and not result.is_live()


def test_the_opened_event_names_requester_staff_what_reason_and_deadline(sole_admin, request_for_store_admin):
    req = request_for_store_admin
    event = Event.objects.get(kind="access.request_opened", dedupe_key=f"access.request_opened:{req.pk}")
    payload = event.payload
    assert payload["requester"].startswith("唯一管理员") and payload["staff"].startswith("新店长")
    assert payload["what"] and payload["reason"] == "开店" and payload["decide_by"]
