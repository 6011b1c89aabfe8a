"""No secret reaches a log line, an exception message or a repr, in success or in failure."""

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from notifications.clients.wecom import WeComRobot
from stores.clients.errors import PlatformError
from stores.clients.ozon import OzonClient
from stores.clients.shopee import ShopeeClient

from .conftest import SHORT_TIMEOUT

PARTNER_KEY = "shpk5ec2e7d04f1b4c3a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b"
OZON_KEY = "7f3c1e9a-0b2d-4c6e-8a1f-secret-ozon-key"
ROBOT_KEY = "693a91f6-7f3c-4bc4-97a0-secret-robot-key"


def test_secrets_never_appear_in_logs_errors_or_reprs(simulator, inject, closing, caplog, policy):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "stores", "notifications"):
        caplog.set_level(logging.DEBUG, logger=name)
    control = simulator.control
    seen: list[str] = []

    def expect_failure(call):
        with pytest.raises(PlatformError) as caught:
            call()
        error = caught.value
        seen.extend([str(error), repr(error), str(error.args), error.message])

    # Shopee: authorization, token exchange and refresh, reads, and failures of each.
    partner = control.create_partner(partner_key=PARTNER_KEY)
    shop_id = control.create_shop(partner_id=partner["partner_id"])["shop_id"]
    client = closing(
        ShopeeClient(
            partner_id=partner["partner_id"],
            partner_key=PARTNER_KEY,
            base_url=simulator.shopee_url,
            timeout=SHORT_TIMEOUT,
            retry=policy,
        )
    )
    code = control.issue_code(shop_id)
    first = client.get_token(code, shop_id)
    expect_failure(lambda: client.get_token(code, shop_id))
    second = client.refresh_access_token(first.refresh_token, shop_id)
    expect_failure(lambda: client.refresh_access_token(first.refresh_token, shop_id))
    shop = client.shop(shop_id=shop_id, access_token=second.access_token)
    sns = control.seed_orders(shop_id, count=30, days=3)["order_sns"]
    now = int(time.time())
    assert len(list(shop.get_order_list(time_from=now - 4 * 86400, time_to=now))) == 30
    shop.get_order_detail(sns)
    for kind, options in (("http_error", {"status": 500}), ("malformed_json", {}), ("timeout", {"delay": 0.6})):
        inject("shopee", kind, target=shop_id, count=3, **options)
        expect_failure(lambda: shop.get_tracking_number(sns[0]))
    inject("shopee", "timeout", target=shop_id, path="/api/v2/auth/access_token/get", delay=0.6)
    expect_failure(lambda: client.refresh_access_token(second.refresh_token, shop_id))
    stale = client.shop(shop_id=shop_id, access_token=first.access_token)
    control.advance(400)
    expect_failure(lambda: list(stale.get_order_list(time_from=now - 86400, time_to=now)))
    seen += [repr(client), repr(shop), repr(first), str(second), repr(stale)]
    seen.append(client.auth_link(redirect="http://console.test/cb").split("sign=")[0])

    # Ozon: reads, a wrong key, and failures.
    seller = control.create_seller(api_key=OZON_KEY)
    ozon = closing(
        OzonClient(
            client_id=seller["client_id"],
            api_key=OZON_KEY,
            base_url=simulator.ozon_url,
            timeout=SHORT_TIMEOUT,
            retry=policy,
        )
    )
    control.seed_postings(seller["client_id"], count=5, days=2)
    since = datetime.now(UTC) - timedelta(days=3)
    assert len(list(ozon.iter_fbs_postings(since=since, to=datetime.now(UTC)))) == 5
    for kind, options in (("http_error", {"status": 500}), ("wrong_types", {}), ("timeout", {"delay": 0.6})):
        inject("ozon", kind, target=seller["client_id"], count=3, **options)
        expect_failure(lambda: list(ozon.iter_fbs_postings(since=since, to=datetime.now(UTC))))
    control.update_seller(seller["client_id"], active=False)
    expect_failure(ozon.verify)
    seen.append(repr(ozon))

    # WeCom: a send, an unknown key, an ambiguous failure and the rate limit.
    control.create_robot(key=ROBOT_KEY)
    robot = closing(WeComRobot(key=ROBOT_KEY, base_url=simulator.wecom_url, timeout=SHORT_TIMEOUT, retry=policy))
    robot.send_text("hello")
    inject("wecom", "timeout", target=ROBOT_KEY, delay=0.6)
    expect_failure(lambda: robot.send_text("hello again"))
    inject("wecom", "rate_limit", target=ROBOT_KEY)
    expect_failure(lambda: robot.send_markdown("**hi**"))
    unknown = closing(WeComRobot(key=ROBOT_KEY[::-1], base_url=simulator.wecom_url))
    expect_failure(lambda: unknown.send_text("hello"))
    seen += [repr(robot), repr(unknown)]

    secrets = {
        PARTNER_KEY,
        OZON_KEY,
        ROBOT_KEY,
        ROBOT_KEY[::-1],
        code,
        first.access_token,
        first.refresh_token,
        second.access_token,
        second.refresh_token,
    }
    logged = caplog.text
    assert "HTTP Request: GET" in logged and "access_token=***" in logged  # httpx's own URL lines were captured
    for secret in secrets:
        assert secret not in logged
        for text in seen:
            assert secret not in text
