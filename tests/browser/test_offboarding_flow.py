"""A manager offboards a store owner in the browser, choosing the replacement on the same page: afterwards the
person cannot sign in with their password nor by scanning with WeCom, the store shows its new owners, and the
simulated WeCom shows the member disabled (status 2)."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.testing import totp_code
from tests.browser.test_step_up import age_second_factor
from tests.factories import TEST_PASSWORD, StaffFactory, StoreFactory, SuperuserFactory
from tests.staff.wecom_fixtures import wecom  # noqa: F401 (fixture: a simulated corp, member sync on)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, url, username, password):
    page.goto(f"{url}{reverse('accounts:login')}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def test_a_manager_offboards_a_store_owner_choosing_the_replacement_on_the_same_page(
    live_server,
    page,
    chromium,
    wecom,  # noqa: F811
    settings,
):
    boss = SuperuserFactory(username="boss", name="王老板")
    device = TOTPDevice.objects.create(user=boss, name="phone", confirmed=True)
    owner = StaffFactory(username="owner", name="王店主", wecom_userid="zhangwei")  # a member of the simulated corp
    backup, newcomer = StaffFactory(name="李备份"), StaffFactory(name="赵新人")
    store = StoreFactory(name="泰国店", primary_owner=owner, backup_owner=backup)

    sign_in(page, live_server.url, "boss", TEST_PASSWORD)
    page.wait_for_url("**/accounts/2fa/verify/**")
    page.fill("input[name=code]", totp_code(device))
    page.click("form button.primary")
    page.wait_for_url(f"**{reverse('core:home')}")
    age_second_factor(page)  # offboarding asks for a fresh second factor

    page.goto(f"{live_server.url}{owner.get_absolute_url()}")
    page.click("#offboard")
    page.wait_for_selector("#owned-stores")
    primary = page.locator(f"select[name=primary_{store.pk}]")
    assert primary.input_value() == str(backup.pk)  # the backup is proposed as the new primary
    page.select_option(f"select[name=backup_{store.pk}]", str(newcomer.pk))
    page.fill("#id_reason", "离职")
    page.click("#offboard-confirm")

    page.wait_for_selector("#step-up")
    page.fill("#id_step_up_code", totp_code(device, steps_ahead=1))
    page.click("#step-up button.primary")
    page.wait_for_url("**/sop/checklists/*/")  # the handover checklist comes next
    handover = page.locator("body").inner_text()
    assert "离职交接" in handover and "泰国店" in handover  # e.g. the Shopee sub-account to disable there

    page.goto(f"{live_server.url}{store.get_absolute_url()}")
    body = page.locator("body").inner_text()
    assert "李备份" in body and "赵新人" in body and "王店主" not in body

    other = chromium.new_context(locale="zh-CN")
    try:
        them = other.new_page()
        sign_in(them, live_server.url, "owner", TEST_PASSWORD)
        them.wait_for_load_state()
        assert reverse("accounts:login") in them.url and them.locator(".errorlist").count() > 0  # refused
        them.goto(f"{live_server.url}{reverse('core:home')}")
        assert reverse("accounts:login") in them.url  # not signed in
        # nor by scanning with WeCom: the simulated QR page, choosing their userid, back to the console
        them.goto(f"{live_server.url}/accounts/wecom/")
        qr = them.url.split("#")[0]
        assert qr.startswith(wecom.wecom_url)
        them.goto(qr + ("&" if "?" in qr else "?") + "scan=zhangwei")
        them.wait_for_load_state()
        them.goto(f"{live_server.url}{reverse('core:home')}")
        assert reverse("accounts:login") in them.url  # still not signed in
    finally:
        other.close()

    members = {m["userid"]: m for m in wecom.control.wecom_corp_get(wecom.corpid)["members"]}
    assert members["zhangwei"]["status"] == 2  # 已禁用 in the simulated WeCom
