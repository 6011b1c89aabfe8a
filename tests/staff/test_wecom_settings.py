"""The company's WeCom settings page (super admins): secrets stored encrypted, masked, never shown back nor
written to the audit log; replacing a secret needs a fresh second factor."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from core.testing import stale_second_factor, verified_login
from staff.models import WeComSettings
from tests.factories import StaffFactory, SuperuserFactory

pytestmark = pytest.mark.django_db
URL = "/staff/wecom/"
APP = "app-secret-0123456789abcdefWXYZ"
CONTACTS = "contacts-secret-0123456789abcdKLMN"


def form(**changes) -> dict:
    data = {"corp_id": "ww0001", "agent_id": "1000002", "app_secret": APP, "contacts_secret": CONTACTS}
    return {**data, "sign_in_enabled": "on", "sync_members": "on", **changes}


def test_a_super_admin_saves_the_settings_and_the_secrets_are_never_shown_back(client):
    admin = SuperuserFactory()
    verified_login(client, admin)
    response = client.post(URL, form())
    assert response.status_code == 302
    config = WeComSettings.current()
    assert (config.corp_id, config.agent_id, config.app_secret, config.contacts_secret) == (
        "ww0001",
        1000002,
        APP,
        CONTACTS,
    )
    assert config.sign_in_enabled and config.sync_members and config.configured
    page = client.get(URL).content.decode()
    assert APP not in page and CONTACTS not in page
    assert "WXYZ" in page and "KLMN" in page  # the masked tail helps tell secrets apart
    event = AuditEvent.objects.get(action="wecom.settings_update")
    assert APP not in str(event.before) + str(event.after) and CONTACTS not in str(event.before) + str(event.after)


def test_an_empty_secret_keeps_the_saved_one_and_needs_no_step_up(client):
    WeComSettings.objects.create(pk=1, corp_id="ww0001", agent_id=1000002, app_secret=APP, contacts_secret=CONTACTS)
    admin = SuperuserFactory()
    verified_login(client, admin)
    stale_second_factor(client)
    response = client.post(URL, form(app_secret="", contacts_secret="", corp_id="ww0002"))
    assert response.status_code == 302 and response["Location"] == URL
    config = WeComSettings.current()
    assert config.corp_id == "ww0002" and config.app_secret == APP and config.contacts_secret == CONTACTS


def test_replacing_a_secret_asks_for_a_fresh_second_factor(client):
    admin = SuperuserFactory()
    verified_login(client, admin)
    stale_second_factor(client)
    response = client.post(URL, form())
    assert response.status_code == 200 and response.templates[0].name == "accounts/step_up.html"
    assert not WeComSettings.objects.filter(app_secret=APP).exists()


def test_switching_sign_in_on_without_an_app_secret_is_refused_in_words(client):
    admin = SuperuserFactory()
    verified_login(client, admin)
    response = client.post(URL, form(app_secret="", contacts_secret="", sync_members=""))
    assert response.status_code == 200
    assert "企业微信登录需要应用 Secret" in response.content.decode()
    assert not WeComSettings.objects.exists()


def test_only_super_admins_open_the_page(client):
    verified_login(client, StaffFactory())
    assert client.get(URL).status_code == 403
