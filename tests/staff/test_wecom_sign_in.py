"""Signing in by scanning with WeCom (issue 11, item 1): the WeCom userid replaces the password; people with a
second factor still enter it; unknown members, outsiders, closed accounts and replayed states are refused."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from staff.choices import StaffStatus
from tests.factories import TEST_PASSWORD, StaffFactory

from .wecom_fixtures import wecom  # noqa: F401

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def scan_and_return(client, wecom, userid, *, next_url="", user_agent=""):  # noqa: F811
    """Start on the sign-in page's WeCom link, choose `userid` on the simulated QR page (real HTTP), and follow
    WeCom's redirect back to the console's callback."""
    extra = {"HTTP_USER_AGENT": user_agent} if user_agent else {}
    start = client.get("/accounts/wecom/", {"next": next_url} if next_url else {}, **extra)
    assert start.status_code == 302
    wecom_page = start["Location"]
    with httpx.Client() as browser:
        response = browser.get(httpx.URL(wecom_page.split("#")[0]).copy_merge_params({"scan": userid}))
    assert response.status_code == 302, response.text
    back = urlsplit(response.headers["location"])
    assert back.path == "/accounts/wecom/callback/"
    return client.get(back.path, parse_qs(back.query)), wecom_page


def test_the_sign_in_page_offers_wecom_and_a_member_is_signed_in(client, wecom):  # noqa: F811
    person = StaffFactory(wecom_userid="ZhangWei")
    assert 'id="wecom-sign-in"' in client.get(LOGIN).content.decode()
    response, wecom_page = scan_and_return(client, wecom, "zhangwei", next_url="/stores/")
    assert "/_login/wwlogin/sso/login?" in wecom_page and "login_type=CorpApp" in wecom_page
    assert response.status_code == 302 and response["Location"] == "/stores/"
    assert client.session["_auth_user_id"] == str(person.pk)
    assert AuditEvent.objects.filter(action="auth.login", actor_id=person.pk).exists()


def test_inside_wecom_the_oauth_link_is_used(client, wecom):  # noqa: F811
    StaffFactory(wecom_userid="lifang")
    response, wecom_page = scan_and_return(
        client, wecom, "lifang", user_agent="Mozilla/5.0 wxwork/4.1.22 MicroMessenger"
    )
    assert "/_oauth/connect/oauth2/authorize?" in wecom_page and "scope=snsapi_base" in wecom_page
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_a_person_with_a_second_factor_still_enters_it(client, wecom):  # noqa: F811
    person = StaffFactory(wecom_userid="zhangwei")
    TOTPDevice.objects.create(user=person, name="phone", confirmed=True)
    response, _page = scan_and_return(client, wecom, "zhangwei")
    assert response["Location"].startswith("/accounts/2fa/verify/")
    assert client.get("/stores/").status_code == 302  # nothing opens before the code


@pytest.mark.parametrize(
    "setup, userid, words",
    [
        ("none", "zhangwei", "没有与企业微信成员 zhangwei 关联的同事"),
        ("none", "__outsider__", "不是本企业的成员"),
        ("offboarded", "zhangwei", "账号已关闭"),
    ],
)
def test_refusals_are_said_in_words_and_audited(client, wecom, setup, userid, words):  # noqa: F811
    if setup == "offboarded":
        StaffFactory(wecom_userid="zhangwei", status=StaffStatus.OFFBOARDED, is_active=False)
    response, _page = scan_and_return(client, wecom, userid)
    assert response.status_code == 403 and words in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_failed", after__via="wecom").exists()


def test_a_state_is_accepted_once_and_only_from_the_browser_that_started(client, wecom):  # noqa: F811
    StaffFactory(wecom_userid="zhangwei")
    start = client.get("/accounts/wecom/")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    assert len(state) == 64 and state.isalnum()
    stranger = client.__class__()
    refused = stranger.get("/accounts/wecom/callback/", {"code": "x", "state": state})
    assert refused.status_code == 403 and "已过期或已使用" in refused.content.decode()
    client.get("/accounts/logout/")
    response, used_page = scan_and_return(client, wecom, "zhangwei")
    assert response.status_code == 302
    used_state = parse_qs(urlsplit(used_page).query)["state"][0]
    client.post("/accounts/logout/")
    replay = client.get("/accounts/wecom/callback/", {"code": "x", "state": used_state})
    assert replay.status_code == 403 and "_auth_user_id" not in client.session


def test_first_sign_in_with_a_password_set_by_an_admin_asks_for_a_new_one(client):
    person = StaffFactory(must_change_password=True)
    response = client.post(LOGIN, {"username": person.username, "password": TEST_PASSWORD})
    assert response["Location"].startswith("/accounts/password/expired/")
    page = client.get(response["Location"]).content.decode()
    assert "管理员为你设置了密码" in page
    new = "Brand-new-pass-2026!"
    done = client.post(response["Location"], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    person.refresh_from_db()
    assert not person.must_change_password and person.check_password(new)


def test_a_wecom_sign_in_with_an_admin_set_password_asks_for_a_new_one_first(client, wecom):  # noqa: F811
    person = StaffFactory(wecom_userid="zhangwei", must_change_password=True)
    response, _page = scan_and_return(client, wecom, "zhangwei", next_url="/stores/")
    assert response["Location"].startswith("/accounts/password/expired/")
    assert "_auth_user_id" not in client.session  # nothing opens before the new password
    new = "Brand-new-pass-2026!"
    done = client.post(response["Location"], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302 and client.session["_auth_user_id"] == str(person.pk)
    person.refresh_from_db()
    assert not person.must_change_password


def test_a_locked_account_is_refused_by_wecom_too(client, wecom):  # noqa: F811
    from core import lockout

    person = StaffFactory(wecom_userid="zhangwei")
    for _ in range(lockout.pair_limit()):
        client.post(LOGIN, {"username": person.username, "password": "wrong"})
    response, _page = scan_and_return(client, wecom, "zhangwei")
    assert response.status_code == 403 and "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_disabled_wecom_member_cannot_even_be_scanned_in(client, wecom):  # noqa: F811
    """WeCom itself refuses a disabled member at the scan: the browser is never sent back with a code."""
    StaffFactory(wecom_userid="zhangwei")
    wecom.control.wecom_member(wecom.corpid, "zhangwei", status=2)
    start = client.get("/accounts/wecom/")
    with httpx.Client() as browser:
        page = browser.get(httpx.URL(start["Location"]).copy_merge_params({"scan": "zhangwei"}))
    assert page.status_code == 400 and "已被禁用" in page.text and "location" not in page.headers
