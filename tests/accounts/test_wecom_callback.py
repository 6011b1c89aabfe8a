"""The WeCom sign-in callback when WeCom refuses the exchange: a code already used (40029) or a redirect_uri outside
the app's trusted domain (50001) is refused in Chinese with what to do, audited as a failed sign-in, nobody signed in."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from audit.models import AuditEvent
from staff.wecom_client import WeComClient
from tests.factories import StaffFactory
from tests.staff.wecom_fixtures import AGENT_ID, APP_SECRET, wecom  # noqa: F401

pytestmark = pytest.mark.django_db
CALLBACK = "http://testserver/accounts/wecom/callback/"


def started(client) -> str:
    """The state the console gave this browser when it sent it to WeCom."""
    start = client.get("/accounts/wecom/")
    return parse_qs(urlsplit(start["Location"]).query)["state"][0]


def test_a_code_already_used_is_refused_in_words(client, wecom):  # noqa: F811
    StaffFactory(wecom_userid="zhangwei")
    state = started(client)
    issued = wecom.control.wecom_scan(wecom.corpid, userid="zhangwei", redirect_uri=CALLBACK, state=state)
    with WeComClient(wecom.corpid, APP_SECRET) as app:
        app.user_for_code(issued["code"])  # someone else exchanged it first
    response = client.get("/accounts/wecom/callback/", {"code": issued["code"], "state": state})
    assert response.status_code == 403 and "已过期或已使用" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_failed", reason="WeCom 40029").exists()


def test_a_redirect_uri_outside_the_trusted_domain_is_refused_in_words(client, wecom):  # noqa: F811
    StaffFactory(wecom_userid="zhangwei")
    wecom.control.wecom_corp(
        {
            "corpid": wecom.corpid,
            "secrets": {APP_SECRET: {"kind": "app", "agentid": AGENT_ID}},
            "members": [{"userid": "zhangwei", "name": "张伟", "mobile": "13700000001"}],
            "trusted_domains": ["console.example"],  # not this site
        }
    )
    state = started(client)
    issued = wecom.control.wecom_scan(wecom.corpid, userid="zhangwei", redirect_uri=CALLBACK, state=state)
    response = client.get("/accounts/wecom/callback/", {"code": issued["code"], "state": state})
    text = response.content.decode()
    assert response.status_code == 403 and "可信域名" in text and "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_failed", reason="WeCom 50001").exists()


def test_sign_in_switched_off_while_the_browser_was_at_wecom_is_refused(client, wecom):  # noqa: F811
    from staff.models import WeComSettings

    StaffFactory(wecom_userid="zhangwei")
    state = started(client)
    issued = wecom.control.wecom_scan(wecom.corpid, userid="zhangwei", redirect_uri=CALLBACK, state=state)
    WeComSettings.objects.filter(pk=1).update(sign_in_enabled=False)
    response = client.get("/accounts/wecom/callback/", {"code": issued["code"], "state": state})
    assert response.status_code == 403 and "未开启企业微信登录" in response.content.decode()
    assert "_auth_user_id" not in client.session
