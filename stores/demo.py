"""Demo data for the platform connections (run by `manage.py seed_demo`, see its SEED_STEPS).

The demo Shopee app and the Ozon stores' API keys are those the simulators mounted in demo mode know
(sandbox/demo_world.py). The Shopee stores are left unauthorized on purpose: a user authorizes one from
its page ("Authorize on Shopee" → the simulated Shopee page → back to the console), as with the real
platform. Saved through stores.credentials, so each record is encrypted and audited.
"""

from __future__ import annotations

from sandbox import demo_world

from .choices import Platform
from .credentials import ozon_credentials_save, shopee_app_save
from .models import OzonCredential, ShopeeApp, ShopeeEnvironment

APP_NAME = "ShopCrew 演示应用"
APP_NOTE = "Demo: served by the simulators under /sandbox/shopee (bin/run)."


def seed_shopee_app(seed) -> None:
    """The demo Shopee Open Platform app (partner id and key of the simulated partner), once."""
    if ShopeeApp.objects.filter(partner_id=demo_world.PARTNER_ID).exists():
        return
    shopee_app_save(
        actor=seed.admin,
        name=APP_NAME,
        partner_id=demo_world.PARTNER_ID,
        partner_key=demo_world.PARTNER_KEY,
        environment=ShopeeEnvironment.SIMULATOR,
        note=APP_NOTE,
    )
    seed.created("Shopee apps")


def seed_ozon_keys(seed) -> None:
    """The Ozon stores' Client-Id and Api-Key, for stores that have none yet (not verified: the simulator
    runs inside the console, which is not serving while seed_demo runs)."""
    have = set(OzonCredential.objects.values_list("store_id", flat=True))
    for seller in demo_world.SELLERS:
        store = seed.stores.get(str(seller.client_id))
        if store is None or store.platform != Platform.OZON or store.pk in have:
            continue
        ozon_credentials_save(actor=seed.admin, store=store, client_id=seller.client_id, api_key=seller.api_key)
        seed.created("Ozon API keys")


SEED_STEPS = [seed_shopee_app, seed_ozon_keys]
