"""The approval policy a super admin sees and sets (issue "Access administration", item 1): per permission (the
catalogue's high-risk ones by default) and per role; it decides which grants wait; saving is audited."""

from django.urls import reverse

from audit.models import AuditEvent
from rbac import services
from rbac.models import AccessRequest, RoleBinding
from stores.catalogue import HIGH_RISK
from tests.factories import RoleFactory, StaffFactory, StoreFactory

URL = reverse("rbac:approval_policy")


def test_super_admins_see_the_default_high_risk_permissions_ticked(as_user, sa):
    response = as_user(sa, "zh-hans").get(URL)
    assert response.status_code == 200 and "审批策略" in response.content.decode()
    assert set(response.context["form"]["permissions"].value()) == set(HIGH_RISK)


def test_only_super_admins_open_it(as_user, admin_a):
    assert as_user(admin_a).get(URL).status_code == 403


def test_a_role_set_to_never_is_granted_at_once_and_the_change_is_audited(as_user, sa, roles):
    ads = roles["ads"]
    data = {"permissions": sorted(HIGH_RISK)}
    data |= {f"role_{r.pk}": ("never" if r.pk == ads.pk else r.approval) for r in type(ads).objects.all()}
    data[f"role_{roles['super_admin'].pk}"] = "always"
    assert as_user(sa).post(URL, data).status_code == 302
    event = AuditEvent.objects.get(action="approval_policy.update")
    assert event.after["roles"] == {ads.name: "never"}

    person, store = StaffFactory(), StoreFactory()
    ads.refresh_from_db()
    result = services.binding_grant(actor=sa, staff=person, role=ads, store=store, reason="投放")
    assert isinstance(result, RoleBinding) and result.is_live()


def test_an_untouched_permission_no_longer_makes_a_role_wait(sa, roles):
    role = RoleFactory(permissions=["orders_view", "inventory_adjust_stock"])
    assert "inventory_adjust_stock" in HIGH_RISK
    before = services.binding_grant(actor=sa, staff=StaffFactory(), role=role, store=StoreFactory(), reason="r")
    assert isinstance(before, AccessRequest)
    services.approval_policy_set(actor=sa, permissions=sorted(HIGH_RISK - {"inventory_adjust_stock"}), roles={})
    after = services.binding_grant(actor=sa, staff=StaffFactory(), role=role, store=StoreFactory(), reason="r")
    assert isinstance(after, RoleBinding)


def test_a_newly_ticked_permission_makes_its_grants_wait(sa):
    role = RoleFactory(permissions=["orders_view"])
    services.approval_policy_set(actor=sa, permissions=sorted(HIGH_RISK | {"orders_view"}), roles={})
    result = services.binding_grant(actor=sa, staff=StaffFactory(), role=role, store=StoreFactory(), reason="r")
    assert isinstance(result, AccessRequest)
