"""Shopee simulator: signatures, common parameters, the timestamp window, shop authorization and tokens."""

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox.shopee import base_string, sign
from tests.sandbox.conftest import shopee_sign

ORDER_LIST = "/api/v2/order/get_order_list"
SHOP_INFO = "/api/v2/shop/get_shop_info"
HOUR = 3600
DAY = 86400


def test_worked_example_base_string_and_signature_recipe():
    base = base_string(
        partner_id=2001887,
        api_path="/api/v2/shop/get_shop_info",
        timestamp=1655714431,
        access_token="59777174636562737266615546704c6d",
        shop_id=14701711,
    )
    assert base == "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711"
    signature = sign("partner-key", base)
    assert re.fullmatch(r"[0-9a-f]{64}", signature)
    assert signature == shopee_sign("partner-key", base)


def test_worked_example_is_accepted_over_http(simulator, shopee_http):
    """The guide's ids and token, registered in the simulator, sign exactly as the guide's base string says."""
    control = simulator.control
    partner = control.create_partner(partner_id=2001887, partner_key="shpk" + "ab" * 16)
    control.create_shop(shop_id=14701711, partner_id=partner["partner_id"], region="SG")
    tokens = control.issue_tokens(14701711, partner_id=2001887)
    timestamp = int(time.time())
    base = f"2001887/api/v2/shop/get_shop_info{timestamp}{tokens['access_token']}14701711"
    params = {
        "partner_id": 2001887,
        "timestamp": timestamp,
        "sign": shopee_sign(partner["partner_key"], base),
        "access_token": tokens["access_token"],
        "shop_id": 14701711,
    }
    answer = shopee_http.get(SHOP_INFO, params=params).json()
    assert answer["error"] == "" and answer["region"] == "SG" and "response" not in answer


def test_shop_api_answers_in_the_envelope_with_a_fresh_request_id(shopee_shop):
    params = {
        "time_range_field": "create_time",
        "time_from": int(time.time()) - DAY,
        "time_to": int(time.time()),
        "page_size": 10,
    }
    first, second = shopee_shop.get(ORDER_LIST, params), shopee_shop.get(ORDER_LIST, params)
    assert first["error"] == "" and first["message"] == ""
    assert set(first["response"]) == {"more", "next_cursor", "order_list"}
    assert re.fullmatch(r"[0-9a-f]{32}", first["request_id"]) and first["request_id"] != second["request_id"]


@pytest.mark.parametrize(
    ("drop", "message"),
    [
        ("partner_id", "There is no partner_id in query."),
        ("timestamp", "no timestamp"),
        ("sign", "There is no sign in query."),
        ("access_token", "There is no access_token in query."),
        ("shop_id", "There is no shop_id in query."),
    ],
)
def test_each_missing_common_parameter_has_its_own_message(shopee_shop, drop, message):
    params = shopee_shop.common(SHOP_INFO, shop=True)
    del params[drop]
    answer = shopee_shop.http.get(SHOP_INFO, params=params).json()
    assert (answer["error"], answer["message"]) == ("error_param", message)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("partner_id", "abc", "Partner_id is invalid, should be an integer between 0 and 4294967295."),
        ("timestamp", "soon", "Timestamp is invalid, should be an integer between 0 and 4294967295."),
        ("shop_id", "99999999999", "shop_id is invalid, should be an integer between 0 and 4294967295."),
    ],
)
def test_malformed_common_parameters(shopee_shop, name, value, message):
    params = {**shopee_shop.common(SHOP_INFO, shop=True), name: value}
    answer = shopee_shop.http.get(SHOP_INFO, params=params).json()
    assert (answer["error"], answer["message"]) == ("error_param", message)


def test_wrong_sign_and_signing_the_wrong_path(shopee_shop):
    params = {**shopee_shop.common(SHOP_INFO, shop=True), "sign": "0" * 64}
    assert shopee_shop.http.get(SHOP_INFO, params=params).json()["error"] == "error_sign"
    # A client that signs its base URL's prefix into the path gets error_sign, not a 404.
    params = shopee_shop.common("/shopee" + SHOP_INFO, shop=True)
    answer = shopee_shop.http.get(SHOP_INFO, params=params).json()
    assert (answer["error"], answer["message"]) == ("error_sign", "Wrong sign.")
    # The public base string does not sign a shop call.
    params = {
        **shopee_shop.common(SHOP_INFO, shop=False),
        "access_token": shopee_shop.access_token,
        "shop_id": shopee_shop.shop_id,
    }
    assert shopee_shop.http.get(SHOP_INFO, params=params).json()["error"] == "error_sign"


