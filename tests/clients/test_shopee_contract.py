"""ShopeeClient against the running Shopee simulator over HTTP: success paths, paging, tokens, every error class."""

import re
import threading
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from stores.clients.errors import (
    AuthExpired,
    InvalidCredentials,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
    TransportError,
)
from stores.clients.http import NO_RETRY
from stores.clients.shopee import MAX_WINDOW_SECONDS, ShopeeClient

from .conftest import SHORT_TIMEOUT, wait_until

DAY = 86400
ORDER_LIST = "/api/v2/order/get_order_list"
TOKEN_REFRESH = "/api/v2/auth/access_token/get"


def recent(shop, days=2):
    now = int(time.time())
    return shop.get_order_list(time_from=now - days * DAY, time_to=now)


# --- authorization and tokens ---------------------------------------------------------------------------


def test_seller_authorizes_through_the_signed_link_and_the_code_buys_working_tokens(simulator, closing):
    control = simulator.control
    partner = control.create_partner()
    shop_id = control.create_shop(partner_id=partner["partner_id"])["shop_id"]
    client = closing(
        ShopeeClient(
            partner_id=partner["partner_id"], partner_key=partner["partner_key"], base_url=simulator.shopee_url
        )
    )
    link = client.auth_link(redirect="http://console.test/stores/callback")
    with httpx.Client() as browser:
        page = browser.get(link)
        assert page.status_code == 200, page.text
        session = re.search(r'name="session" value="([^"]+)"', page.text).group(1)
        back = browser.post(link.split("?")[0], data={"session": session, "shop_id": shop_id})
    assert back.status_code == 302
    callback = parse_qs(urlsplit(back.headers["location"]).query)
    assert callback["shop_id"] == [str(shop_id)]

    token = client.get_token(callback["code"][0], shop_id)
    assert token.shop_id == shop_id and token.expire_in > 0 and token.refresh_expires_at > token.expires_at
    assert (
        list(
            client.shop(shop_id=shop_id, access_token=token.access_token).get_order_list(
                time_from=int(time.time()) - DAY, time_to=int(time.time())
            )
        )
        == []
    )
    with pytest.raises(InvalidCredentials) as reused:
        client.get_token(callback["code"][0], shop_id)
    assert reused.value.code == "invalid_code"


def test_refresh_rotates_the_single_use_refresh_token_and_the_old_access_token_fades_out(shopee, simulator):
    old = shopee.token
    new = shopee.client.refresh_access_token(old.refresh_token, shopee.shop_id)
    assert new.access_token != old.access_token and new.refresh_token != old.refresh_token
    assert new.shop_id == shopee.shop_id

    with pytest.raises(InvalidCredentials):
        shopee.client.refresh_access_token(old.refresh_token, shopee.shop_id)  # single use

    list(recent(shopee.shop_with(old.access_token)))  # still valid for 5 minutes after the refresh
    simulator.control.advance(301)
    with pytest.raises(AuthExpired):
        list(recent(shopee.shop_with(old.access_token)))
    list(recent(shopee.shop_with(new.access_token)))


def test_an_expired_access_token_is_auth_expired_and_a_refresh_cures_it(shopee, simulator):
    simulator.control.advance(shopee.token.expire_in + 1)
    with pytest.raises(AuthExpired) as expired:
        list(recent(shopee.shop))
    assert not expired.value.retryable
    new = shopee.client.refresh_access_token(shopee.token.refresh_token, shopee.shop_id)
    assert list(recent(shopee.shop_with(new.access_token))) == []


def test_two_concurrent_refreshers_spend_the_refresh_token_once(shopee):
    barrier = threading.Barrier(2)
    outcomes = []

    def refresh():
        barrier.wait()
        try:
            outcomes.append(shopee.client.refresh_access_token(shopee.token.refresh_token, shopee.shop_id))
        except InvalidCredentials as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["InvalidCredentials", "ShopeeToken"]


