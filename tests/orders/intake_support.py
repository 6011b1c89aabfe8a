"""Fixtures and helpers for the intake tests (pushes, polls, the dispatcher): stores connected to simulated
shops and sellers, and the real Celery queues read back and run here (not collected: no test_ prefix).

`drain(queue)` pops the messages our code published to the broker (Redis, settings.CELERY_BROKER_URL) and runs
each task synchronously with `.apply()` — what a worker would do, without a worker or any waiting.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from config.celery import app as celery_app

QUEUES = ("intake", "polling")


def _broker() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def queued(queue: str = "intake") -> list[tuple[str, list]]:
    """(task name, args) of the messages waiting in a queue, oldest first, without taking them."""
    rows = _broker().lrange(queue, 0, -1)
    return [_decode(raw)[:2] for raw in reversed(rows)]


def _decode(raw: bytes) -> tuple[str, list, dict]:
    message = json.loads(raw)
    args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
    return message["headers"]["task"], args, kwargs


def drain(queue: str = "intake", *, limit: int = 1000) -> list[tuple[str, list]]:
    """Run every message of a queue (oldest first) synchronously, as a worker would; returns what ran."""
    broker, ran = _broker(), []
    for _ in range(limit):
        raw = broker.rpop(queue)
        if raw is None:
            break
        name, args, kwargs = _decode(raw)
        celery_app.tasks[name].apply(args, kwargs)
        ran.append((name, args))
    return ran


@pytest.fixture
def queues():
    """Empty intake and polling queues before and after the test."""
    _broker().delete(*QUEUES)
    yield
    _broker().delete(*QUEUES)


@dataclass
class ShopeeStore:
    store: object
    app: object
    partner_id: int
    partner_key: str
    shop_id: int


@dataclass
class OzonStore:
    store: object
    client_id: int
    api_key: str


@pytest.fixture
def platforms_at(simulator, settings):
    settings.SHOPEE_BASE_URL = simulator.shopee_url
    settings.OZON_BASE_URL = simulator.ozon_url
    return simulator


@pytest.fixture
def make_shopee_store(platforms_at):
    """make_shopee_store(app=None) -> a simulated shop authorized for a console Store (tokens stored)."""
    from stores.models import ShopeeCredential
    from tests.factories import ShopeeAppFactory, StoreFactory

    control = platforms_at.control

    def make(app=None) -> ShopeeStore:
        if app is None:
            partner = control.create_partner()
            app = ShopeeAppFactory(partner_id=partner["partner_id"], partner_key=partner["partner_key"])
        shop_id = control.create_shop(partner_id=app.partner_id, region="SG")["shop_id"]
        tokens = control.issue_tokens(shop_id, partner_id=app.partner_id)
        store = StoreFactory(platform="shopee", site="SG", shop_id=str(shop_id))
        now = timezone.now()
        ShopeeCredential.objects.create(
            store=store,
            app=app,
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            access_expires_at=now + timedelta(seconds=tokens["expire_in"]),
            refresh_issued_at=now,
            refresh_expires_at=now + timedelta(days=30),
            authorized_at=now,
            authorization_expires_at=now + timedelta(days=365),
        )
        return ShopeeStore(store, app, app.partner_id, app.partner_key, shop_id)

    return make


@pytest.fixture
def make_ozon_store(platforms_at):
    """make_ozon_store() -> a simulated Ozon seller whose keys a console Store holds."""
    from stores.models import OzonCredential
    from tests.factories import StoreFactory

    control = platforms_at.control

    def make() -> OzonStore:
        seller = control.create_seller()
        store = StoreFactory(platform="ozon", site="RU", shop_id=str(seller["client_id"]))
        OzonCredential.objects.create(store=store, client_id=seller["client_id"], api_key=seller["api_key"])
        return OzonStore(store, seller["client_id"], seller["api_key"])

    return make


def recent(control, shop_id: int, count: int, **options) -> list[str]:
    """`count` Shopee orders created in the last minute, paid (COD) and awaiting shipment."""
    now = int(control.clock()["now"])
    body = {"from": now - 60, "to": now, "cod_ratio": 1, "cancel_ratio": 0, "return_ratio": 0, **options}
    return control.seed_orders(shop_id, count=count, **body)["order_sns"]