def test_timestamp_window_uses_real_time_even_when_the_clock_moves(simulator, shopee_shop):
    old = int(time.time()) - 301
    answer = shopee_shop.get(SHOP_INFO, timestamp=old)
    assert (answer["error"], answer["message"]) == ("error_param", "Timestamp is expired.")
    assert shopee_shop.get(SHOP_INFO, timestamp=int(time.time()) - 250)["error"] == ""
    simulator.control.advance(3 * HOUR)  # token still valid; a real-time timestamp is still accepted
    assert shopee_shop.get(SHOP_INFO)["error"] == ""


def test_unknown_path_and_unknown_partner(shopee_shop, shopee_http):
    answer = shopee_shop.get("/api/v2/order/get_order_lists")
    assert answer["error"] == "error_param"
    assert answer["message"] == "Permission denied. This API is currently offline or the request path is incorrect."
    params = {**shopee_shop.common(SHOP_INFO, shop=True), "partner_id": 1}
    assert shopee_http.get(SHOP_INFO, params=params).json()["error"] == "invalid_partner_id"


def test_code_is_single_use(simulator, shopee_unauthorized):
    shop = shopee_unauthorized
    code = simulator.control.issue_code(shop.shop_id)
    first = shop.token_get(code)
    assert first["error"] == "" and first["expire_in"] == 14400
    assert re.fullmatch(r"[0-9a-f]{32}", first["access_token"]) and "response" not in first
    again = shop.token_get(code)
    assert again["error"] == "invalid_code"
    assert again["message"] == "The code is expired or used or invalid, please check the code."


def test_code_expires_after_ten_minutes(simulator, shopee_unauthorized):
    shop = shopee_unauthorized
    fresh, stale = simulator.control.issue_code(shop.shop_id), simulator.control.issue_code(shop.shop_id)
    simulator.control.advance(9 * 60)
    assert shop.token_get(fresh)["error"] == ""
    simulator.control.advance(2 * 60)
    assert shop.token_get(stale)["error"] == "invalid_code"


def test_code_is_bound_to_its_shop(simulator, shopee_unauthorized):
    shop = shopee_unauthorized
    other = simulator.control.create_shop(partner_id=shop.partner_id)
    code = simulator.control.issue_code(other["shop_id"])
    assert shop.token_get(code)["error"] == "invalid_code"


def test_refresh_token_is_single_use_and_the_old_access_token_has_five_minutes(simulator, shopee_shop):
    old_access, old_refresh = shopee_shop.access_token, shopee_shop.refresh_token
    refreshed = shopee_shop.refresh()
    assert refreshed["error"] == "" and refreshed["shop_id"] == shopee_shop.shop_id
    assert refreshed["partner_id"] == shopee_shop.partner_id and refreshed["expire_in"] == 14400
    assert refreshed["refresh_token"] != old_refresh and refreshed["access_token"] != old_access
    reused = shopee_shop.refresh(old_refresh)
    assert (reused["error"], reused["message"]) == ("error_auth", "Invalid refresh_token.")

    simulator.control.advance(4 * 60)
    assert shopee_shop.get(SHOP_INFO, access_token=old_access)["error"] == ""
    simulator.control.advance(2 * 60)
    expired = shopee_shop.get(SHOP_INFO, access_token=old_access)
    assert (expired["error"], expired["message"]) == ("error_auth", "Invalid access_token.")
    assert shopee_shop.get(SHOP_INFO, access_token=refreshed["access_token"])["error"] == ""


def test_access_token_lives_four_hours_and_refresh_recovers(simulator, shopee_shop):
    simulator.control.advance(4 * HOUR - 60)
    assert shopee_shop.get(SHOP_INFO)["error"] == ""
    simulator.control.advance(120)
    assert shopee_shop.get(SHOP_INFO)["error"] == "error_auth"
    refreshed = shopee_shop.refresh()
    assert shopee_shop.get(SHOP_INFO, access_token=refreshed["access_token"])["error"] == ""


def test_refresh_token_expires_after_thirty_days(simulator, shopee_shop):
    simulator.control.advance(30 * DAY + 1)
    assert shopee_shop.refresh()["error"] == "refresh_token_expired"


def test_authorization_ends_after_its_period(simulator, shopee_unauthorized):
    shop = shopee_unauthorized
    answer = shop.token_get(simulator.control.issue_code(shop.shop_id, days=30))
    shop.access_token, shop.refresh_token = answer["access_token"], answer["refresh_token"]
    info = shop.get(SHOP_INFO)
    assert info["expire_time"] - info["auth_time"] == 30 * DAY
    for _ in range(7):  # keep the pair alive by refreshing every ~4 days of simulated time
        simulator.control.advance(4 * DAY + 1)
        answer = shop.refresh()
        shop.access_token, shop.refresh_token = answer["access_token"], answer["refresh_token"]
    simulator.control.advance(3 * DAY)
    assert shop.refresh()["error"] == "shop_access_expired"


