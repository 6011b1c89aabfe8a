"""The first thing an admin does: sign in with password and TOTP, add a store, find it in the list."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.testing import totp_code
from stores.models import Store
from tests.browser.choosers import pick
from tests.factories import TEST_PASSWORD, StaffFactory, SuperuserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_signs_in_with_totp_creates_a_store_and_sees_it_listed(live_server, page):
    admin = SuperuserFactory(username="boss", name="王老板")
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    _primary, _backup = StaffFactory(name="李娜"), StaffFactory(name="张伟")

    page.goto(f"{live_server.url}/stores/")
    assert "/accounts/login/" in page.url  # the store list needs a sign-in first
    page.fill("#id_username", "boss")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")

    page.wait_for_url("**/accounts/2fa/verify/**")
    page.fill("input[name=code]", totp_code(device))
    page.click("form button.primary")
    page.wait_for_url("**/stores/")  # back where the admin was going

    page.goto(f"{live_server.url}{reverse('stores:store_create')}")
    page.select_option("#id_platform", "shopee")
    page.select_option("#id_site", "MY")
    page.fill("#id_shop_id", "7700123")
    page.fill("#id_name", "马来旗舰店")
    pick(page, "id_primary_owner", "李", "李娜")  # owners are searched, not listed
    pick(page, "id_backup_owner", "张", "张伟")
    page.click("form button.primary")

    store = Store.objects.get(platform="shopee", shop_id="7700123")
    page.wait_for_url(f"**{store.get_absolute_url()}")
    page.goto(f"{live_server.url}/stores/")
    row = page.locator("table tr", has_text="马来旗舰店")
    assert row.count() == 1
    assert "李娜" in row.inner_text() and "张伟" in row.inner_text()
    assert store.timezone == "Asia/Kuala_Lumpur"
