"""Shopee client behaviour that needs no server: signing, time windows, error mapping, redaction."""

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from stores.clients.errors import AuthExpired, InvalidCredentials, InvalidRequest, NotFound, RateLimited, ServerError
from stores.clients.shopee import (
    MAX_WINDOW_SECONDS,
    ShopeeClient,
    ShopeeToken,
    base_string,
    map_error,
    seconds_until_quota_reset,
    sign,
    split_windows,
)

# The worked example of the contract (section 1.3).
EXAMPLE_BASE = "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711"


def test_shop_base_string_matches_the_contract_example():
    base = base_string(
        partner_id=2001887,
        path="/api/v2/shop/get_shop_info",
        timestamp=1655714431,
        access_token="59777174636562737266615546704c6d",
        shop_id=14701711,
    )
    assert base == EXAMPLE_BASE


def test_public_base_string_is_partner_path_timestamp():
    assert base_string(partner_id=2001887, path="/api/v2/auth/token/get", timestamp=1655714431) == (
        "2001887/api/v2/auth/token/get1655714431"
    )


def test_sign_is_lowercase_hex_hmac_sha256_keyed_with_the_partner_key_text():
    key = "shpk4c6a6f4e6b4a6e436f50"
    expected = hmac.new(key.encode(), EXAMPLE_BASE.encode(), hashlib.sha256).hexdigest()
    assert sign(partner_key=key, base=EXAMPLE_BASE) == expected
    assert len(expected) == 64 and expected == expected.lower()


def test_signed_shop_params_carry_a_sign_over_the_fresh_timestamp():
    client = ShopeeClient(
        partner_id=2001887, partner_key="k" * 32, base_url="http://127.0.0.1:9", clock=lambda: 1655714431.9
    )
    params = client.signed_params(
        "/api/v2/shop/get_shop_info", access_token="59777174636562737266615546704c6d", shop_id=14701711
    )
    assert params["timestamp"] == 1655714431
    assert params["sign"] == sign(partner_key="k" * 32, base=EXAMPLE_BASE)
    assert params["shop_id"] == 14701711 and params["partner_id"] == 2001887


def test_auth_link_is_signed_with_the_public_base_string_and_carries_the_redirect():
    client = ShopeeClient(partner_id=7, partner_key="secret-key", base_url="http://sim/shopee/", clock=lambda: 1000)
    link = client.auth_link(redirect="http://console/cb?x=1")
    expected_sign = sign(partner_key="secret-key", base="7/api/v2/shop/auth_partner1000")
    assert link.startswith("http://sim/shopee/api/v2/shop/auth_partner?")
    assert f"sign={expected_sign}" in link
    assert "redirect=http%3A%2F%2Fconsole%2Fcb%3Fx%3D1" in link
    assert "secret-key" not in link


def test_a_long_range_is_split_into_windows_of_at_most_15_days_without_gaps():
    start = 1_700_000_000
    end = start + 40 * 86400 + 17
    windows = split_windows(start, end)
    assert windows[0][0] == start and windows[-1][1] == end
    assert all(0 < to - frm <= MAX_WINDOW_SECONDS for frm, to in windows)
    assert all(windows[i][1] == windows[i + 1][0] for i in range(len(windows) - 1))
    assert len(windows) == 3


def test_a_range_of_exactly_15_days_is_one_window():
    assert split_windows(0, MAX_WINDOW_SECONDS) == [(0, MAX_WINDOW_SECONDS)]
    assert split_windows(0, MAX_WINDOW_SECONDS + 1) == [
        (0, MAX_WINDOW_SECONDS),
        (MAX_WINDOW_SECONDS, MAX_WINDOW_SECONDS + 1),
    ]


def test_an_empty_or_reversed_range_is_refused():
    with pytest.raises(ValueError):
        split_windows(10, 10)
    client = ShopeeClient(partner_id=1, partner_key="key1", base_url="http://127.0.0.1:9").shop(
        shop_id=1, access_token="t" * 32
    )
    with pytest.raises(ValueError):
        client.get_order_list(time_from=20, time_to=10)
    with pytest.raises(ValueError):
        client.get_order_list(time_from=datetime(2025, 1, 1), time_to=datetime(2025, 1, 2))  # naive


