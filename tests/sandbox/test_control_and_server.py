"""Control API, fault injection, the request log, the standalone server and the console mount."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sandbox.control import ControlError
from sandbox.http import robot_ref
from tests.factories import SuperuserFactory

SHOP_INFO = "/api/v2/shop/get_shop_info"
FBS_V4 = "/v4/posting/fbs/list"
REPO = Path(__file__).resolve().parents[2]


def test_seeding_ten_thousand_orders_is_quick(simulator):
    shop = simulator.control.create_shop()
    started = time.perf_counter()
    answer = simulator.control.seed_orders(shop["shop_id"], count=10_000)
    assert time.perf_counter() - started < 2.0 and answer["created"] == 10_000
    assert simulator.control.shop(shop["shop_id"])["orders"] == 10_000


def test_clock_advances_and_rewinds_between_tests(simulator):
    before = simulator.control.clock()
    after = simulator.control.advance(3600)
    assert after - before["now"] >= 3600 and simulator.control.clock()["offset"] == before["offset"] + 3600


def test_control_api_rejects_bad_input(simulator):
    control = simulator.control
    with pytest.raises(ControlError, match="400"):
        control.inject("shopee", "explode")
    with pytest.raises(ControlError, match="unknown config key"):
        control.config(shopee={"no_such_setting": 1})
    with pytest.raises(ControlError, match="404"):
        control.seed_orders(1, count=1)
    with pytest.raises(ControlError, match="405"):
        control._call("GET", "reset")
    raw = httpx.post(f"{simulator.base_url}/control/shopee/partners", content=b"{oops")
    assert raw.status_code == 400 and raw.json() == {"error": "the body is not valid JSON"}


def test_shopee_faults_hit_only_their_target_and_only_n_times(simulator, shopee_shop):
    control = simulator.control
    control.inject("shopee", "http_error", target=shopee_shop.shop_id, status=503, count=2)
    control.inject("shopee", "http_error", target=999, status=500)
    first, second = shopee_shop.get_response(SHOP_INFO), shopee_shop.get_response(SHOP_INFO)
    assert (first.status_code, second.status_code) == (503, 503) and "text/html" in first.headers["content-type"]
    assert shopee_shop.get(SHOP_INFO)["error"] == ""
    assert len(control.faults()) == 1  # the one aimed at another shop is still armed

    control.inject("shopee", "http_error", target=shopee_shop.shop_id, status=500)
    server_error = shopee_shop.get_response(SHOP_INFO)
    assert server_error.status_code == 500 and server_error.json()["error"] == "error_server"

    control.inject("shopee", "malformed_json", target=shopee_shop.shop_id)
    with pytest.raises(json.JSONDecodeError):
        shopee_shop.get_response(SHOP_INFO).json()

    control.inject("shopee", "wrong_types", target=shopee_shop.shop_id)
    mangled = shopee_shop.get(SHOP_INFO)
    assert mangled["error"] == "" and mangled["auth_time"] == str(mangled["auth_time"])

    control.inject("shopee", "rate_limit", target=shopee_shop.shop_id, status=429)
    limited = shopee_shop.get_response(SHOP_INFO)
    assert limited.status_code == 429 and limited.json()["error"] == "error_rate_limit"

    control.inject("shopee", "http_error", target="*", path="/api/v2/order/", status=502)
    assert shopee_shop.get(SHOP_INFO)["error"] == ""
    assert shopee_shop.get_response("/api/v2/order/get_order_detail", {"order_sn_list": "x"}).status_code == 502


def test_timeout_fault_outlasts_the_client_timeout(simulator, shopee_shop):
    simulator.control.inject("shopee", "timeout", target=shopee_shop.shop_id, delay=1.0)
    params = shopee_shop.common(SHOP_INFO, shop=True)
    with pytest.raises(httpx.ReadTimeout):
        shopee_shop.http.get(SHOP_INFO, params=params, timeout=0.3)
    assert shopee_shop.get(SHOP_INFO)["error"] == ""


def test_ozon_and_wecom_faults(simulator, ozon_seller, wecom, robot):
    control = simulator.control
    body = {"filter": {"since": "2024-01-01T00:00:00Z", "to": "2024-02-01T00:00:00Z"}, "limit": 1}
    control.inject("ozon", "http_error", target=ozon_seller.client_id, status=500)
    control.inject("ozon", "http_error", target=ozon_seller.client_id, status=502)
    control.inject("ozon", "rate_limit", target=ozon_seller.client_id)
    control.inject("ozon", "wrong_types", target=ozon_seller.client_id)
    internal = ozon_seller.post(FBS_V4, body)
    assert internal.status_code == 500 and internal.json()["code"] == 13
    assert ozon_seller.post(FBS_V4, body).status_code == 502
    limited = ozon_seller.post(FBS_V4, body)
    assert limited.status_code == 429 and limited.json()["code"] == 8
    assert ozon_seller.post(FBS_V4, body).json()["has_next"] == "false"
    assert ozon_seller.post(FBS_V4, body).json()["has_next"] is False

    control.inject("wecom", "rate_limit", target=robot["key"])
    control.inject("wecom", "malformed_json", target=robot["key"])
    message = {"msgtype": "text", "text": {"content": "故障注入"}}
    assert wecom.post("/cgi-bin/webhook/send", params={"key": robot["key"]}, json=message).json()["errcode"] == 45009
    broken = wecom.post("/cgi-bin/webhook/send", params={"key": robot["key"]}, json=message)
    with pytest.raises(json.JSONDecodeError):
        broken.json()
    assert [m["content"] for m in control.messages(robot["key"])] == ["故障注入"]  # processed, answer garbled


def test_request_log_records_calls_with_secrets_masked(simulator, shopee_shop, ozon_seller):
    since = max((r["id"] for r in simulator.control.requests(limit=1)), default=0)
    shopee_shop.get(SHOP_INFO)
    ozon_seller.post(FBS_V4, {"limit": 1})
    shopee_calls = simulator.control.requests(service="shopee", since_id=since)
    ozon_calls = simulator.control.requests(service="ozon", since_id=since)
    assert shopee_calls[-1]["path"] == SHOP_INFO and shopee_calls[-1]["status"] == 200
    assert shopee_calls[-1]["outcome"] == "ok"
    assert shopee_calls[-1]["query"]["access_token"] == "…" + shopee_shop.access_token[-4:]
    assert ozon_calls[-1]["headers"]["Api-Key"] == "…" + ozon_seller.api_key[-4:]
    assert ozon_calls[-1]["status"] == 400 and ozon_calls[-1]["body"] == {"limit": 1}
    log = json.dumps(simulator.control.requests(since_id=since))
    assert shopee_shop.access_token not in log and ozon_seller.api_key not in log


def test_standalone_server_runs_no_console_middleware(simulator, wecom, robot):
    response = wecom.post(
        "/cgi-bin/webhook/send", params={"key": robot["key"]}, json={"msgtype": "text", "text": {"content": "hi"}}
    )
    assert "X-Request-ID" not in response.headers and "set-cookie" not in response.headers
    index = httpx.get(f"{simulator.base_url}/")
    assert index.status_code == 200 and "/shopee/api/v2/" in index.text


@pytest.mark.django_db
def test_mounted_in_the_console_under_sandbox(client, login, settings, simulator, robot):
    """Demo mode: the platform endpoints under /sandbox/ need no session and no CSRF token (the console's clients
    call them); a super admin reads the pages and the control API (tests/sandbox/test_console_mount.py: the rest)."""
    settings.ROOT_URLCONF = "tests.sandbox.console_urls"
    settings.SHOPCREW_DEMO = True
    client.handler.enforce_csrf_checks = True
    sent = client.post(
        f"/sandbox/wecom/cgi-bin/webhook/send?key={robot['key']}",
        data={"msgtype": "text", "text": {"content": "来自控制台"}},
        content_type="application/json",
    )
    assert sent.status_code == 200 and sent.json()["errcode"] == 0
    login(SuperuserFactory())
    page = client.get(f"/sandbox/wecom/_messages/{robot_ref(robot['key'])}/")
    assert page.status_code == 200 and "来自控制台" in page.content.decode()
    assert client.get("/sandbox/control/clock").json()["now"] > 0


def test_manage_py_simulate_serves_all_three_services():
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "simulate", "--port", "0", "--quiet"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        base = re.search(r"(http://127\.0\.0\.1:\d+)/", banner).group(1)
        assert f"SHOPEE_BASE_URL={base}/shopee" in banner
        with httpx.Client(base_url=base) as http:
            assert http.get("/shopee/api/v2/order/get_order_list").json()["error"] == "error_param"
            assert http.post("/ozon/v4/posting/fbs/list", json={}).status_code == 401
            assert http.post("/wecom/cgi-bin/webhook/send?key=x", json={}).json()["errcode"] == 93000
            assert http.get("/control/clock").status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
