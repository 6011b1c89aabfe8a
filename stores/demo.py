"""Demo stores and their platform connections (run by `manage.py seed_demo` through core.seeding).

The stores, the demo Shopee partner and the Ozon sellers' keys come from the shared demo world
(core.seeding.demo_world, config/demo_world.json), which the simulators mounted in demo mode read too. The
Shopee stores are left unauthorized on purpose: a user authorizes one from its page ("Authorize on
Shopee" → the simulated Shopee page → back to the console), as with the real platform. Saved through
stores.services and stores.credentials, so each record is audited (and credentials encrypted).
"""

from __future__ import annotations

import hashlib

from core.seeding import Seed, demo_world

from . import services as store_services
from .choices import Platform
from .credentials import ozon_credentials_save, ozon_performance_credentials_save, shopee_app_save
from .models import OzonCredential, OzonPerformanceCredential, ShopeeApp, ShopeeEnvironment, Store

APP_NAME = "ShopCrew 演示应用"
APP_NOTE = "Demo: served by the simulators under /sandbox/shopee (bin/run)."


def seed_stores(seed: Seed) -> None:
    """The demo stores that are not there yet (by platform and shop id), owned by demo staff."""
    rows = demo_world()["stores"]
    existing = {(s.platform, s.shop_id): s for s in Store.objects.filter(shop_id__in=[r["shop_id"] for r in rows])}
    for row in rows:
        store = existing.get((row["platform"], row["shop_id"]))
        if store is None:
            store = store_services.store_create(
                actor=seed.admin,
                platform=row["platform"],
                site=row["site"],
                shop_id=row["shop_id"],
                name=row["name"],
                primary_owner=seed.staff[row["primary_owner"]],
                backup_owner=seed.staff[row["backup_owner"]],
                emergency_contact=row["emergency_contact"],
                duties_note=row["duties_note"],
            )
            seed.created("stores")
        seed.stores[row["shop_id"]] = store


def seed_shopee_app(seed: Seed) -> None:
    """The demo Shopee Open Platform app (partner id and key of the simulated partner), once."""
    partner = demo_world()["shopee_partner"]
    if ShopeeApp.objects.filter(partner_id=partner["partner_id"]).exists():
        return
    shopee_app_save(
        actor=seed.admin,
        name=APP_NAME,
        partner_id=partner["partner_id"],
        partner_key=partner["partner_key"],
        environment=ShopeeEnvironment.SIMULATOR,
        note=APP_NOTE,
    )
    seed.created("Shopee apps")


def seed_ozon_keys(seed: Seed) -> None:
    """The Ozon stores' Client-Id and Api-Key, for stores that have none yet (not verified: the simulator
    runs inside the console, which is not serving while seed_demo runs)."""
    have = set(OzonCredential.objects.values_list("store_id", flat=True))
    for row in demo_world()["stores"]:
        store = seed.stores.get(row["shop_id"])
        if row["platform"] != Platform.OZON or store is None or store.pk in have:
            continue
        ozon_credentials_save(actor=seed.admin, store=store, client_id=int(row["shop_id"]), api_key=row["api_key"])
        seed.created("Ozon API keys")


def performance_keys(client_id: int, api_key: str) -> tuple[str, str]:
    """The Performance API keys of a demo Ozon seller, derived from its Seller API keys by the rule the Ozon
    Performance simulator documents (sandbox/ozon_performance.py): client id `<Client-Id>@advertising.
    performance.ozon.ru`, secret the first 40 hex characters of sha256("ozon-performance:<Client-Id>:<Api-Key>")."""
    secret = hashlib.sha256(f"ozon-performance:{client_id}:{api_key}".encode()).hexdigest()[:40]
    return f"{client_id}@advertising.performance.ozon.ru", secret


def seed_ozon_performance_keys(seed: Seed) -> None:
    """The Ozon stores' Performance API keys (ads), for stores that have none yet, so the demo reads ads at once
    (not verified, as the Seller API keys)."""
    have = set(OzonPerformanceCredential.objects.values_list("store_id", flat=True))
    for row in demo_world()["stores"]:
        store = seed.stores.get(row["shop_id"])
        if row["platform"] != Platform.OZON or store is None or store.pk in have:
            continue
        client_id, secret = performance_keys(int(row["shop_id"]), row["api_key"])
        ozon_performance_credentials_save(actor=seed.admin, store=store, client_id=client_id, client_secret=secret)
        seed.created("Ozon Performance API keys")


SEED_STEPS = [seed_stores, seed_shopee_app, seed_ozon_keys, seed_ozon_performance_keys]