@pytest.mark.parametrize(
    ("code", "message", "kind", "expected"),
    [
        ("error_auth", "Invalid access_token.", "shop", AuthExpired),
        ("invalid_acceess_token", "Invalid access_token, please have a check.", "shop", AuthExpired),
        ("invalid_access_token", "", "shop", AuthExpired),
        ("common.error_auth", "Invalid access_token.", "shop", AuthExpired),
        ("error_auth", "Invalid refresh_token.", "token", InvalidCredentials),
        ("error_auth", "Invalid partner_id or shopid.", "shop", InvalidCredentials),
        ("error_sign", "Wrong sign.", "shop", InvalidCredentials),
        ("invalid_code", "The code is expired or used or invalid, please check the code.", "token", InvalidCredentials),
        ("error_rate_limit", "Too many requests.", "shop", RateLimited),
        ("error_limit", "daily quota", "shop", RateLimited),
        ("error_param", "Timestamp is expired.", "shop", InvalidRequest),
        (
            "order.order_list_invalid_time",
            "Start time must be earlier than end time and diff in 15days.",
            "shop",
            InvalidRequest,
        ),
        ("error_not_found", "Wrong parameters, detail: the order is not found.", "shop", NotFound),
        ("error_server", "System error. Please try again later.", "shop", ServerError),
        ("error_auth", "System error, please try again later.", "shop", ServerError),
    ],
)
def test_error_envelopes_map_to_typed_errors(code, message, kind, expected):
    error = map_error(code=code, message=message, status=200, request_id="r1", kind=kind, now=0)
    assert type(error) is expected
    assert error.code == code and error.request_id == "r1"


def test_rate_limits_carry_a_retry_hint_and_the_daily_quota_waits_for_midnight_utc8():
    burst = map_error(code="error_rate_limit", message="", status=429, request_id="", kind="shop", now=0, retry_after=3)
    assert burst.retryable and burst.retry_after == 3
    # 2025-01-01 15:00 UTC is 23:00 UTC+8: one hour to the reset.
    now = datetime(2025, 1, 1, 15, 0, tzinfo=UTC).timestamp()
    assert seconds_until_quota_reset(now) == 3600
    quota = map_error(code="error_limit", message="", status=200, request_id="", kind="shop", now=now)
    assert quota.retry_after == 3600


def test_token_and_client_reprs_mask_secrets():
    token = ShopeeToken(
        access_token="a" * 32,
        refresh_token="b" * 32,
        expire_in=14400,
        expires_at=datetime(2025, 1, 1, tzinfo=UTC),
        refresh_expires_at=datetime(2025, 1, 31, tzinfo=UTC),
        shop_id=5,
    )
    client = ShopeeClient(partner_id=1, partner_key="partner-secret-key", base_url="http://127.0.0.1:9")
    shop = client.shop(shop_id=5, access_token="c" * 32)
    for text in (repr(token), str(token), repr(client), repr(shop), f"{token}"):
        for secret in ("a" * 32, "b" * 32, "c" * 32, "partner-secret-key"):
            assert secret not in text
    assert "shop_id=5" in repr(token)


def test_the_fast_order_decoder_gives_what_the_checked_one_gives_and_falls_back_on_odd_shapes():
    """_order_detail takes a fast path for well-typed rows (the intake decodes pages of 100): same result as the
    fully checked decoder; anything it does not take as is goes to the checked one, which names the field."""
    from stores.clients.errors import MalformedResponse
    from stores.clients.shopee import _order_detail, _order_detail_checked, _order_detail_fast

    row = {
        "order_sn": "260301ABCDEFGH", "order_status": "READY_TO_SHIP", "region": "SG", "currency": "SGD",
        "cod": False, "create_time": 1772352000, "update_time": 1772355600, "pay_time": 0, "ship_by_date": 1772524800,
        "days_to_ship": 2, "total_amount": 25.5, "buyer_user_id": 42, "buyer_username": "buyer42",
        "message_to_seller": "", "note": None, "shipping_carrier": "SPX", "payment_method": "Card",
        "cancel_by": "", "cancel_reason": "",
        "item_list": [{"item_id": 7, "item_name": "Mug", "item_sku": "MUG", "model_id": 0, "model_name": "",
                       "model_sku": "", "model_quantity_purchased": 2, "model_original_price": 12,
                       "model_discounted_price": 12.75, "order_item_id": 7}],
        "package_list": [{"package_number": 123456, "logistics_status": "LOGISTICS_READY", "shipping_carrier": "SPX"}],
    }  # fmt: skip
    assert _order_detail_fast(row) == _order_detail_checked(row, "r")
    odd = {**row, "total_amount": "25.50"}  # a string amount: not a documented shape
    with pytest.raises(MalformedResponse, match=r"r\.total_amount"):
        _order_detail(odd, "r")
    as_bool = {**row, "item_list": [{**row["item_list"][0], "item_id": True}]}
    with pytest.raises(MalformedResponse, match=r"item_list\[0\]\.item_id"):
        _order_detail(as_bool, "r")
