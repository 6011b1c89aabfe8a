"""A manager offboards a store owner in the browser, choosing the replacement on the same page: afterwards the
person cannot sign in with their password, the store shows its new owners, and the simulated WeCom shows the
member disabled (status 2)."""

import itertools

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.testing import totp_code
from staff.models import WeComSettings
from tests.browser.test_step_up import age_second_factor
from tests.factories import TEST_PASSWORD, StaffFactory, StoreFactory, SuperuserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_corps = itertools.count(1)
CONTACTS_SECRET = "contacts-secret-" + "o" * 28


def simulated_wecom(simulator, settings, userid: str) -> str | None:
    """A corp in the WeCom simulator holding `userid`, and the company's settings pointing at it; None (with the
    reason printed) while the simulator has no WeCom server API."""
    if not hasattr(simulator.control, "wecom_corp"):
        print("the WeCom server simulator is not there yet: the WeCom part of this test is not run")
        return None
    settings.WECOM_BASE_URL = simulator.wecom_url
    corpid = f"wwoff{next(_corps):03d}"
    simulator.control.wecom_corp(
        {
            "corpid": corpid,
            "name": "测试公司",
            "secrets": {CONTACTS_SECRET: {"kind": "contacts"}},
            "departments": [{"id": 2, "name": "客服部"}],
            "members": [{"userid": userid, "name": "王店主", "department": [2], "mobile": "13800000077"}],
        }
    )
    WeComSettings.objects.update_or_create(
        pk=1, defaults={"corp_id": corpid, "contacts_secret": CONTACTS_SECRET, "sync_members": True}
    )
    return corpid


def sign_in(page, url, username, password):
    page.goto(f"{url}{reverse('accounts:login')}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def test_a_manager_offboards_a_store_owner_choosing_the_replacement_on_the_same_page(
    live_server, page, chromium, simulator, settings
):
    boss = SuperuserFactory(username="boss", name="王老板")
    device = TOTPDevice.objects.create(user=boss, name="phone", confirmed=True)
    owner = StaffFactory(username="owner", name="王店主", wecom_userid="wangowner")
    backup, newcomer = StaffFactory(name="李备份"), StaffFactory(name="赵新人")
    store = StoreFactory(name="泰国店", primary_owner=owner, backup_owner=backup)
    corpid = simulated_wecom(simulator, settings, "wangowner")

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
    page.wait_for_url(f"**{owner.get_absolute_url()}")
    assert "王店主" in page.locator(".messages, .message, body").first.inner_text()

    page.goto(f"{live_server.url}{store.get_absolute_url()}")
    body = page.locator("body").inner_text()
    assert "李备份" in body and "赵新人" in body and "王店主" not in body

    other = chromium.new_context(locale="zh-CN")
    try:
        them = other.new_page()
        sign_in(them, live_server.url, "owner", TEST_PASSWORD)
        them.wait_for_load_state()
        assert reverse("accounts:login") in them.url  # still on the sign-in page
        assert not any(c["name"] == settings.SESSION_COOKIE_NAME for c in other.cookies()) or "errorlist" in (
            them.content()
        )
    finally:
        other.close()

    if corpid is not None:
        members = {m["userid"]: m for m in simulator.control.wecom_corp_get(corpid)["members"]}
        assert members["wangowner"]["status"] == 2  # 已禁用