def test_a_refresh_that_timed_out_after_the_platform_acted_is_not_repeated(inject, make_shopee, simulator, request_log):
    shopee = make_shopee(timeout=SHORT_TIMEOUT)
    inject("shopee", "timeout", target=shopee.shop_id, path=TOKEN_REFRESH, delay=0.6, then="process")
    log = request_log("shopee")
    with pytest.raises(TransportError) as caught:
        shopee.client.refresh_access_token(shopee.token.refresh_token, shopee.shop_id)
    assert caught.value.timeout and caught.value.maybe_applied and not caught.value.retryable
    assert len(log.calls(TOKEN_REFRESH)) == 1
    wait_until(lambda: log.calls(TOKEN_REFRESH)[0]["status"] is not None)  # the simulator finished the held call
    with pytest.raises(InvalidCredentials):
        shopee.client.refresh_access_token(shopee.token.refresh_token, shopee.shop_id)


def test_a_refused_refresh_keeps_the_refresh_token_usable(inject, shopee, simulator):
    inject("shopee", "http_error", target=shopee.shop_id, path=TOKEN_REFRESH, status=500)
    with pytest.raises(ServerError) as caught:
        shopee.client.refresh_access_token(shopee.token.refresh_token, shopee.shop_id)
    assert caught.value.status == 500 and not caught.value.retryable  # not repeated automatically
    assert shopee.client.refresh_access_token(shopee.token.refresh_token, shopee.shop_id).access_token


def test_a_revoked_authorization_fails_the_token_and_the_refresh(shopee, simulator):
    simulator.control.deauthorize(shopee.shop_id)
    with pytest.raises(AuthExpired):
        list(recent(shopee.shop))
    with pytest.raises(InvalidCredentials):
        shopee.client.refresh_access_token(shopee.token.refresh_token, shopee.shop_id)


@pytest.mark.parametrize("auth_status", [200, 403])
def test_a_wrong_partner_key_or_partner_is_invalid_credentials(shopee, simulator, closing, auth_status):
    with simulator.control.configured(shopee={"auth_error_http_status": auth_status}):
        wrong_key = closing(
            ShopeeClient(
                partner_id=shopee.partner_id, partner_key="not-the-key", base_url=simulator.shopee_url, retry=NO_RETRY
            )
        )
        with pytest.raises(InvalidCredentials) as bad_sign:
            list(recent(wrong_key.shop(shop_id=shopee.shop_id, access_token=shopee.token.access_token)))
        unknown = closing(ShopeeClient(partner_id=4_000_000_001, partner_key="x" * 20, base_url=simulator.shopee_url))
        with pytest.raises(InvalidCredentials) as bad_partner:
            unknown.refresh_access_token(shopee.token.refresh_token, shopee.shop_id)
    assert bad_sign.value.code == "error_sign" and bad_partner.value.code == "invalid_partner_id"
    assert bad_sign.value.status == (None if auth_status == 200 else 403)


# --- orders ---------------------------------------------------------------------------------------------


def test_ten_thousand_orders_page_through_without_duplicate_or_gap(shopee, simulator, request_log):
    seeded = simulator.control.seed_orders(shopee.shop_id, count=10_000, days=60)["order_sns"]
    now = int(time.time())
    log = request_log("shopee")

    sns = [ref.order_sn for ref in shopee.shop.get_order_list(time_from=now - 61 * DAY, time_to=now)]

    assert len(sns) == len(set(sns)) == 10_000
    assert set(sns) == set(seeded)
    calls = log.calls(ORDER_LIST)
    windows = {(int(c["query"]["time_from"]), int(c["query"]["time_to"])) for c in calls}
    assert len(windows) == 5 and all(0 < end - start <= MAX_WINDOW_SECONDS for start, end in windows)
    assert all(int(c["query"]["page_size"]) == 100 for c in calls)
    assert len(calls) >= 100