def test_deauthorized_shop_loses_its_tokens(simulator, shopee_shop):
    simulator.control.deauthorize(shopee_shop.shop_id)
    assert shopee_shop.get(SHOP_INFO)["error"] == "error_auth"
    assert shopee_shop.refresh()["error"] == "error_auth"


def test_classic_signed_auth_link_page_and_redirect(simulator, shopee_unauthorized):
    shop = shopee_unauthorized
    path = "/api/v2/shop/auth_partner"
    params = {**shop.common(path, shop=False), "redirect": "https://console.example/stores/callback?store=7"}
    page = shop.http.get(path, params=params)
    assert page.status_code == 200 and 'name="decision" value="authorize"' in page.text
    session = re.search(r'name="session" value="([^"]+)"', page.text).group(1)
    submitted = shop.http.post(path, params=params, data={"session": session, "shop_id": shop.shop_id, "days": "365"})
    assert submitted.status_code == 302
    target = urlsplit(submitted.headers["Location"])
    query = parse_qs(target.query)
    assert target.netloc == "console.example" and query["store"] == ["7"]
    assert query["shop_id"] == [str(shop.shop_id)]
    assert shop.token_get(query["code"][0])["error"] == ""
    # The page session is spent: submitting again does not mint a second code.
    again = shop.http.post(path, params=params, data={"session": session, "shop_id": shop.shop_id})
    assert again.status_code == 400


def test_classic_auth_link_checks_its_signature_and_age(shopee_unauthorized):
    shop = shopee_unauthorized
    path = "/api/v2/shop/auth_partner"
    stale = {**shop.common(path, shop=False, timestamp=int(time.time()) - 400), "redirect": "https://x.example/cb"}
    assert shop.http.get(path, params=stale).json()["message"] == "Timestamp is expired."
    forged = {**shop.common(path, shop=False), "redirect": "https://x.example/cb", "sign": "f" * 64}
    assert shop.http.get(path, params=forged).json()["error"] == "error_sign"


def test_code_style_auth_link_returns_state_and_can_sign_in_as_a_new_shop(simulator, shopee_http):
    partner = simulator.control.create_partner()
    params = {
        "auth_type": "seller",
        "partner_id": partner["partner_id"],
        "response_type": "code",
        "redirect_uri": "http://127.0.0.1:9/callback",
        "state": "xyz",
    }
    page = shopee_http.get("/auth", params=params)
    assert page.status_code == 200
    session = re.search(r'name="session" value="([^"]+)"', page.text).group(1)
    answer = shopee_http.post(
        "/auth", params=params, data={"session": session, "new_shop_id": "88001122", "region": "MY"}
    )
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["xyz"] and query["shop_id"] == ["88001122"] and len(query["code"][0]) == 32
    assert simulator.control.shop(88001122)["region"] == "MY"
    assert shopee_http.get("/auth", params={**params, "response_type": "token"}).status_code == 400


def test_burst_limit_and_http_429_mode(simulator, shopee_shop):
    with simulator.control.configured(shopee={"burst_limit": 3, "burst_window": 60}):
        answers = [shopee_shop.get(SHOP_INFO) for _ in range(4)]
        assert [a["error"] for a in answers] == ["", "", "", "error_rate_limit"]
        assert answers[-1]["message"] == ("Too many requests. You have reached the rate limit. Please try again later.")
        simulator.control.config(shopee={"rate_limit_http_status": 429})
        response = shopee_shop.get_response(SHOP_INFO)
        assert response.status_code == 429 and response.json()["error"] == "error_rate_limit"
        simulator.control.advance(61)
        assert shopee_shop.get(SHOP_INFO)["error"] == ""


def test_daily_quota_resets_at_midnight_utc8(simulator, shopee_shop):
    with simulator.control.configured(shopee={"daily_quota": 2}):
        assert [shopee_shop.get(SHOP_INFO)["error"] for _ in range(3)] == ["", "", "error_limit"]
        now = simulator.control.clock()["now"]
        until_midnight = DAY - (now + 8 * HOUR) % DAY
        simulator.control.advance(until_midnight + 1)
        refreshed = shopee_shop.refresh()  # the access token has expired meanwhile when the jump is long
        assert shopee_shop.get(SHOP_INFO, access_token=refreshed["access_token"])["error"] == ""


def test_auth_errors_can_answer_http_403(simulator, shopee_shop):
    with simulator.control.configured(shopee={"auth_error_http_status": 403}):
        response = shopee_shop.get_response(SHOP_INFO, access_token="0" * 32)
        assert response.status_code == 403 and response.json()["error"] == "error_auth"


def test_token_endpoint_rejects_a_body_that_is_not_json(shopee_unauthorized):
    shop = shopee_unauthorized
    path = "/api/v2/auth/token/get"
    answer = shop.http.post(
        path, params=shop.common(path, shop=False), content=b"{code=", headers={"Content-Type": "application/json"}
    ).json()
    assert answer["error"] == "error_param"
