"""Shopee simulator, checks made before any API logic: the common parameters, the partner, the timestamp
window, the signature, the burst and daily rate limits and, for shop APIs, the access token and the shop's
authorization.
"""

import hmac
import time

from ..state import DAY
from .common import DAILY_LIMIT, RATE_LIMITED, Call, ShopeeError, param_error, parse_u32, sign


def check_common(call: Call, kind: str) -> None:
    """Common parameters, partner, timestamp window, signature, rate limits and (shop APIs) the access token."""
    query = call.query
    if not query.get("partner_id"):
        raise param_error("There is no partner_id in query.")
    partner_id = parse_u32(query["partner_id"])
    if partner_id is None:
        raise param_error("Partner_id is invalid, should be an integer between 0 and 4294967295.")
    if not query.get("timestamp"):
        raise param_error("no timestamp")
    timestamp = parse_u32(query["timestamp"])
    if timestamp is None:
        raise param_error("Timestamp is invalid, should be an integer between 0 and 4294967295.")
    signature = query.get("sign")
    if not signature:
        raise param_error("There is no sign in query.")
    base = f"{partner_id}{call.api_path}{timestamp}"
    token = shop_id = None
    if kind == "shop":
        token = query.get("access_token")
        if not token:
            raise param_error("There is no access_token in query.")
        if not query.get("shop_id"):
            raise param_error("There is no shop_id in query.")
        shop_id = parse_u32(query["shop_id"])
        if shop_id is None:
            raise param_error("shop_id is invalid, should be an integer between 0 and 4294967295.")
        base += f"{token}{shop_id}"
    partner = call.world.partners.get(partner_id)
    if partner is None:
        raise ShopeeError("invalid_partner_id", "Invalid partner_id, please have a check.", kind="auth")
    if abs(time.time() - timestamp) > call.config["timestamp_window"]:
        raise param_error("Timestamp is expired.")
    if not hmac.compare_digest(signature.lower().encode(), sign(partner.partner_key, base).encode()):
        raise ShopeeError("error_sign", "Wrong sign.", kind="auth")
    call.partner_id = partner_id
    check_rate(call, f"shop:{shop_id}" if shop_id is not None else f"partner:{partner_id}")
    if kind == "shop":
        check_access_token(call, partner_id, shop_id, token)


def check_rate(call: Call, scope: str) -> None:
    world, config = call.world, call.config
    if config["burst_limit"] > 0 and not world.shopee_burst.hit(scope, call.now):
        raise ShopeeError("error_rate_limit", RATE_LIMITED, kind="rate")
    if config["daily_quota"] > 0:
        key = (scope, int((call.now + 8 * 3600) // DAY))
        used = world.daily_calls.get(key, 0)
        if used >= config["daily_quota"]:
            raise ShopeeError("error_limit", DAILY_LIMIT, kind="rate")
        world.daily_calls[key] = used + 1


def check_access_token(call: Call, partner_id: int, shop_id: int, token: str) -> None:
    world = call.world
    shop = world.shops.get(shop_id)
    if shop is None:
        raise ShopeeError("error_auth", "Invalid partner_id or shopid.", kind="auth")
    authorization = world.authorizations.get((partner_id, shop_id))
    if authorization is None:
        raise ShopeeError("partner_shop_no_link", "Invalid partner_id or shop_id, please have a check.", kind="auth")
    record = world.access_tokens.get(token)
    if (
        record is None
        or record.partner_id != partner_id
        or record.shop_id != shop_id
        or record.expires_at <= call.now
        or not authorization.active(call.now)
    ):
        raise ShopeeError("error_auth", "Invalid access_token.", kind="auth")
    call.shop_id = shop_id
    call.shop = shop
