"""More of the WeCom server API simulator's contract (platform-apis.md 3b, section 5), over real HTTP: the paths and
faults tests/sandbox/test_wecom_server.py does not cover — early token death, token reuse switched off, 48009,
60020 set through the control API (and on the sign-in exchange), 45009, department and member reads, the new
apps' blank sensitive fields, the older QR page and the in-app OAuth page, the redirect_uri domain check (50001),
code expiry, message limits, and the control API's scan."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.staff.wecom_fixtures import AGENT_ID, APP_SECRET, CONTACTS_SECRET, wecom  # noqa: F401

from .test_wecom_server import api, call, scan, token  # noqa: F401

pytestmark = pytest.mark.django_db
CALLBACK = "http://console.example:8000/accounts/wecom/callback/"


def test_tokens_can_die_early_and_reuse_can_be_switched_off(api, wecom):  # noqa: F811
    current = token(api)
    assert wecom.control.wecom_expire_tokens(api.corpid) == {"expired": 1}
    assert api.get("user/get", params={"access_token": current, "userid": "zhangwei"}).json()["errcode"] == 40014
    wecom.control.wecom_corp(
        {"corpid": "wwfresh", "secrets": {"s": {"kind": "app", "agentid": 5}}, "reuse_tokens": False}
    )
    api.corpid = "wwfresh"
    assert token(api, "s") != token(api, "s")


def test_a_disabled_secret_is_refused_at_gettoken(api, wecom):  # noqa: F811
    wecom.control.wecom_secret(api.corpid, APP_SECRET, enabled=False)
    assert api.get("gettoken", params={"corpid": api.corpid, "corpsecret": APP_SECRET}).json()["errcode"] == 40001


def test_trusted_ips_are_set_through_the_control_api_and_apply_to_the_sign_in_exchange(api, wecom):  # noqa: F811
    wecom.control.wecom_secret(api.corpid, APP_SECRET, trusted_ips=["203.0.113.9"])
    issued = wecom.control.wecom_scan(api.corpid, userid="zhangwei", redirect_uri=CALLBACK, state="s1")
    body = call(api, "GET", "auth/getuserinfo", params={"code": issued["code"]})
    assert body["errcode"] == 60020 and "from ip: 127.0.0.1" in body["errmsg"]
    wecom.control.wecom_secret(api.corpid, APP_SECRET, trusted_ips=["127.0.0.1"])
    assert call(api, "GET", "department/list")["errcode"] == 0


def test_contacts_sync_reads_from_a_new_address_get_48009_but_list_id_works(api, wecom):  # noqa: F811
    wecom.control.wecom_secret(api.corpid, CONTACTS_SECRET, check_new_ip=True)
    refused = call(api, "GET", "user/get", CONTACTS_SECRET, params={"userid": "zhangwei"})
    assert refused["errcode"] == 48009 and refused["errmsg"].startswith("api forbidden for contact assistant")
    assert call(api, "POST", "user/list_id", CONTACTS_SECRET, json={"cursor": "", "limit": 10})["errcode"] == 0


def test_the_per_corp_limiter_answers_45009_and_blocks_for_a_minute(api, wecom):  # noqa: F811
    wecom.control.wecom_corp({"corpid": "wwbusy", "secrets": {"s": {"kind": "app", "agentid": 5}}, "per_minute": 3})
    api.corpid = "wwbusy"
    current = token(api, "s")
    answers = [api.get("department/list", params={"access_token": current}).json()["errcode"] for _ in range(4)]
    assert answers == [0, 0, 0, 45009]
    wecom.control.advance(30)
    assert api.get("department/list", params={"access_token": current}).json()["errcode"] == 45009
    wecom.control.advance(31)
    assert api.get("department/list", params={"access_token": current}).json()["errcode"] == 0


def test_member_and_department_reads_answer_complete_objects(api):  # noqa: F811
    simple = call(api, "GET", "user/simplelist", params={"department_id": 2})
    assert {m["userid"] for m in simple["userlist"]} == {"zhangwei", "lifang"}
    assert set(simple["userlist"][0]) == {"userid", "name", "department", "open_userid"}
    everyone = call(api, "GET", "user/list", params={"department_id": 1, "fetch_child": 1})["userlist"]
    assert {m["userid"] for m in everyone} == {"zhangwei", "lifang", "creator"}
    assert all("status" in m and "mobile" in m and "extattr" in m for m in everyone)
    assert call(api, "GET", "user/list", params={"department_id": 1})["userlist"][0]["userid"] == "creator"
    ids = call(api, "GET", "department/simplelist")["department_id"]
    assert {"id": 2, "parentid": 1, "order": 0} in ids
    one = call(api, "GET", "department/get", params={"id": 3})
    assert one["department"]["name"] == "仓储部" and set(one["department"]) >= {"name_en", "department_leader"}
    assert call(api, "GET", "department/get", params={"id": 99})["errcode"] == 60123
    assert call(api, "GET", "user/simplelist", params={"department_id": 99})["userlist"] == []


def test_apps_made_after_2022_get_no_sensitive_fields(api, wecom):  # noqa: F811
    wecom.control.wecom_secret(api.corpid, APP_SECRET, new_app=True)
    member = call(api, "GET", "user/get", params={"userid": "zhangwei"})
    assert member["errcode"] == 0 and member["mobile"] == "" and member["email"] == "" and member["name"] == "张伟"


def test_member_updates_deletes_and_their_faults(api, wecom):  # noqa: F811
    call(api, "POST", "user/create", CONTACTS_SECRET, json={"userid": "u1", "name": "甲", "email": "a@example.com"})
    again = call(
        api, "POST", "user/create", CONTACTS_SECRET, json={"userid": "u2", "name": "乙", "email": "a@example.com"}
    )
    assert again["errcode"] == 60106
    assert call(api, "POST", "user/update", CONTACTS_SECRET, json={"userid": "ghost", "name": "x"})["errcode"] == 60111
    assert (
        call(api, "POST", "user/update", CONTACTS_SECRET, json={"userid": "u1", "position": "客服"})["errmsg"]
        == "updated"
    )
    assert call(api, "GET", "user/get", params={"userid": "u1"})["position"] == "客服"  # a partial update
    wecom.control.wecom_member(api.corpid, "zhangwei", status=1)
    kept = call(api, "POST", "user/update", CONTACTS_SECRET, json={"userid": "zhangwei", "mobile": "13999999999"})
    assert (
        kept["errcode"] == 0 and call(api, "GET", "user/get", params={"userid": "zhangwei"})["mobile"] == "13700000001"
    )
    assert call(api, "GET", "user/delete", CONTACTS_SECRET, params={"userid": "u1"})["errmsg"] == "deleted"
    assert call(api, "GET", "user/get", params={"userid": "u1"})["errcode"] == 60111
    assert call(api, "GET", "user/delete", params={"userid": "lifang"})["errcode"] == 48002
    typed = call(
        api,
        "POST",
        "user/create",
        CONTACTS_SECRET,
        json={"userid": "u3", "name": "丙", "mobile": "13900000031", "department": ["2"]},
    )
    assert typed["errcode"] == 40066
    members = {m["userid"]: m for m in wecom.control.wecom_corp_get(api.corpid)["members"]}
    assert "u1" not in members and members["zhangwei"]["status"] == 1


@pytest.mark.parametrize("flow", ["qrconnect", "oauth"])
def test_the_older_qr_page_and_the_in_app_oauth_page_send_the_browser_back_with_a_code(api, wecom, flow):  # noqa: F811
    if flow == "qrconnect":
        url = f"{wecom.wecom_url}/_login/wwopen/sso/qrConnect"
        params = {"appid": api.corpid, "agentid": AGENT_ID, "redirect_uri": CALLBACK, "state": "xyz"}
    else:
        url = f"{wecom.wecom_url}/_oauth/connect/oauth2/authorize"
        params = {"appid": api.corpid, "redirect_uri": CALLBACK, "response_type": "code", "scope": "snsapi_base"}
        params.update(state="xyz", agentid=AGENT_ID)
    with httpx.Client() as browser:
        code, state = scan(browser, httpx.URL(url, params=params), "lifang")
        assert state == "xyz"
        assert call(api, "GET", "auth/getuserinfo", params={"code": code})["userid"] == "lifang"
        if flow == "oauth":
            bad = browser.get(httpx.URL(url, params={**params, "scope": "snsapi_userinfo"}))
            assert bad.status_code == 400 and "location" not in bad.headers


def test_a_redirect_uri_outside_the_trusted_domain_is_refused(api, wecom):  # noqa: F811
    wecom.control.wecom_corp(
        {
            "corpid": "wwdomain",
            "secrets": {"s": {"kind": "app", "agentid": 5}},
            "members": [{"userid": "a", "name": "甲", "mobile": "13000000001"}],
            "trusted_domains": ["console.example:8000"],
        }
    )
    api.corpid = "wwdomain"
    url = f"{wecom.wecom_url}/_login/wwlogin/sso/login"
    params = {"login_type": "CorpApp", "appid": "wwdomain", "agentid": 5, "state": "s"}
    with httpx.Client() as browser:
        page = browser.get(url, params={**params, "redirect_uri": "http://evil.example/cb", "scan": "a"})
        assert page.status_code == 400 and "domain_err" in page.text
        code, _state = scan(browser, httpx.URL(url, params={**params, "redirect_uri": CALLBACK}), "a")
    assert call(api, "GET", "auth/getuserinfo", "s", params={"code": code})["userid"] == "a"
    issued = wecom.control.wecom_scan("wwdomain", userid="a", redirect_uri="http://evil.example/cb")
    refused = call(api, "GET", "auth/getuserinfo", "s", params={"code": issued["code"]})
    assert refused["errcode"] == 50001 and refused["errmsg"].startswith("redirect_uri unauthorized")


def test_codes_expire_after_five_minutes_and_need_the_app_secret(api, wecom):  # noqa: F811
    issued = wecom.control.wecom_scan(api.corpid, userid="zhangwei", redirect_uri=CALLBACK, state="s")
    assert parse_qs(urlsplit(issued["location"]).query) == {"code": [issued["code"]], "state": ["s"]}
    assert call(api, "GET", "auth/getuserinfo", CONTACTS_SECRET, params={"code": issued["code"]})["errcode"] == 48002
    wecom.control.advance(301)
    assert call(api, "GET", "auth/getuserinfo", params={"code": issued["code"]})["errcode"] == 40029
    outsider = wecom.control.wecom_scan(api.corpid, userid=None, redirect_uri=CALLBACK)
    old = call(api, "GET", "user/getuserinfo", params={"code": outsider["code"]})
    assert old["errcode"] == 0 and old["OpenId"].startswith("o") and "UserId" not in old


def test_message_send_limits(api, wecom):  # noqa: F811
    base = {"touser": "zhangwei", "msgtype": "text", "agentid": AGENT_ID}
    assert call(api, "POST", "message/send", json={**base, "text": {"content": ""}})["errcode"] == 44004
    long = call(api, "POST", "message/send", json={**base, "text": {"content": "字" * 683}})
    assert long["errcode"] == 40058 and long["errmsg"].startswith("text.content exceed max length 2048")
    assert call(api, "POST", "message/send", json={**base, "msgtype": "voice"})["errcode"] == 40008
    assert (
        call(api, "POST", "message/send", CONTACTS_SECRET, json={**base, "text": {"content": "x"}})["errcode"] == 48002
    )
    for n in range(31):
        sent = call(api, "POST", "message/send", json={**base, "text": {"content": f"第{n}条"}})
        assert sent["errcode"] == 0  # the 31st within a minute is dropped silently, as WeCom does
    corp = wecom.control.wecom_corp_get(api.corpid)
    assert len([m for m in corp["messages"] if m["userid"] == "zhangwei"]) == 30 and len(corp["dropped"]) == 1
    card = {**base, "msgtype": "textcard", "textcard": {"title": "t", "description": "d", "url": "https://x.example"}}
    assert call(api, "POST", "message/send", json=card)["errcode"] == 0


def test_a_body_that_is_not_json_is_a_format_error(api):  # noqa: F811
    response = api.post("user/create", params={"access_token": token(api, CONTACTS_SECRET)}, content=b"{nope")
    assert response.status_code == 200 and response.json()["errcode"] == 47001


def test_an_app_secret_writing_contacts_can_be_answered_60011_as_one_capture_shows(api, wecom):  # noqa: F811
    wecom.control.wecom_corp(
        {"corpid": "ww60011", "secrets": {"s": {"kind": "app", "agentid": 5}}, "app_write_errcode": 60011}
    )
    api.corpid = "ww60011"
    body = call(api, "POST", "user/create", "s", json={"userid": "a", "name": "甲", "mobile": "13000000001"})
    assert body["errcode"] == 60011 and body["errmsg"].startswith("no privilege to access/modify contact/party/agent")


@pytest.mark.parametrize(
    "kind, expect",
    [
        ("concurrency", 45033),
        ("rate_limit", 45009),
        ("http_error", 502),
        ("malformed_json", "broken"),
        ("wrong_types", "0"),
    ],
)
def test_armed_faults_break_the_next_call_of_a_corp(api, wecom, kind, expect):  # noqa: F811
    current = token(api)
    wecom.control.inject("wecom", kind, target=api.corpid, path="/cgi-bin/user/get", status=502)
    response = api.get("user/get", params={"access_token": current, "userid": "zhangwei"})
    if isinstance(expect, int) and expect > 1000:
        assert response.status_code == 200 and response.json()["errcode"] == expect
        assert response.json()["department"] == []  # the error body keeps the endpoint's lists
    elif expect == 502:
        assert response.status_code == 502
    elif expect == "broken":
        with pytest.raises(ValueError):
            response.json()
    else:
        assert response.json()["errcode"] == "0"  # same keys, wrong types
    again = api.get("user/get", params={"access_token": current, "userid": "zhangwei"})
    assert again.json()["errcode"] == 0  # one call only


def test_the_hourly_limit_blocks_for_an_hour(api, wecom):  # noqa: F811
    wecom.control.wecom_corp({"corpid": "wwhour", "secrets": {"s": {"kind": "app", "agentid": 5}}, "per_hour": 2})
    api.corpid = "wwhour"
    current = token(api, "s")
    answers = [api.get("department/list", params={"access_token": current}).json()["errcode"] for _ in range(3)]
    assert answers == [0, 0, 45009]
    wecom.control.advance(3000)
    assert api.get("department/list", params={"access_token": current}).json()["errcode"] == 45009
    wecom.control.advance(601)
    assert api.get("department/list", params={"access_token": current}).json()["errcode"] == 0


def test_batchdelete_deletes_all_or_none(api, wecom):  # noqa: F811
    refused = call(api, "POST", "user/batchdelete", CONTACTS_SECRET, json={"useridlist": ["lifang", "ghost"]})
    assert refused["errcode"] == 60111
    assert (
        call(api, "POST", "user/batchdelete", CONTACTS_SECRET, json={"useridlist": ["lifang", "creator"]})["errcode"]
        == 301005
    )
    assert (
        call(api, "POST", "user/batchdelete", CONTACTS_SECRET, json={"useridlist": ["LiFang"]})["errmsg"] == "deleted"
    )
    assert call(api, "GET", "user/get", params={"userid": "lifang"})["errcode"] == 60111
