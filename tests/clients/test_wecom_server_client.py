"""staff.wecom_client against the WeCom server API simulator over real HTTP: one token per (corp, secret), cached
and fetched again once when WeCom says it died (40014) or expired (42001); every failure a WeComError whose text
holds neither a secret nor a token; the calls the console makes (directory reads, list_id's cursor, member writes,
the sign-in exchange, app messages)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from staff.wecom_client import NETWORK, WeComClient, WeComError, login_url, oauth_url
from tests.staff.wecom_fixtures import AGENT_ID, APP_SECRET, CONTACTS_SECRET, wecom  # noqa: F401

pytestmark = pytest.mark.django_db
CALLBACK = "http://console.example/accounts/wecom/callback/"


def gettokens(wecom, since: int) -> int:  # noqa: F811
    calls = wecom.control.requests(service="wecom_server", since_id=since)
    return sum(1 for c in calls if c["path"] == "/cgi-bin/gettoken")


def last_id(wecom) -> int:  # noqa: F811
    calls = wecom.control.requests(service="wecom_server")
    return calls[-1]["id"] if calls else 0


def test_the_token_is_cached_per_secret(wecom):  # noqa: F811
    since = last_id(wecom)
    with WeComClient(wecom.corpid, APP_SECRET) as app, WeComClient(wecom.corpid, CONTACTS_SECRET) as contacts:
        app.departments()
        app.member("zhangwei")
        contacts.member_ids()
        contacts.member_ids()
    assert gettokens(wecom, since) == 2  # one per secret


@pytest.mark.parametrize("how", ["invalidated", "expired"])
def test_a_dead_token_is_fetched_again_once(wecom, how):  # noqa: F811
    with WeComClient(wecom.corpid, APP_SECRET) as app:
        app.departments()
        since = last_id(wecom)
        if how == "invalidated":
            wecom.control.wecom_expire_tokens(wecom.corpid)  # 40014 on the next call
        else:
            wecom.control.advance(7201)  # 42001
        assert app.member("ZhangWei")["userid"] == "zhangwei"
    assert gettokens(wecom, since) == 1


def test_errors_carry_the_errcode_and_never_a_secret_or_token(wecom):  # noqa: F811
    with WeComClient(wecom.corpid, APP_SECRET) as app:
        token = app.token()
        with pytest.raises(WeComError) as caught:
            app.create_member({"userid": "x", "name": "x", "mobile": "13900000001"})
    assert caught.value.errcode == 48002 and caught.value.errmsg == "api forbidden"
    assert APP_SECRET not in str(caught.value) and token not in str(caught.value) and "hint" not in str(caught.value)
    with WeComClient(wecom.corpid, "wrong-" + APP_SECRET) as bad, pytest.raises(WeComError) as caught:
        bad.departments()
    assert caught.value.errcode == 40001 and APP_SECRET not in str(caught.value)


def test_a_network_failure_is_a_wecom_error_too(wecom):  # noqa: F811
    with WeComClient(wecom.corpid, APP_SECRET, base="http://127.0.0.1:9") as app, pytest.raises(WeComError) as caught:
        app.departments()
    assert caught.value.errcode == NETWORK and APP_SECRET not in str(caught.value)


def test_directory_reads_and_member_writes(wecom):  # noqa: F811
    with WeComClient(wecom.corpid, APP_SECRET) as app, WeComClient(wecom.corpid, CONTACTS_SECRET) as contacts:
        assert {d["name"] for d in app.departments()} >= {"客服部", "仓储部"}
        assert {m["userid"] for m in app.members(1)} == {"zhangwei", "lifang", "creator"}
        assert {(r["userid"], r["department"]) for r in contacts.member_ids()} >= {("zhangwei", 2), ("creator", 1)}
        assert contacts.create_member({"userid": "wangfang", "name": "王芳", "mobile": "13900000003"})["errmsg"] == (
            "created"
        )
        with pytest.raises(WeComError) as caught:
            contacts.create_member({"userid": "WANGFANG", "name": "王芳", "mobile": "13900000004"})
        assert caught.value.errcode == 60102
        assert contacts.update_member("wangfang", enable=0)["errmsg"] == "updated"
        assert app.member("wangfang")["status"] == 2


def test_the_sign_in_links_and_the_exchange(wecom):  # noqa: F811
    link = login_url(corp_id=wecom.corpid, agent_id=AGENT_ID, redirect_uri=CALLBACK, state="abc")
    query = parse_qs(urlsplit(link).query)
    assert query["login_type"] == ["CorpApp"] and query["appid"] == [wecom.corpid] and query["state"] == ["abc"]
    inside = oauth_url(corp_id=wecom.corpid, agent_id=AGENT_ID, redirect_uri=CALLBACK, state="abc")
    assert inside.endswith("#wechat_redirect") and "scope=snsapi_base" in inside
    with httpx.Client() as browser:
        back = browser.get(httpx.URL(link).copy_merge_params({"scan": "lifang"}))
    code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
    with WeComClient(wecom.corpid, APP_SECRET) as app:
        assert app.user_for_code(code)["userid"] == "lifang"
        with pytest.raises(WeComError) as caught:
            app.user_for_code(code)
        assert caught.value.errcode == 40029


def test_sign_in_pages_follow_the_simulator_when_no_page_url_is_set(settings, wecom):  # noqa: F811
    settings.WECOM_LOGIN_URL = settings.WECOM_OAUTH_URL = None
    link = login_url(corp_id="c", agent_id=1, redirect_uri=CALLBACK, state="s")
    assert link.startswith(f"{wecom.wecom_url}/_login/wwlogin/sso/login?")
    settings.WECOM_BASE_URL = "https://qyapi.weixin.qq.com"
    assert login_url(corp_id="c", agent_id=1, redirect_uri=CALLBACK, state="s").startswith(
        "https://login.work.weixin.qq.com/wwlogin/sso/login?"
    )


def test_an_app_message(wecom):  # noqa: F811
    with WeComClient(wecom.corpid, APP_SECRET) as app:
        sent = app.send_text(agent_id=AGENT_ID, to=["zhangwei", "Ghost"], content="今日检查未完成")
        assert sent["invaliduser"] == "ghost" and isinstance(sent["msgid"], str)
        with pytest.raises(WeComError) as caught:
            app.send_text(agent_id=AGENT_ID, to=["ghost"], content="x")
        assert caught.value.errcode == 81013