def test_order_list_filters_by_status_and_by_update_time(shopee, simulator):
    seeded = set(simulator.control.seed_orders(shopee.shop_id, count=150, days=10)["order_sns"])
    now = int(time.time())
    by_update = list(
        shopee.shop.get_order_list(time_from=now - 11 * DAY, time_to=now, time_range_field="update_time", page_size=7)
    )
    assert {ref.order_sn for ref in by_update} == seeded
    completed = list(shopee.shop.get_order_list(time_from=now - 11 * DAY, time_to=now, order_status="COMPLETED"))
    assert completed and all(ref.order_status == "COMPLETED" for ref in completed)
    assert {ref.order_sn for ref in completed} == {ref.order_sn for ref in by_update if ref.order_status == "COMPLETED"}


def test_order_details_come_in_batches_of_fifty_with_typed_fields(shopee, simulator, request_log):
    seeded = simulator.control.seed_orders(shopee.shop_id, count=120, days=5)["order_sns"]
    log = request_log("shopee")
    details = shopee.shop.get_order_detail(seeded)
    calls = log.calls("/api/v2/order/get_order_detail")
    assert [len(c["query"]["order_sn_list"].split(",")) for c in calls] == [50, 50, 20]
    assert {d.order_sn for d in details} == set(seeded)
    detail = details[0]
    truth = simulator.control.order(shopee.shop_id, detail.order_sn)
    assert detail.order_status == truth["status"]
    assert int(detail.create_time.timestamp()) == truth["create_time"]
    assert detail.items and detail.items[0].quantity > 0 and detail.currency == "SGD"
    assert detail.raw["order_sn"] == detail.order_sn


def test_unknown_orders_are_not_found(shopee):
    with pytest.raises(NotFound):
        shopee.shop.get_order_detail(["000000NOSUCH00"])
    with pytest.raises(InvalidRequest):
        shopee.shop.get_tracking_number("000000NOSUCH00")


def test_tracking_number_is_empty_until_the_carrier_assigns_it(shopee, simulator):
    seeded = simulator.control.seed_orders(shopee.shop_id, count=40, days=0.05, cancel_ratio=0, cod_ratio=1)
    now = time.time()
    truths = [simulator.control.order(shopee.shop_id, sn) for sn in seeded["order_sns"]]
    pending = min((t for t in truths if t["tracking_at"] and t["tracking_at"] > now), key=lambda t: t["tracking_at"])
    assert shopee.shop.get_tracking_number(pending["order_sn"]).tracking_number == ""
    simulator.control.advance(pending["tracking_at"] - now + 1)
    token = shopee.client.refresh_access_token(shopee.token.refresh_token, shopee.shop_id)  # hours may have passed
    tracking = shopee.shop_with(token.access_token).get_tracking_number(pending["order_sn"])
    assert tracking.tracking_number == pending["tracking_number"] != ""


# --- returns, items, stock ------------------------------------------------------------------------------


def test_returns_page_through_and_detail_matches(shopee, simulator):
    seeded = simulator.control.seed_returns(shopee.shop_id, count=45)["return_sns"]
    now = int(time.time())
    returns = list(shopee.shop.get_return_list(time_from=now - 25 * DAY, time_to=now, page_size=10))
    assert sorted(r.return_sn for r in returns) == sorted(seeded)
    detail = shopee.shop.get_return_detail(returns[0].return_sn)
    assert detail.return_sn == returns[0].return_sn and detail.order_sn == returns[0].order_sn


def test_return_list_follows_a_one_based_page_number_when_told(shopee, simulator):
    seeded = simulator.control.seed_returns(shopee.shop_id, count=25)["return_sns"]
    now = int(time.time())
    with simulator.control.configured(shopee={"return_page_base": 1}):
        returns = list(
            shopee.shop.get_return_list(time_from=now - 25 * DAY, time_to=now, page_size=10, first_page_no=1)
        )
    assert sorted(r.return_sn for r in returns) == sorted(seeded)


