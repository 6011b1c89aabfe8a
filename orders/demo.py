"""Demo: the simulated platforms push to the console's receivers (run by `manage.py seed_demo`, and by beat in
demo mode, since the simulators mounted in the console forget their subscriptions when it restarts).

`push_subscribe()` registers, through the simulators' control API over HTTP (settings.SHOPCREW_SANDBOX_CONTROL_URL,
which bin/run sets), the demo Shopee partner's push callback (/push/shopee/<partner_id>/, signed with the
partner key) and each demo Ozon seller's push URL (/push/ozon/). The console's own address is
settings.SHOPCREW_PUSH_BASE_URL, or the control URL's origin. Registering again changes nothing (the same URL
keeps its subscription; an Ozon subscription suspended after failures is resumed). Nothing is imported from
sandbox: like the real platforms, the simulators are reached over HTTP only, with the console's control token
(core.sandbox_mount.control_headers).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from core.sandbox_mount import control_headers
from core.seeding import Seed, demo_world

logger = logging.getLogger(__name__)


def console_base_url() -> str:
    """Where the simulators reach the console: SHOPCREW_PUSH_BASE_URL, else the control URL's origin."""
    base = getattr(settings, "SHOPCREW_PUSH_BASE_URL", "").rstrip("/")
    if base:
        return base
    control = urlsplit(getattr(settings, "SHOPCREW_SANDBOX_CONTROL_URL", ""))
    return f"{control.scheme}://{control.netloc}" if control.netloc else ""


def push_subscribe(*, control_url: str | None = None, console_url: str | None = None) -> dict:
    """Subscribe the demo Shopee partner and every demo Ozon seller to the console's receivers. Returns what was
    registered ({"shopee": [partner ids], "ozon": [Client-Ids]}); raises httpx.HTTPError when the control API
    cannot be reached or refuses."""
    control_url = str(control_url or getattr(settings, "SHOPCREW_SANDBOX_CONTROL_URL", "")).rstrip("/")
    console_url = (console_url or console_base_url()).rstrip("/")
    world = demo_world()
    done: dict[str, list[int]] = {"shopee": [], "ozon": []}
    with httpx.Client(base_url=f"{control_url}/", headers=control_headers(), timeout=10) as http:
        partner_id = int(world["shopee_partner"]["partner_id"])
        answer = http.post(
            f"shopee/partners/{partner_id}/push", json={"callback_url": f"{console_url}/push/shopee/{partner_id}/"}
        )
        answer.raise_for_status()
        done["shopee"].append(partner_id)
        for row in world["stores"]:
            if row["platform"] == "ozon":
                client_id = int(row["shop_id"])
                http.post(
                    f"ozon/sellers/{client_id}/push", json={"url": f"{console_url}/push/ozon/"}
                ).raise_for_status()
                done["ozon"].append(client_id)
    return done


def shopee_authorize_demo_shops(*, control_url: str | None = None) -> list[int]:
    """Demo: the simulated Shopee shops authorize the demo app as their sellers would, for every demo Shopee
    store without a usable authorization — none yet (a fresh demo), refused by the platform, or a sync paused
    for it (the simulators in the console forget tokens when it restarts). The seller's part (signing in to
    Shopee and agreeing) is the control API's authorization code; the rest is the console's real path:
    stores.authorization.shopee_authorize_callback exchanges the code through the real client, stores the
    tokens encrypted and audits store.authorize, credited to the demo's first super admin. Returns the
    authorized store ids; raises httpx.HTTPError when the simulators cannot be reached."""
    from orders.choices import SyncHealth
    from staff.models import Staff
    from stores.authorization import shopee_authorize_callback
    from stores.models import ShopeeApp, ShopeeCredential, Store

    control_url = str(control_url or getattr(settings, "SHOPCREW_SANDBOX_CONTROL_URL", "")).rstrip("/")
    world = demo_world()
    partner_id = int(world["shopee_partner"]["partner_id"])
    app = ShopeeApp.objects.filter(partner_id=partner_id).first()
    admin = Staff.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    shop_ids = [str(row["shop_id"]) for row in world["stores"] if row["platform"] == "shopee"]
    if app is None or admin is None or not shop_ids:
        return []
    usable = ShopeeCredential.objects.filter(store__shop_id__in=shop_ids, reauthorize_required=False).exclude(
        refresh_token=""
    )
    paused = {s for s in Store.objects.filter(sync_state__health=SyncHealth.PAUSED).values_list("pk", flat=True)}
    done = []
    stores = Store.objects.filter(platform="shopee", shop_id__in=shop_ids)
    with_credential = set(usable.values_list("store_id", flat=True))
    with httpx.Client(base_url=f"{control_url}/", headers=control_headers(), timeout=10) as http:
        for store in stores:
            if store.pk in with_credential and store.pk not in paused:
                continue
            answer = http.post(f"shopee/shops/{store.shop_id}/code", json={"partner_id": partner_id})
            answer.raise_for_status()
            shopee_authorize_callback(
                actor=admin, store=store, app=app, code=answer.json()["code"], shop_id=int(store.shop_id)
            )
            done.append(store.pk)
    return done


def seed_push_subscriptions(seed: Seed) -> None:
    """Register the demo pushes when the simulators can be reached now (they run inside the console in demo
    mode, which is not serving while seed_demo runs: then beat registers them once it is up)."""
    if not getattr(settings, "SHOPCREW_SANDBOX_CONTROL_URL", ""):
        return
    try:
        done = push_subscribe()
    except httpx.HTTPError as exc:
        logger.info("demo push subscriptions left to beat: the simulators are not reachable (%s)", type(exc).__name__)
        return
    seed.created("push subscriptions", len(done["shopee"]) + len(done["ozon"]))


# Then the demo stores' work settings (orders.work_demo): cases and orders dispatched to their staff in turn.
from .work_demo import seed_work_settings  # noqa: E402

SEED_STEPS = [seed_push_subscriptions, seed_work_settings]
