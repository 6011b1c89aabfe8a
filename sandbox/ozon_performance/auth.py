"""Ozon Performance simulator, token and quota: `POST /api/client/token` (client credentials, a bearer token that
dies `performance_token_ttl` simulated seconds after it was issued), the bearer check of every other call, and
the daily call quota per account and Moscow day.
"""

from __future__ import annotations

import uuid

from ..state import Seller, World
from .common import UNAUTHENTICATED, PerformanceError
from .model import account_secret, seller_of, today_of


def issue_token(world: World, body, now: float) -> dict:
    if not isinstance(body, dict):
        raise PerformanceError(400, "invalid_request", error_description="the body must be a JSON object")
    if body.get("grant_type") != "client_credentials":
        raise PerformanceError(400, "unsupported_grant_type", error_description="grant_type must be client_credentials")
    client_id, secret = body.get("client_id"), body.get("client_secret")
    seller = seller_of(world, client_id) if isinstance(client_id, str) else None
    if seller is None or not isinstance(secret, str) or secret != account_secret(seller.client_id, seller.api_key):
        raise PerformanceError(401, "invalid_client", error_description="Client authentication failed")
    token = uuid.uuid4().hex + uuid.uuid4().hex
    ttl = int(world.config["ozon"]["performance_token_ttl"])
    tokens = world.__dict__.setdefault("ozon_performance_tokens", {})
    for old, (_, _, expires) in list(tokens.items()):
        if expires <= now:
            del tokens[old]
    tokens[token] = (seller, seller.client_id, now + ttl)
    return {"access_token": token, "expires_in": ttl, "token_type": "Bearer"}


def authenticate(world: World, request, now: float) -> Seller:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    found = world.__dict__.setdefault("ozon_performance_tokens", {}).get(token) if token else None
    if found is None:
        raise PerformanceError(401, UNAUTHENTICATED)
    seller, seller_id, expires = found
    if now >= expires or world.sellers.get(seller_id) is not seller:
        raise PerformanceError(401, UNAUTHENTICATED)
    return seller


def count_call(world: World, seller: Seller, now: float) -> None:
    quota = int(world.config["ozon"]["performance_daily_quota"])
    if quota <= 0:
        return
    key = (f"ozon_performance:{seller.client_id}", today_of(now).toordinal())
    used = world.daily_calls.get(key, 0)  # type: ignore[call-overload]
    if used >= quota:
        raise PerformanceError(429, f"daily request limit of {quota} exceeded")
    world.daily_calls[key] = used + 1  # type: ignore[index]
