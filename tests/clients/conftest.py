"""Fixtures for the client contract tests: real clients against the running simulators (tests/conftest.py)."""

import time
from dataclasses import dataclass

import httpx
import pytest

from notifications.clients.wecom import WeComRobot
from stores.clients.http import RetryPolicy
from stores.clients.ozon import OzonClient
from stores.clients.shopee import ShopeeClient, ShopeeShopClient, ShopeeToken

# Short enough that an injected 1-second hang times out quickly.
SHORT_TIMEOUT = httpx.Timeout(0.3)


def wait_until(condition, timeout=5.0):
    """Poll `condition` until true (e.g. the simulator finished a call it held past our timeout)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@pytest.fixture
def sleeps():
    """Every backoff delay the clients asked for; nothing actually waits."""
    return []


@pytest.fixture
def policy(sleeps):
    return RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, max_retry_after=2.0, jitter=0, sleep=sleeps.append)


@pytest.fixture
def closing():
    """closing(client) -> client, closed after the test."""
    clients = []
    yield lambda client: clients.append(client) or client
    for client in clients:
        client.close()


class Log:
    """The simulator's request log from the moment the object is created."""

    def __init__(self, control, service):
        self.control, self.service = control, service
        latest = control.requests(limit=1)
        self.since = latest[-1]["id"] if latest else 0

    def calls(self, path=""):
        rows = self.control.requests(service=self.service, since_id=self.since, limit=100_000)
        return [row for row in rows if path in row["path"]]


@pytest.fixture
def request_log(simulator):
    return lambda service: Log(simulator.control, service)


@dataclass
class ShopeeSetup:
    partner_id: int
    partner_key: str
    shop_id: int
    client: ShopeeClient
    token: ShopeeToken
    shop: ShopeeShopClient

    def shop_with(self, token: str) -> ShopeeShopClient:
        return self.client.shop(shop_id=self.shop_id, access_token=token)


@pytest.fixture
def make_shopee(simulator, policy, closing):
    """make_shopee(timeout=...) -> a fresh partner and shop, authorized through get_token."""

    def make(*, timeout=None, retry=None) -> ShopeeSetup:
        control = simulator.control
        partner = control.create_partner()
        shop_id = control.create_shop(partner_id=partner["partner_id"])["shop_id"]
        client = closing(
            ShopeeClient(
                partner_id=partner["partner_id"],
                partner_key=partner["partner_key"],
                base_url=simulator.shopee_url,
                timeout=timeout,
                retry=retry or policy,
            )
        )
        token = client.get_token(control.issue_code(shop_id), shop_id)
        return ShopeeSetup(
            partner["partner_id"],
            partner["partner_key"],
            shop_id,
            client,
            token,
            client.shop(shop_id=shop_id, access_token=token.access_token),
        )

    return make


@pytest.fixture
def shopee(make_shopee):
    return make_shopee()


@pytest.fixture
def make_ozon(simulator, policy, closing):
    """make_ozon(**client_kwargs) -> (seller dict, OzonClient) for a fresh seller."""

    def make(seller=None, **kwargs):
        seller = seller or simulator.control.create_seller()
        kwargs.setdefault("retry", policy)
        client = closing(
            OzonClient(client_id=seller["client_id"], api_key=seller["api_key"], base_url=simulator.ozon_url, **kwargs)
        )
        return seller, client

    return make


@pytest.fixture
def make_robot(simulator, policy, closing):
    """make_robot(**client_kwargs) -> (key, WeComRobot) for a fresh robot."""

    def make(**kwargs):
        key = simulator.control.create_robot()["key"]
        kwargs.setdefault("retry", policy)
        return key, closing(WeComRobot(key=key, base_url=simulator.wecom_url, **kwargs))

    return make


@pytest.fixture
def inject(simulator):
    """inject(service, kind, target=..., path=..., count=..., status=..., delay=..., then=...): arm a fault.

    Posts to the control API directly (POST /control/faults), so a fault can be limited to one path.
    """

    def arm(service, kind, **options):
        body = {"service": service, "kind": kind, **{k: v for k, v in options.items() if v is not None}}
        if "target" in body:
            body["target"] = str(body["target"])
        response = simulator.control.http.post("faults", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    return arm
