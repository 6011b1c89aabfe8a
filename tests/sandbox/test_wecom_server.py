"""The WeCom server API simulator against its contract (platform-apis.md 3b and section 5), over real HTTP, as
a client written against the real WeCom would call it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.staff.wecom_fixtures import AGENT_ID, APP_SECRET, CONTACTS_SECRET, wecom  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(wecom):  # noqa: F811
    with httpx.Client(base_url=f"{wecom.wecom_url}/cgi-bin/") as client:
        client.corpid = wecom.corpid
        yield client


def token(api, secret=APP_SECRET):
    body = api.get("gettoken", params={"corpid": api.corpid, "corpsecret": secret}).json()
    assert body["errcode"] == 0 and body["errmsg"] == "ok" and 7000 < body["expires_in"] <= 7200
    return body["access_token"]


def call(api, method, path, secret=APP_SECRET, **kwargs):
    params = {**kwargs.pop("params", {}), "access_token": token(api, secret)}
    response = api.request(method, path, params=params, **kwargs)
    assert response.status_code == 200
    return response.json()


def test_gettoken_checks_secret_then_corp_then_credential_and_reuses_the_token(api):
    assert api.get("gettoken", params={"corpid": "nope"}).json()["errcode"] == 41004
    assert api.get("gettoken", params={"corpid": "nope", "corpsecret": "x"}).json()["errcode"] == 40013
    bad = api.get("gettoken", params={"corpid": api.corpid, "corpsecret": "wrong"}).json()
    assert bad["errcode"] == 40001 and bad["errmsg"].startswith("invalid credential, hint: [")
    assert token(api) == token(api)  # the same token until it expires


def test_the_token_only_in_the_query_and_expiry_and_unknown_paths(api, wecom):  # noqa: F811
    assert api.get("user/get", params={"userid": "zhangwei"}).json()["errcode"] == 41001
    assert api.get("user/get", headers={"access_token": token(api)}).json()["errcode"] == 41001
    invalid = api.get("user/get", params={"access_token": "forged", "userid": "zhangwei"}).json()
    assert invalid["errcode"] == 40014 and invalid["department"] == [] and invalid["order"] == []
    current = token(api)
    wecom.control.advance(7201)
    assert api.get("user/get", params={"access_token": current, "userid": "x"}).json()["errcode"] == 42001
    assert api.get("no/such/path", params={"access_token": current}).status_code == 404


def test_a_member_is_answered_complete_and_new_members_are_not_yet_activated(api):
    member = call(api, "GET", "user/get", params={"userid": "ZhangWei"})  # userids are case-insensitive
    assert member["errcode"] == 0 and member["userid"] == "zhangwei" and member["status"] == 1
    for name in ("name", "department", "order", "position", "mobile", "gender", "email", "main_department", "alias"):
        assert name in member
    created = call(
        api,
        "POST",
        "user/create",
        CONTACTS_SECRET,
        json={"userid": "wangfang", "name": "王芳", "mobile": "13900000003"},
    )
    assert created["errcode"] == 0 and created["errmsg"] == "created"
    assert call(api, "GET", "user/get", params={"userid": "wangfang"})["status"] == 4
    assert call(api, "POST", "user/update", CONTACTS_SECRET, json={"userid": "wangfang", "enable": 0})["errmsg"] == (
        "updated"
    )
    assert call(api, "GET", "user/get", params={"userid": "wangfang"})["status"] == 2


@pytest.mark.parametrize(
    "member, errcode",
    [
        ({"userid": "ZHANGWEI", "name": "重复", "mobile": "13900000009"}, 60102),
        ({"userid": "newone", "name": "号码重复", "mobile": "13700000001"}, 60104),
        ({"userid": "newone", "name": "无联系方式"}, 60129),
        ({"userid": "newone", "name": "", "mobile": "13900000009"}, 60112),
        ({"userid": "newone", "name": "部门错", "mobile": "13900000009", "department": [99]}, 60123),
        ({"userid": "-bad", "name": "坏id", "mobile": "13900000009"}, 40003),
    ],
)
def test_member_writes_are_checked(api, member, errcode):
    body = call(api, "POST", "user/create", CONTACTS_SECRET, json=member)
    assert body["errcode"] == errcode
    if errcode == 60104:
        assert "mobile existed:zhangwei" in body["errmsg"]


def test_only_the_contacts_sync_secret_writes_and_app_reads_stay_in_range(api, wecom):  # noqa: F811
    assert call(api, "POST", "user/create", json={"userid": "x1", "name": "x", "mobile": "13900000010"})["errcode"] == (
        48002
    )
    assert call(api, "GET", "user/delete", CONTACTS_SECRET, params={"userid": "creator"})["errcode"] == 301005
    assert call(api, "GET", "user/get", params={"userid": "ghost"})["errcode"] == 60111
    wecom.control.wecom_corp(
        {
            "corpid": "wwnarrow",
            "secrets": {"narrow": {"kind": "app", "agentid": 7, "visible": [3]}},
            "departments": [{"id": 2, "name": "客服部"}, {"id": 3, "name": "仓储部"}],
            "members": [{"userid": "a", "name": "甲", "department": [2], "mobile": "13000000001"}],
        }
    )
    api.corpid = "wwnarrow"
    assert call(api, "GET", "user/get", "narrow", params={"userid": "a"})["errcode"] == 60011


def test_list_id_pages_with_a_cursor_and_departments_list(api):
    first = call(api, "POST", "user/list_id", CONTACTS_SECRET, json={"cursor": "", "limit": 2})
    assert len(first["dept_user"]) == 2 and first["next_cursor"]
    rest = call(api, "POST", "user/list_id", CONTACTS_SECRET, json={"cursor": first["next_cursor"], "limit": 2})
    assert rest["next_cursor"] == "" and len(first["dept_user"] + rest["dept_user"]) == 3
    assert call(api, "POST", "user/list_id", CONTACTS_SECRET, json={"limit": 0})["errcode"] != 0
    departments = call(api, "GET", "department/list")["department"]
    assert {d["name"] for d in departments} >= {"客服部", "仓储部"}
    assert set(departments[0]) == {"id", "name", "name_en", "department_leader", "parentid", "order"}


def test_trusted_ips(api, wecom):  # noqa: F811
    wecom.control.wecom_corp(
        {"corpid": "wwips", "secrets": {"s": {"kind": "app", "agentid": 9, "trusted_ips": ["203.0.113.9"]}}}
    )
    api.corpid = "wwips"
    body = call(api, "GET", "department/list", "s")
    assert body["errcode"] == 60020 and body["errmsg"].startswith("not allow to access from your ip")


def scan(client, url, userid):
    """Choose a member on the simulated QR page; returns the (code, state) WeCom sends back."""
    page = client.get(url)
    assert page.status_code == 200 and "企业微信" in page.text
    response = client.get(httpx.URL(url).copy_merge_params({"scan": userid}))
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return query["code"][0], query["state"][0]


def test_sign_in_codes_are_single_use_and_say_who_scanned(api, wecom):  # noqa: F811
    login = f"{wecom.wecom_url}/_login/wwlogin/sso/login"
    params = {"login_type": "CorpApp", "appid": api.corpid, "agentid": AGENT_ID, "state": "abc123"}
    params["redirect_uri"] = "http://console.example/accounts/wecom/callback/"
    with httpx.Client() as browser:
        code, state = scan(browser, httpx.URL(login, params=params), "zhangwei")
        assert state == "abc123"
        assert call(api, "GET", "auth/getuserinfo", params={"code": code}) == {
            "errcode": 0,
            "errmsg": "ok",
            "userid": "zhangwei",
        }
        assert call(api, "GET", "auth/getuserinfo", params={"code": code})["errcode"] == 40029
        code, _state = scan(browser, httpx.URL(login, params=params), "__outsider__")
        outsider = call(api, "GET", "auth/getuserinfo", params={"code": code})
        assert "openid" in outsider and "userid" not in outsider
        code, _state = scan(browser, httpx.URL(login, params=params), "lifang")
        old = call(api, "GET", "user/getuserinfo", params={"code": code})
        assert old["UserId"] == "lifang"


def test_message_send_reports_invalid_users_lower_cased(api):
    body = {"touser": "zhangwei|GHOST", "msgtype": "text", "agentid": AGENT_ID, "text": {"content": "你好"}}
    sent = call(api, "POST", "message/send", json=body)
    assert sent["errcode"] == 0 and sent["invaliduser"] == "ghost" and isinstance(sent["msgid"], str)
    body["touser"] = "ghost"
    assert call(api, "POST", "message/send", json=body)["errcode"] == 81013
    body["agentid"] = 1
    assert call(api, "POST", "message/send", json=body)["errcode"] == 301002
