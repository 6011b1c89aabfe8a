"""A fresh company with one administrator grants 店铺管理员 in a browser (issue "Access administration", done-when):
the grant form says beforehand that nobody else can approve it, the request's page offers approving alone, a
fresh second factor is asked for, and the audit log tells the story; once a second super admin exists, the next
high-risk grant waits for them and approving alone is not offered."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from core.testing import totp_code
from rbac import services
from rbac.models import AccessRequest, RequestStatus, Role, RoleBinding
from tests.browser.test_step_up import age_second_factor
from tests.factories import TEST_PASSWORD, StaffFactory, StoreFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username: str, device) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/2fa/verify/**")
    page.fill("input[name=code]", totp_code(device))
    page.click("form button.primary")
    page.wait_for_url(f"**{reverse('core:home')}")


def open_grant_form(page, live_server, *, staff, store, role) -> None:
    query = urlencode({"staff": staff.pk, "store": store.pk, "role": role.pk})
    page.goto(f"{live_server.url}{reverse('rbac:binding_grant')}?{query}")


def test_one_admin_grants_a_store_admin_alone_then_a_second_admin_is_waited_for(live_server, page):
    super_admin = Role.objects.get(key="super_admin")
    store_admin = Role.objects.get(key="store_admin")
    boss = StaffFactory(username="boss", name="王老板")
    services.binding_bootstrap(staff=boss, role=super_admin, reason="公司开通")
    device = TOTPDevice.objects.create(user=boss, name="phone", confirmed=True)
    manager = StaffFactory(name="李店长")
    store = StoreFactory(name="泰国店", primary_owner=boss, backup_owner=manager)

    sign_in(page, live_server, "boss", device)
    open_grant_form(page, live_server, staff=manager, store=store, role=store_admin)
    assert "除您之外没有人可以审批高风险授权" in page.inner_text("#alone-notice")  # said before anything is sent
    page.fill("#id_reason", "新店开业，由李店长负责")
    page.click("main form button.primary")

    page.wait_for_selector("#approve-alone-form")
    req = AccessRequest.objects.get(staff=manager)
    assert req.status == RequestStatus.PENDING
    assert "除申请人和被授权人外无人可审批" in page.inner_text("#approvers")
    age_second_factor(page)  # signed in a while ago: approving alone needs the second factor again
    page.click("#approve-alone-form button.primary")
    page.wait_for_selector("#step-up")
    assert AccessRequest.objects.get(pk=req.pk).status == RequestStatus.PENDING
    page.fill("#id_step_up_code", totp_code(device, steps_ahead=1))
    page.click("#step-up button.primary")

    page.wait_for_selector("#approved-alone")
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED and req.approved_alone
    assert RoleBinding.objects.live().filter(staff=manager, role=store_admin, store=store).exists()

    # the audit log tells the story: the grant was asked for, approved alone, and bound
    event = AuditEvent.objects.get(action="access_request.approve_alone")
    page.goto(f"{live_server.url}{reverse('audit:event_list')}")
    log = page.inner_text("main")
    # in words: 单人批准, the request made, the role granted
    assert "权限申请 · 单人批准（无第二审批人）" in log and "权限申请 · 创建" in log and "角色授权 · 授予" in log
    page.goto(f"{live_server.url}{reverse('audit:event_detail', args=[event.pk])}")
    assert "approved alone — no second approver existed" in page.inner_text("main")

    # a second super admin joins: the next high-risk grant waits for them
    second = StaffFactory(name="陈副总")
    services.binding_bootstrap(staff=second, role=super_admin, reason="第二位管理员")
    newcomer = StaffFactory(name="赵新人")
    other = StoreFactory(name="马来西亚店", primary_owner=boss, backup_owner=newcomer)
    open_grant_form(page, live_server, staff=newcomer, store=other, role=store_admin)
    assert page.locator("#alone-notice").count() == 0
    page.fill("#id_reason", "接手马来西亚店")
    page.click("main form button.primary")
    page.wait_for_selector("#approvers")
    assert "陈副总" in page.inner_text("#approvers")
    assert page.locator("#approve-alone-form").count() == 0
    waiting = AccessRequest.objects.get(staff=newcomer)
    assert waiting.status == RequestStatus.PENDING and not waiting.approved_alone
    assert not RoleBinding.objects.filter(staff=newcomer, role=store_admin).exists()
