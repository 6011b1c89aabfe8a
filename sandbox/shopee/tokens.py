"""Shopee simulator, tokens: the seller's consent and its single-use code, access and refresh tokens (issued,
refreshed, revoked), the token endpoints and `get_shop_info`, which answer flat; `body_int` and `json_body`
read the JSON body of a POST.
"""

from ..http import hex32
from ..state import DAY, Authorization, Token, World
from .common import Call, ShopeeError, endpoint, wrong


def issue_code(world: World, *, partner_id: int, shop_id: int, days: int | None = None) -> str:
    """Record the seller's consent (authorization for `days`) and return a fresh single-use code."""
    config = world.config["shopee"]
    now = world.now()
    days = min(int(days or config["authorization_days"]), config["authorization_days"])
    world.authorizations[(partner_id, shop_id)] = Authorization(partner_id, shop_id, now, now + days * DAY)
    code = hex32()
    world.codes[code] = Token(code, partner_id, shop_id, now + config["code_ttl"])
    return code


def issue_tokens(world: World, *, partner_id: int, shop_id: int) -> dict:
    config = world.config["shopee"]
    now = world.now()
    access = Token(hex32(), partner_id, shop_id, now + config["access_token_ttl"])
    refresh = Token(hex32(), partner_id, shop_id, now + config["refresh_token_ttl"], sibling=access.token)
    world.access_tokens[access.token] = access
    world.refresh_tokens[refresh.token] = refresh
    return {"access_token": access.token, "refresh_token": refresh.token, "expire_in": int(config["access_token_ttl"])}


def revoke_shop(world: World, *, partner_id: int, shop_id: int) -> None:
    """Cancel the authorization; every token of the pair stops working."""
    authorization = world.authorizations.get((partner_id, shop_id))
    if authorization:
        authorization.cancelled = True
    for store in (world.access_tokens, world.refresh_tokens):
        for record in store.values():
            if record.partner_id == partner_id and record.shop_id == shop_id:
                record.expires_at = 0


def body_int(body: dict, name: str) -> int | None:
    value = body.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def json_body(call: Call) -> dict:
    if not isinstance(call.body, dict):
        raise wrong("request body should be a JSON object")
    return call.body


@endpoint("/api/v2/auth/token/get", "POST", "public", flat=True)
def token_get(call: Call) -> dict:
    body = json_body(call)
    if body_int(body, "partner_id") != call.partner_id:
        raise wrong("partner_id in body should match the partner_id in query")
    if "main_account_id" in body:
        raise ShopeeError("invalid_main_acount_id", "Invalid main_account_id, please have a check.")
    shop_id = body_int(body, "shop_id")
    if shop_id is None or shop_id not in call.world.shops:
        raise ShopeeError("invalid_shop_id", "Invalid shop_id, please have a check.")
    code = body.get("code")
    record = call.world.codes.get(code) if isinstance(code, str) else None
    if (
        record is None
        or record.used
        or record.expires_at <= call.now
        or record.partner_id != call.partner_id
        or record.shop_id != shop_id
    ):
        raise ShopeeError("invalid_code", "The code is expired or used or invalid, please check the code.")
    record.used = True
    return issue_tokens(call.world, partner_id=call.partner_id, shop_id=shop_id)


@endpoint("/api/v2/auth/access_token/get", "POST", "public", flat=True)
def access_token_get(call: Call) -> dict:
    world, body = call.world, json_body(call)
    if body_int(body, "partner_id") != call.partner_id:
        raise wrong("partner_id in body should match the partner_id in query")
    shop_id = body_int(body, "shop_id")
    if shop_id is None:
        raise wrong("shop_id is required")
    token = body.get("refresh_token")
    record = world.refresh_tokens.get(token) if isinstance(token, str) else None
    if record is None or record.used or record.partner_id != call.partner_id or record.shop_id != shop_id:
        raise ShopeeError("error_auth", "Invalid refresh_token.", kind="auth")
    authorization = world.authorizations.get((call.partner_id, shop_id))
    if authorization is None or authorization.cancelled or record.expires_at == 0:
        raise ShopeeError("error_auth", "Invalid refresh_token.", kind="auth")
    if not authorization.active(call.now):
        raise ShopeeError("shop_access_expired", "The shop authorization is expired, please re-authorize.", kind="auth")
    if record.expires_at <= call.now:
        raise ShopeeError("refresh_token_expired", "The refresh_token is expired.", kind="auth")
    record.used = True
    previous = world.access_tokens.get(record.sibling)
    if previous:
        previous.expires_at = min(previous.expires_at, call.now + call.config["old_access_token_grace"])
    tokens = issue_tokens(world, partner_id=call.partner_id, shop_id=shop_id)
    return {"partner_id": call.partner_id, "shop_id": shop_id, **tokens}


@endpoint("/api/v2/shop/get_shop_info", "GET", "shop", flat=True)
def get_shop_info(call: Call) -> dict:
    authorization = call.world.authorizations[(call.partner_id, call.shop_id)]
    return {
        "shop_name": call.shop.name,
        "region": call.shop.region,
        "status": "NORMAL",
        "is_cb": False,
        "is_cnsc": False,
        "is_sip": False,
        "is_upgraded_cbsc": False,
        "merchant_id": None,
        "shop_fulfillment_flag": "Others",
        "is_main_shop": False,
        "is_direct_shop": False,
        "linked_main_shop_id": 0,
        "linked_direct_shop_list": [],
        "sip_affi_shops": [],
        "is_one_awb": False,
        "auth_time": int(authorization.authorized_at),
        "expire_time": int(authorization.expires_at),
    }
