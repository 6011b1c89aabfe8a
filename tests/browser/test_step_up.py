"""Step-up in a browser: an admin whose second factor is no longer fresh issues an API token; the page asks for
the code, then carries on with what was typed."""

from importlib import import_module

import pytest
from django.conf import settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import stepup
from core.testing import totp_code
from staff.models import ApiToken
from tests.factories import TEST_PASSWORD, SuperuserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def age_second_factor(page) -> None:
    """Make the browser's session's second factor a day old (as if it signed in yesterday)."""
    key = next(c["value"] for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    session[stepup.SESSION_KEY] = session[stepup.SESSION_KEY] - 24 * 3600
    session.save()


def test_a_stale_second_factor_is_asked_for_and_the_typed_form_carries_on(live_server, page):
    admin = SuperuserFactory(username="boss", name="王老板")
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/2fa/verify/**")
    page.fill("input[name=code]", totp_code(device))
    page.click("form button.primary")
    page.wait_for_url(f"**{reverse('core:home')}")
    age_second_factor(page)

    page.goto(f"{live_server.url}{reverse('accounts:token_issue')}")
    page.fill("#id_name", "备份脚本")
    page.fill("#id_days", "30")
    page.check("#id_read_only")
    page.click("form button.primary")

    page.wait_for_selector("#step-up")  # asked for the code; nothing issued yet
    assert not ApiToken.objects.exists()
    page.fill("#id_step_up_code", totp_code(device, steps_ahead=1))  # the sign-in's code cannot be used twice
    page.click("#step-up button.primary")

    secret = page.locator("code.secret").inner_text()
    token = ApiToken.objects.get(user=admin)
    assert secret.startswith(token.prefix)
    assert (token.name, token.read_only) == ("备份脚本", True)