def test_stock_comes_from_base_info_or_from_the_model_list(shopee, simulator, request_log):
    seeded = simulator.control.seed_items(shopee.shop_id, count=120, model_ratio=0.5)["items"]
    plain = next(i for i in seeded if not i["has_model"])
    variant = next(i for i in seeded if i["has_model"])
    simulator.control.set_stock(shopee.shop_id, item_id=plain["item_id"], stock=3)
    simulator.control.set_stock(shopee.shop_id, item_id=variant["item_id"], model_id=variant["model_ids"][0], stock=2)

    refs = list(shopee.shop.get_item_list(page_size=50))
    assert {r.item_id for r in refs} == {i["item_id"] for i in seeded}
    log = request_log("shopee")
    rows = shopee.shop.get_stock([r.item_id for r in refs])
    assert all(len(c["query"]["item_id_list"].split(",")) <= 50 for c in log.calls("get_item_base_info"))
    by_key = {(row.item_id, row.model_id): row for row in rows}
    assert by_key[(plain["item_id"], None)].available == 3
    assert by_key[(variant["item_id"], variant["model_ids"][0])].available == 2
    assert (variant["item_id"], None) not in by_key


# --- injected faults ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("http_error", {"status": 500}),
        ("http_error", {"status": 502}),
        ("malformed_json", {}),
        ("wrong_types", {}),
        ("rate_limit", {"status": 429}),
        ("rate_limit", {"status": 200}),
    ],
)
def test_a_passing_fault_on_a_read_is_retried_to_success(inject, shopee, simulator, sleeps, kind, options):
    simulator.control.seed_orders(shopee.shop_id, count=5, days=1)
    inject("shopee", kind, target=shopee.shop_id, path=ORDER_LIST, **options)
    assert len(list(recent(shopee.shop))) == 5
    assert len(sleeps) == 1


def test_a_passing_timeout_on_a_read_is_retried_to_success(inject, make_shopee, simulator, sleeps):
    shopee = make_shopee(timeout=SHORT_TIMEOUT)
    inject("shopee", "timeout", target=shopee.shop_id, path=ORDER_LIST, delay=0.6)
    assert list(recent(shopee.shop)) == []
    assert sleeps == [0.01]


@pytest.mark.parametrize(
    ("kind", "options", "expected"),
    [
        ("http_error", {"status": 500}, ServerError),
        ("http_error", {"status": 503}, ServerError),
        ("malformed_json", {}, MalformedResponse),
        ("wrong_types", {}, MalformedResponse),
        ("rate_limit", {"status": 429}, RateLimited),
        ("timeout", {"delay": 0.6}, TransportError),
    ],
)
def test_a_lasting_fault_gives_a_typed_error_after_backoff(
    inject, make_shopee, simulator, sleeps, kind, options, expected
):
    shopee = make_shopee(timeout=SHORT_TIMEOUT)
    inject("shopee", kind, target=shopee.shop_id, path=ORDER_LIST, count=3, **options)
    with pytest.raises(expected) as caught:
        list(recent(shopee.shop))
    assert caught.value.retryable and caught.value.platform == "shopee"
    assert len(sleeps) == 2 and sleeps[1] >= sleeps[0]
    if expected is RateLimited:
        assert caught.value.retry_after == 1 and caught.value.status == 429


def test_burst_limit_and_daily_quota_are_rate_limits_with_hints(shopee, simulator, request_log):
    with simulator.control.configured(shopee={"burst_limit": 2, "burst_window": 60}):
        list(recent(shopee.shop))
        list(recent(shopee.shop))
        log = request_log("shopee")
        with pytest.raises(RateLimited) as burst:
            list(recent(shopee.shop))
    assert burst.value.code == "error_rate_limit" and len(log.calls(ORDER_LIST)) == 3  # retried, refused again
    with simulator.control.configured(shopee={"daily_quota": 1}):
        list(recent(shopee.shop))
        log = request_log("shopee")
        with pytest.raises(RateLimited) as quota:
            list(recent(shopee.shop))
    assert quota.value.code == "error_limit" and 0 < quota.value.retry_after <= DAY
    assert len(log.calls(ORDER_LIST)) == 1  # waiting until midnight UTC+8 is the caller's decision
