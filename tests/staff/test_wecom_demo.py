"""The demo offers signing in by scanning with WeCom: seed_demo points the WeCom settings at the demo corp of the
simulator (config/demo_world.json "wecom", installed by sandbox.demo_world), whose members are the demo staff."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from sandbox.demo_world import WECOM_CORP, _wecom_corp
from staff.demo import STAFF
from staff.models import Staff, WeComSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path, monkeypatch, simulator):
    monkeypatch.delenv("SHOPCREW_ADMIN_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path
    settings.WECOM_BASE_URL = simulator.wecom_url  # as bin/run does in demo mode
    settings.WECOM_LOGIN_URL = settings.WECOM_OAUTH_URL = None
    simulator.control.wecom_corp(_wecom_corp(WECOM_CORP))  # as sandbox.demo_world.install does in demo mode
    call_command("seed_demo", stdout=io.StringIO())
    return simulator


def test_the_demo_members_are_the_demo_staff():
    assert {m["userid"] for m in WECOM_CORP["members"]} == {row[6] for row in STAFF if row[6]}


def test_seed_demo_switches_wecom_sign_in_on_and_a_demo_colleague_scans_in(client, demo):
    config = WeComSettings.current()
    assert config.configured and config.sign_in_enabled and config.sync_members
    assert AuditEvent.objects.filter(action="wecom.settings_update").count() == 1
    assert 'id="wecom-sign-in"' in client.get("/accounts/login/").content.decode()
    start = client.get("/accounts/wecom/")
    assert start["Location"].startswith(f"{demo.wecom_url}/_login/wwlogin/sso/login?")
    with httpx.Client() as browser:
        back = browser.get(httpx.URL(start["Location"]).copy_merge_params({"scan": "WangFang"}))
    query = parse_qs(urlsplit(back.headers["location"]).query)
    response = client.get("/accounts/wecom/callback/", query)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(Staff.objects.get(username="wangfang").pk)


def test_a_second_seed_keeps_the_saved_settings(demo):
    call_command("seed_demo", stdout=io.StringIO())
    assert AuditEvent.objects.filter(action="wecom.settings_update").count() == 1
