"""Helpers shared by the credential, authorization and robot tests (not collected: no test_ prefix).

Per-store rights come from the shared `grant` fixture (tests/staff/grants.py):
`grant(user, {"settings_manage"}, stores=[store])`.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest
from django.urls import reverse


@dataclass
class ShopeeSetup:
    """A Shopee partner and shop in the simulator, mirrored as a ShopeeApp and a Store in the console."""

    app: object
    store: object
    partner_key: str


@pytest.fixture
def shopee(simulator, settings, db):
    """A fresh simulated partner (known key) and shop, the console's ShopeeApp and Store for them, and
    settings.SHOPEE_BASE_URL pointing at the simulator."""
    from tests.factories import ShopeeAppFactory, StoreFactory

    settings.SHOPEE_BASE_URL = simulator.shopee_url
    settings.OZON_BASE_URL = simulator.ozon_url
    partner = simulator.control.create_partner(name="ShopCrew test app")
    shop = simulator.control.create_shop(partner_id=partner["partner_id"], region="SG")
    app = ShopeeAppFactory(partner_id=partner["partner_id"], partner_key=partner["partner_key"])
    store = StoreFactory(platform="shopee", site="SG", shop_id=str(shop["shop_id"]))
    return ShopeeSetup(app=app, store=store, partner_key=partner["partner_key"])


def seller_confirms(link: str, *, shop_id) -> str:
    """Play the seller on the simulated Shopee page: choose the shop, confirm; returns the callback URL."""
    page = httpx.get(link)
    assert page.status_code == 200, page.text
    session = re.search(r'name="session" value="([^"]+)"', page.text).group(1)
    answer = httpx.post(
        link, data={"session": session, "shop_id": str(shop_id), "days": "365", "decision": "authorize"}
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def local(url: str) -> str:
    """The path and query of an absolute console URL, for the Django test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def authorize_through_views(client, store) -> str:
    """The whole flow as a browser would do it; returns the callback path (with state, code, shop_id)."""
    start = client.get(reverse("store_auth:shopee_authorize", args=[store.pk]))
    assert start.status_code == 302, start.content
    callback = local(seller_confirms(start["Location"], shop_id=store.shop_id))
    done = client.get(callback)
    assert done.status_code == 302
    assert done["Location"] == store.get_absolute_url()
    return callback
