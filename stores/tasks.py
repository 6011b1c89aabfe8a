"""Background work for stores: keep Shopee access tokens fresh."""

from __future__ import annotations

import logging

from celery import shared_task

from core.tasks import AuditedTask

from .authorization import shopee_refresh_due, shopee_refresh_tokens
from .clients.errors import PlatformError
from .models import Store

logger = logging.getLogger(__name__)


@shared_task(base=AuditedTask, soft_time_limit=60, time_limit=90, ignore_result=True)
def refresh_due_shopee_tokens() -> int:
    """Beat task: queue a refresh for every Shopee shop whose access token expires within 30 minutes."""
    store_ids = list(shopee_refresh_due().values_list("store_id", flat=True)[:1000])
    for store_id in store_ids:
        refresh_shopee_tokens.delay(store_id)
    return len(store_ids)


class ShopeeRefreshTask(AuditedTask):
    """Retries a retryable platform error, after at least what the platform asked to wait."""

    retry_for = (PlatformError,)

    def is_transient(self, exc) -> bool:
        return exc.retryable

    def retry_countdown(self, exc) -> float:
        return max(exc.retry_after or 0, super().retry_countdown(exc))


@shared_task(base=ShopeeRefreshTask, soft_time_limit=90, time_limit=120, ignore_result=True, max_retries=5)
def refresh_shopee_tokens(store_id: int) -> None:
    """Refresh one shop's tokens (serialized per shop by the service); transient failures are retried with
    backoff. Final failures are already recorded by the service in the store's connection health."""
    store = Store.objects.filter(pk=store_id).first()
    if store is not None:
        shopee_refresh_tokens(store=store)
