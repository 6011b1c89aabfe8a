"""On a phone inside WeCom (390 × 844, WeCom's user agent): a store owner signs in, opens 我的职责, opens today's
checklist and ticks items (recorded with who and when); 我的职责, the checklist, the after-sales queue and the
approvals fit the screen (no sideways scrolling) with tap targets of at least 44 px, and the navigation folds behind
a menu button. Screenshots go to /tmp/shots/."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.testing import totp_code
from orders.models import AfterSalesCase
from sop.checklists import checklist_create, templates_ensure
from sop.models import ChecklistItem
from tests.factories import TEST_PASSWORD, StaffFactory, StoreFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
WECOM_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh ColorScheme/Light"
)
SHOTS = Path("/tmp/shots")


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, user_agent=WECOM_UA, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def fits(page) -> int:
    """The page's width in CSS pixels: more than 390 means something is cut off or scrolls sideways."""
    return page.evaluate("document.documentElement.scrollWidth")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, person, device) -> None:
    page.goto(f"{base}{reverse('accounts:login')}")
    page.fill("#id_username", person.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/2fa/**")
    page.fill("input[name=code]", totp_code(device))
    page.click("form button.primary")
    page.wait_for_load_state()


def _pending_request(store):
    """An access request on the store waiting for a decision (the approvals page has a row to show)."""
    from rbac import services as rbac
    from rbac.models import Role

    root = StaffFactory(name="总管理员")
    rbac.binding_bootstrap(staff=root, role=Role.objects.get(key="super_admin"), reason="bootstrap")
    applicant = StaffFactory(name="新同事-客服售后-泰国站")
    rbac.access_request_create(
        actor=root,
        staff=applicant,
        store=store,
        role=Role.objects.get(key="customer_service"),
        reason="大促期间协助处理泰国站的退货退款",
    )


def test_a_store_owner_ticks_todays_checklist_from_my_duties_on_a_phone(live_server, phone):
    templates_ensure()
    owner = StaffFactory(username="lina", name="李娜")
    device = TOTPDevice.objects.create(user=owner, name="phone", confirmed=True)
    store = StoreFactory(name="泰国旗舰店-Shopee-TH-官方店铺", site="TH", timezone="Asia/Bangkok", primary_owner=owner)
    checklist = checklist_create(
        kind="daily",
        title=f"日常店铺检查 · {store.name}",
        store=store,
        assignee=owner,
        for_date=timezone.localdate(timezone.now(), store.tzinfo),
        due_at=timezone.now() + timedelta(hours=6),
    )
    for i in range(3):
        AfterSalesCase.objects.create(
            store=store,
            case_id=f"RS2412050000{i}LONGREFUNDIDENTIFIER",
            order_ref=f"2412050ABCDEFGHIJ{i}",
            kind="return_refund",
            status="requested",
            platform_status="REQUESTED",
            reason="商品与描述不符，买家要求退货退款并提供了照片",
            due_at=timezone.now() + timedelta(hours=5),
            synced_at=timezone.now(),
        )
    _pending_request(store)
    base = live_server.url

    sign_in(phone, base, owner, device)

    # 我的职责: today's checklist, a tap away; the navigation folded behind the menu button.
    phone.goto(f"{base}{reverse('rbac:my_duties')}")
    assert fits(phone) <= PHONE["width"]
    assert not phone.locator(".mainnav").is_visible()
    phone.click(".navtoggle-label")
    assert phone.locator(".mainnav").is_visible()
    nav_link = phone.locator(".mainnav a").first.bounding_box()
    assert nav_link["height"] >= 44
    assert fits(phone) <= PHONE["width"]
    phone.click(".navtoggle-label")
    link = phone.locator("[data-testid=my-checklist]")
    assert link.count() == 1 and link.bounding_box()["height"] >= 44
    shot(phone, "sop_mobile_my_duties")
    link.click()
    phone.wait_for_url(f"**{checklist.get_absolute_url()}")

    # Today's checklist: every tick button at least 44 px tall, nothing wider than the screen.
    assert fits(phone) <= PHONE["width"]
    buttons = phone.locator("[data-testid=tick]")
    assert buttons.count() == 8
    assert all(buttons.nth(i).bounding_box()["height"] >= 44 for i in range(buttons.count()))
    assert all(buttons.nth(i).bounding_box()["width"] <= PHONE["width"] for i in range(buttons.count()))

    before = timezone.now()
    low = checklist.items.get(title="缺货预警")
    phone.locator(f"#item-{low.pk} [data-testid=tick]").click()
    phone.wait_for_selector(f"#item-{low.pk} [data-testid=done]")
    low.refresh_from_db()
    assert low.done_by == owner and low.done_at >= before
    assert "李娜" in phone.locator(f"#item-{low.pk} [data-testid=done]").inner_text()

    # An item that needs evidence says so in Chinese, then takes the note.
    stock = checklist.items.get(title="库存对账")
    phone.locator(f"#item-{stock.pk} [data-testid=tick]").click()
    phone.wait_for_selector(f"#item-{stock.pk} .errorlist")
    assert "需要填写证据或备注" in phone.locator(f"#item-{stock.pk} .errorlist").inner_text()
    assert ChecklistItem.objects.get(pk=stock.pk).done_at is None
    phone.fill(f"#item-{stock.pk} textarea", "系统与平台库存一致")
    phone.locator(f"#item-{stock.pk} [data-testid=tick]").click()
    phone.wait_for_selector(f"#item-{stock.pk} [data-testid=done]")
    stock.refresh_from_db()
    assert stock.done_by == owner and stock.evidence == "系统与平台库存一致"
    assert phone.locator("[data-testid=progress]").inner_text() == "2/8"
    assert fits(phone) <= PHONE["width"]
    phone.locator(f"#item-{low.pk}").scroll_into_view_if_needed()
    shot(phone, "sop_mobile_checklist")

    # The after-sales queue, the approvals and the store's checklist history fit the screen too.
    for name, url, rows in (
        ("cases", reverse("orders:case_list"), "#case-table tbody tr"),
        ("approvals", reverse("rbac:access_request_list"), "table.cards tbody tr"),
        ("history", reverse("sop:checklist_list") + f"?store={store.pk}", "#checklist-table tbody tr"),
    ):
        phone.goto(f"{base}{url}")
        assert phone.locator("h1").is_visible()
        assert phone.locator(rows).count() >= 1, name
        assert fits(phone) <= PHONE["width"], name
        for button in phone.locator("main .btn:visible").all():
            assert button.bounding_box()["height"] >= 44, (name, button.inner_text())
        shot(phone, f"sop_mobile_{name}")
