"""Intake and polling tasks (queues: orders.tasks.intake_* → intake, orders.tasks.poll_* → polling).

Thin: take ids, call orders.platforms / orders.polling, retry transient platform errors with backoff.
- intake_fetch_order(store_id, order_sn) / intake_fetch_posting(store_id, posting_number) /
  intake_fetch_returns(store_id): what a push named, read from the API and upserted (events in the same
  transaction).
- poll_dispatch (beat, every minute): claims due stores and queues poll_stores(store_ids), a few per task.
- poll_stores(store_ids) / poll_store(store_id): every stream of each store from its cursors (threads overlap
  the stores' waits); records each store's sync health.
- poll_lost_pushes (beat): Shopee's missed pushes per app, handled like live ones, then confirmed.
- poll_auth_expiring (beat, daily): store.auth_expiring for Shopee authorizations ending within 7 days.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from core.tasks import AuditedTask
from stores.clients.errors import PlatformError
from stores.models import Store

from . import platforms, polling

logger = logging.getLogger(__name__)


class IntakeTask(AuditedTask):
    """Retries a retryable platform error (after at least what the platform asked to wait); a refused
    authorization pauses the store's sync instead (alerted once); a store never connected is ignored."""

    retry_for = (PlatformError,)
    retry_backoff = 5

    def is_transient(self, exc) -> bool:
        return bool(getattr(exc, "retryable", False))

    def retry_countdown(self, exc) -> float:
        return max(exc.retry_after or 0, super().retry_countdown(exc))

    def on_final_failure(self, exc):
        store_id = self.request.args[0] if self.request.args else None
        if isinstance(exc, platforms.AuthorizationLost) and store_id is not None:
            polling.sync_record_paused(store_id=store_id, error=str(exc))
        elif not isinstance(exc, platforms.NotConnected):
            logger.warning("%s for store %s failed for good: %s", self.name, store_id, exc)
        return None


def _store(store_id: int) -> Store | None:
    return Store.objects.filter(pk=store_id).first()


@shared_task(base=IntakeTask, soft_time_limit=30, time_limit=45, ignore_result=True, max_retries=5)
def intake_fetch_order(store_id: int, order_sn: str) -> int:
    """A Shopee order a push named: read it (and its tracking number) and upsert it. Returns events written."""
    store = _store(store_id)
    return len(platforms.order_fetch(store=store, order_sns=[order_sn]).events) if store else 0


@shared_task(base=IntakeTask, soft_time_limit=30, time_limit=45, ignore_result=True, max_retries=5)
def intake_fetch_posting(store_id: int, posting_number: str) -> int:
    """An Ozon FBS posting a push named: read it (posting/fbs/get) and upsert it. Returns events written."""
    store = _store(store_id)
    return len(platforms.posting_fetch(store=store, posting_number=posting_number).events) if store else 0


@shared_task(base=IntakeTask, soft_time_limit=60, time_limit=90, ignore_result=True, max_retries=5)
def intake_fetch_returns(store_id: int) -> int:
    """The store's returns updated within the poll overlap window (an order turned to a return)."""
    store = _store(store_id)
    if store is None:
        return 0
    since = timezone.now() - polling.overlap()
    return len(platforms.returns_fetch(store=store, since=since).events)


@shared_task(base=AuditedTask, soft_time_limit=50, time_limit=60, ignore_result=True)
def poll_dispatch() -> int:
    """Beat, every minute: claim due stores (skip locked, committed) and queue poll_stores for them, a few
    stores per task. Returns how many stores were queued."""
    return polling.sync_dispatch(queue=poll_stores.delay)


@shared_task(base=AuditedTask, soft_time_limit=240, time_limit=300, ignore_result=True)
def poll_stores(store_ids: list[int]) -> dict:
    """Poll a few stores in this worker process, their waits overlapped (orders.polling.stores_poll); each
    outcome is recorded in the store's SyncState. Returns {store_id: outcome}."""
    return {str(k): v for k, v in polling.stores_poll(store_ids=store_ids).items()}


@shared_task(base=AuditedTask, soft_time_limit=240, time_limit=300, ignore_result=True)
def poll_store(store_id: int) -> str:
    """Poll one store's streams from their cursors; the outcome (ok, failing, paused, …) is recorded in its
    SyncState by orders.polling, never raised."""
    return polling.store_poll(store_id=store_id).outcome


@shared_task(base=AuditedTask, soft_time_limit=120, time_limit=150, ignore_result=True)
def poll_lost_pushes() -> int:
    """Beat: each active Shopee app's missed pushes (get_lost_push_message), handled like live ones, then
    confirmed up to the last message id. Returns how many messages were handled."""
    from .recovery import lost_pushes_recover

    return lost_pushes_recover()


@shared_task(base=AuditedTask, soft_time_limit=120, time_limit=150, ignore_result=True)
def poll_auth_expiring() -> int:
    """Beat, daily: store.auth_expiring for every Shopee store whose authorization ends within 7 days (once per
    store and expiry date). Returns how many events were new."""
    from .recovery import auth_expiring_announce

    return auth_expiring_announce(within=timedelta(days=7))


@shared_task(base=AuditedTask, soft_time_limit=30, time_limit=45, ignore_result=True)
def poll_demo_push_subscriptions() -> dict | None:
    """Demo mode only (beat entry with SHOPCREW_DEMO): keep the simulators' push subscriptions pointing at our
    receivers (orders.demo.push_subscribe) and the demo Shopee shops authorized (orders.demo.
    shopee_authorize_demo_shops); without SHOPCREW_SANDBOX_CONTROL_URL, or unreachable, nothing."""
    import httpx
    from django.conf import settings

    from .demo import push_subscribe, shopee_authorize_demo_shops

    if not (getattr(settings, "SHOPCREW_DEMO", False) and getattr(settings, "SHOPCREW_SANDBOX_CONTROL_URL", "")):
        return None
    try:
        return {**push_subscribe(), "authorized": shopee_authorize_demo_shops()}
    except httpx.HTTPError as exc:
        logger.warning("demo push subscriptions: %s", type(exc).__name__)
        return None
