"""Signing in by scanning with WeCom, in a browser at 390 × 844 (issue 11, item 1): the sign-in page's
企业微信扫码登录 link leads to the simulated WeCom QR page (sandbox/wecom_server.py, real HTTP), where the
"scan" is choosing the member; WeCom sends the browser back with a code, the console exchanges it and the
colleague lands signed in, through the code prompt when they have an authenticator, and ticks today's checklist
from 我的职责 on the same phone. Inside WeCom's browser the
in-app OAuth link is used. A colleague whose account was closed is refused in words. Screenshots: /tmp/shots/."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from core.testing import totp_code
from sop.checklists import checklist_create, templates_ensure
from staff.choices import StaffStatus
from tests.factories import StaffFactory, StoreFactory
from tests.staff.wecom_fixtures import wecom  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
WECOM_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh ColorScheme/Light"
)
SHOTS = Path("/tmp/shots")


def phone_page(chromium, *, user_agent: str | None = None):
    options = {"locale": "zh-CN", "viewport": PHONE, "is_mobile": True, "has_touch": True}
    context = chromium.new_context(**options, **({"user_agent": user_agent} if user_agent else {}))
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def scan(page, base: str, userid: str) -> None:
    """From the sign-in page: the WeCom link, then the simulated scan of `userid` on WeCom's page."""
    page.goto(f"{base}/accounts/login/")
    link = page.locator("#wecom-sign-in")
    assert link.is_visible() and fits(page)
    link.click()
    page.wait_for_selector(f"a.member[data-userid='{userid}']")
    assert fits(page)
    page.click(f"a.member[data-userid='{userid}']")
    page.wait_for_load_state()


def test_a_colleague_signs_in_by_scanning_with_wecom_and_ticks_todays_checklist(live_server, chromium, wecom):  # noqa: F811
    person = StaffFactory(name="张伟", wecom_userid="ZhangWei")
    device = TOTPDevice.objects.create(user=person, name="phone", confirmed=True)
    templates_ensure()
    store = StoreFactory(name="泰国店", site="TH", timezone="Asia/Bangkok", primary_owner=person)
    checklist = checklist_create(
        kind="daily",
        title=f"日常店铺检查 · {store.name}",
        store=store,
        assignee=person,
        for_date=timezone.localdate(timezone.now(), store.tzinfo),
        due_at=timezone.now() + timedelta(hours=6),
    )
    context, page = phone_page(chromium)
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        assert page.locator("#wecom-sign-in").inner_text().strip() == "企业微信扫码登录"
        scan(page, live_server.url, "zhangwei")
        assert "/accounts/2fa/verify/" in page.url  # the WeCom userid was the first factor; the code still asked
        page.fill("input[name=code]", totp_code(device))
        page.click("form button.primary")
        page.wait_for_load_state()
        assert "/accounts/" not in page.url and fits(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "wecom-signed-in.png"), full_page=True)
        assert AuditEvent.objects.filter(action="auth.login", actor_id=person.pk).exists()

        # 我的职责 → today's checklist → tick an item, on the same phone
        page.goto(f"{live_server.url}{reverse('rbac:my_duties')}")
        assert fits(page)
        page.locator("[data-testid=my-checklist]").click()
        page.wait_for_url(f"**{checklist.get_absolute_url()}")
        assert fits(page)
        item = checklist.items.get(title="缺货预警")
        page.locator(f"#item-{item.pk} [data-testid=tick]").click()
        page.wait_for_selector(f"#item-{item.pk} [data-testid=done]")
        item.refresh_from_db()
        assert item.done_by == person and item.done_at is not None
        page.screenshot(path=str(SHOTS / "wecom-ticked.png"), full_page=True)
    finally:
        context.close()


def test_inside_wecom_the_in_app_link_signs_in(live_server, chromium, wecom):  # noqa: F811
    StaffFactory(name="李芳", wecom_userid="lifang")
    context, page = phone_page(chromium, user_agent=WECOM_UA)
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        assert page.locator("#wecom-sign-in").inner_text().strip() == "用当前企业微信账号登录"
        page.click("#wecom-sign-in")
        page.wait_for_selector("a.member[data-userid='lifang']")
        assert "/_oauth/connect/oauth2/authorize" in page.url
        page.click("a.member[data-userid='lifang']")
        page.wait_for_load_state()
        assert "/accounts/" not in page.url and fits(page)
    finally:
        context.close()


def test_a_colleague_whose_account_was_closed_is_refused(live_server, chromium, wecom):  # noqa: F811
    StaffFactory(name="张伟", wecom_userid="zhangwei", status=StaffStatus.OFFBOARDED, is_active=False)
    context, page = phone_page(chromium)
    try:
        scan(page, live_server.url, "zhangwei")
        refusal = page.locator("#wecom-refused")
        assert "账号已关闭" in refusal.inner_text() and fits(page)
        page.screenshot(path=str(SHOTS / "wecom-refused.png"), full_page=True)
        page.goto(f"{live_server.url}/")
        assert "/accounts/login/" in page.url  # not signed in
        assert AuditEvent.objects.filter(action="auth.login_failed", after__via="wecom").exists()
    finally:
        context.close()
