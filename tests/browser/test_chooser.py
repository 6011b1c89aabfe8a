"""The searchable chooser in a real browser: the grant form lists no stores until one types, offers only
matches from the viewer's stores, picks with the keyboard or the mouse, and posts the chosen ids."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from core.testing import verified_login
from rbac.models import RoleBinding
from tests.factories import RoleFactory, StaffFactory, StoreFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "browser"


def sign_in(page, live_server, person) -> None:
    """Hand the browser the session of a test client signed in with a verified second factor."""
    client = Client()
    verified_login(client, person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_grant_form_store_chooser_searches_picks_and_submits(live_server, page, sa):
    stores = [StoreFactory(name=f"众店{i:02d}") for i in range(30)]
    clerk = StaffFactory(name="李娜")
    role = RoleFactory(name="订单查看", permissions=["orders_view"])
    sign_in(page, live_server, sa)

    page.goto(f"{live_server.url}{reverse('rbac:binding_grant')}")
    assert page.locator("#id_store option").count() == 1  # only "All stores": no list of every store
    store_box = page.locator("#id_store-search")
    assert store_box.get_attribute("role") == "combobox"
    assert page.get_attribute("label[for=id_store-search]", "for") == "id_store-search"  # the label follows

    store_box.click()
    store_box.press_sequentially("众店1")  # typed, as a person would
    options = page.locator("#id_store-search-list [role=option]")
    options.first.wait_for()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#id_store-search-list [role=option]')]"
        ".every(o => o.textContent.includes('众店1'))"
    )
    assert sorted(options.all_inner_texts()) == [str(s) for s in stores[10:20]]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "grant_form_chooser_open.png"))
    store_box.press("ArrowDown")  # the second match, chosen with the keyboard
    store_box.press("Enter")
    assert page.locator("#id_store-search-list").is_hidden()
    assert store_box.input_value() == str(stores[11])
    assert page.locator("#id_store").input_value() == str(stores[11].pk)

    staff_box = page.locator("#id_staff-search")
    staff_box.fill("李")
    page.locator("#id_staff-search-list [role=option]", has_text="李娜").click()
    page.select_option("#id_role", str(role.pk))
    page.fill("#id_reason", "旺季客服支援")
    page.screenshot(path=str(SCREENSHOTS / "grant_form_chooser.png"), full_page=True)

    page.click("form button.primary")
    page.wait_for_url(lambda url: reverse("rbac:binding_grant") not in url)
    assert RoleBinding.objects.filter(staff=clerk, role=role, store=stores[11], revoked_at=None).count() == 1


def test_bulk_grant_chooses_many_stores_as_chips(live_server, page, sa):
    stores = [StoreFactory(name=f"多店{i:02d}") for i in range(25)]
    StaffFactory(name="王芳")
    sign_in(page, live_server, sa)
    page.goto(f"{live_server.url}{reverse('rbac:binding_bulk_grant_stores')}")
    box = page.locator("#id_stores-search")
    for name in ("多店03", "多店17"):
        box.fill(name)
        page.locator("#id_stores-search-list [role=option]", has_text=name).click()
    chips = page.locator(".chooser-chip span")
    assert chips.all_inner_texts() == [str(stores[3]), str(stores[17])]
    page.get_by_role("button", name=f"移除 {stores[3]}").click()  # the chip's own remove button (zh-CN page)
    selected = page.eval_on_selector("#id_stores", "s => [...s.selectedOptions].map(o => o.value)")
    assert selected == [str(stores[17].pk)]
