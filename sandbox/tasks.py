"""The demo's heartbeat: in demo mode, beat asks the simulated shops to keep producing (POST /control/demo/tick).

Demo only: the beat entry exists only with SHOPCREW_DEMO on (config/settings/base.py), and the task does nothing
without settings.SHOPCREW_SANDBOX_CONTROL_URL (bin/run sets it to the console's own /sandbox/control), where it
presents the console's control token (settings.SHOPCREW_SANDBOX_CONTROL_TOKEN; people need a super admin's session). Like every
caller of the simulators it speaks HTTP only and imports nothing else of ShopCrew, so it is a plain Celery task
with its own soft and hard time limits rather than core.tasks.AuditedTask: it changes no console data and has
nobody to credit. A tick that fails is logged and forgotten; the next one comes 20 seconds later.
"""

from __future__ import annotations

import logging

import httpx
from celery import shared_task
from django.conf import settings

from .control import auth_headers

logger = logging.getLogger(__name__)


@shared_task(soft_time_limit=20, time_limit=30, ignore_result=True)
def demo_tick() -> dict | None:
    """One tick: new orders and postings paid before the next tick, returns, restocks; then the pushes."""
    base = getattr(settings, "SHOPCREW_SANDBOX_CONTROL_URL", "")
    if not (getattr(settings, "SHOPCREW_DEMO", False) and base):
        return None
    try:
        # paid before the next tick, whose push flush then announces them: a steady flow from the first minute
        within = int(getattr(settings, "SHOPCREW_DEMO_TICK_SECONDS", 20))
        token = getattr(settings, "SHOPCREW_SANDBOX_CONTROL_TOKEN", "")
        response = httpx.post(f"{base}/demo/tick", json={"within": within}, headers=auth_headers(token), timeout=15)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        logger.warning("demo tick failed: %s", type(exc).__name__)
        return None
    answer = response.json()
    made = sum(len(s["orders"]) for s in answer["shopee"].values()) + sum(
        len(s["postings"]) for s in answer["ozon"].values()
    )
    logger.info("demo tick: %d new orders and postings", made)
    return {"orders": made}
