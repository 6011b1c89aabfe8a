"""Plain-httpx callers for the simulators: the tests sign and send requests by hand, as the contract says."""

import hashlib
import hmac
import time
from dataclasses import dataclass

import httpx
import pytest


def shopee_sign(partner_key: str, base: str) -> str:
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


@dataclass
class ShopeeShop:
    """A partner, one of its shops and (once authorized) the shop's tokens, with signed-call helpers."""

    http: httpx.Client
    partner_id: int
    partner_key: str
    shop_id: int
    access_token: str = ""
    refresh_token: str = ""

    def common(self, path: str, *, shop: bool, timestamp: int | None = None, access_token: str | None = None) -> dict:
        timestamp = int(time.time()) if timestamp is None else timestamp
        token = self.access_token if access_token is None else access_token
        base = f"{self.partner_id}{path}{timestamp}" + (f"{token}{self.shop_id}" if shop else "")
        params = {"partner_id": self.partner_id, "timestamp": timestamp, "sign": shopee_sign(self.partner_key, base)}
        if shop:
            params.update(access_token=token, shop_id=self.shop_id)
        return params

    def get(self, path: str, params: dict | None = None, **common) -> dict:
        return self.get_response(path, params, **common).json()

    def get_response(self, path: str, params: dict | None = None, **common) -> httpx.Response:
        return self.http.get(path, params={**self.common(path, shop=True, **common), **(params or {})})

    def post_public(self, path: str, body: dict, **common) -> dict:
        return self.http.post(path, params=self.common(path, shop=False, **common), json=body).json()

    def token_get(self, code: str) -> dict:
        return self.post_public(
            "/api/v2/auth/token/get", {"code": code, "partner_id": self.partner_id, "shop_id": self.shop_id}
        )

    def refresh(self, refresh_token: str | None = None) -> dict:
        body = {
            "refresh_token": refresh_token or self.refresh_token,
            "partner_id": self.partner_id,
            "shop_id": self.shop_id,
        }
        return self.post_public("/api/v2/auth/access_token/get", body)


@pytest.fixture(scope="session")
def shopee_http(simulator):
    """One client for the session: building an httpx.Client (its TLS context) costs ~0.2 s."""
    with httpx.Client(base_url=simulator.shopee_url, timeout=10) as client:
        yield client


@pytest.fixture
def shopee_unauthorized(simulator, shopee_http):
    """A partner and a shop that has not authorized it yet."""
    partner = simulator.control.create_partner(name="ShopCrew test app")
    shop = simulator.control.create_shop(partner_id=partner["partner_id"], region="VN")
    return ShopeeShop(
        http=shopee_http, partner_id=partner["partner_id"], partner_key=partner["partner_key"], shop_id=shop["shop_id"]
    )


@pytest.fixture
def shopee_shop(simulator, shopee_unauthorized):
    """An authorized shop: the code from the control API traded for tokens over the real endpoint."""
    shop = shopee_unauthorized
    answer = shop.token_get(simulator.control.issue_code(shop.shop_id))
    assert answer["error"] == "", answer
    shop.access_token, shop.refresh_token = answer["access_token"], answer["refresh_token"]
    return shop


@dataclass
class OzonSeller:
    http: httpx.Client
    client_id: int
    api_key: str

    def post(self, path: str, body, *, headers: dict | None = None) -> httpx.Response:
        sent = {"Client-Id": str(self.client_id), "Api-Key": self.api_key, **(headers or {})}
        return self.http.post(path, json=body, headers={k: v for k, v in sent.items() if v is not None})


@pytest.fixture(scope="session")
def ozon_http(simulator):
    with httpx.Client(base_url=simulator.ozon_url, timeout=10) as client:
        yield client


@pytest.fixture
def ozon_seller(simulator, ozon_http):
    seller = simulator.control.create_seller(name="Ozon test seller")
    return OzonSeller(http=ozon_http, client_id=seller["client_id"], api_key=seller["api_key"])


@pytest.fixture(scope="session")
def wecom(simulator):
    with httpx.Client(base_url=simulator.wecom_url, timeout=10) as client:
        yield client


@pytest.fixture
def robot(simulator):
    return simulator.control.create_robot(name="售后群")
