"""A department manager finds who approved a refund right on a store, in three clicks, without seeing other
departments (issue "Managers", item 5)."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import context
from rbac import services
from rbac.models import AccessRequest, Role
from staff.models import Department
from tests.browser.test_approval_fallback import sign_in
from tests.factories import StaffFactory, StoreFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_finds_who_approved_a_refund_right_in_three_clicks(live_server, page):
    super_admin = Role.objects.get(key="super_admin")
    service_role = Role.objects.get(key="customer_service")  # holds 售后退款审批 (after_sales_approve_refund)
    first, second = StaffFactory(name="总管理员甲"), StaffFactory(name="总管理员乙")
    for person in (first, second):
        services.binding_bootstrap(staff=person, role=super_admin, reason="公司开通")
    zhang = StaffFactory(username="zhangwei", name="张伟")
    service = Department.objects.create(name="客服部", manager=zhang)
    warehouse = Department.objects.create(name="仓储部")
    wang = StaffFactory(name="王芳", department=service)
    li = StaffFactory(name="李强", department=warehouse)
    thai = StoreFactory(name="泰国店", primary_owner=first, backup_owner=second)
    vietnam = StoreFactory(name="越南店", primary_owner=first, backup_owner=second)
    services.binding_bootstrap(staff=zhang, role=Role.objects.get(key="inventory"), store=thai, reason="店长")

    with context.bound(source="web", actor_id=first.pk, actor_display=str(first)):
        request = services.binding_grant(actor=first, staff=wang, role=service_role, store=thai, reason="售后人手不足")
        other = services.binding_grant(actor=first, staff=li, role=service_role, store=vietnam, reason="仓储兼售后")
    assert isinstance(request, AccessRequest) and isinstance(other, AccessRequest)
    with context.bound(source="web", actor_id=second.pk, actor_display=str(second)):
        services.access_request_approve(actor=second, access_request=request, reason="同意，试用一个月")
        services.access_request_approve(actor=second, access_request=other, reason="同意")

    device = TOTPDevice.objects.create(user=zhang, name="phone", confirmed=True)
    sign_in(page, live_server, "zhangwei", device)
    page.click("nav >> text=审计日志")  # 1
    page.select_option("select[name=action]", "access_request.approve")
    page.click("form.filters button[type=submit]")  # 2
    rows = page.locator("#audit-table tbody tr")
    assert rows.count() == 1  # 越南店's approval (李强 of 仓储部) is not his to see
    table = page.inner_text("#audit-table")
    assert "权限申请 · 批准" in table and "李强" not in table and "越南店" not in table
    rows.first.locator("a").first.click()  # 3
    page.wait_for_url("**/audit/*/")
    detail = page.inner_text("main")
    assert "总管理员乙" in detail and "同意，试用一个月" in detail and "泰国店" in detail
