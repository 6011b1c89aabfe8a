"""What a verified push leads to: the store's push time recorded and a fetch of what it named queued.

A push only says "this changed"; the fetch reads the platform's API (orders.platforms), so a forged or
replayed push changes nothing the API does not say. Used by the receivers (orders.receivers) for live pushes
and by the lost-push recovery (orders.tasks.poll_lost_pushes) for the ones Shopee could not deliver.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db.models.expressions import RawSQL
from django.utils import timezone

from stores.choices import Platform
from stores.models import Store

from .models import SyncState
from .polling import sync_record_push

logger = logging.getLogger(__name__)

SHOPEE_ORDER_CODES = frozenset({3, 4})  # order status update, tracking number update
SHOPEE_DEAUTHORIZED = 2
SHOPEE_RETURN_STATUSES = frozenset({"TO_RETURN"})
OZON_POSTING_TYPES = frozenset(
    {
        "TYPE_NEW_POSTING",
        "TYPE_POSTING_CANCELLED",
        "TYPE_STATE_CHANGED",
        "TYPE_CUTOFF_DATE_CHANGED",
        "TYPE_DELIVERY_DATE_CHANGED",
    }
)
OZON_STOCK_TYPES = frozenset({"TYPE_STOCKS_CHANGED"})


def shopee_push_stores(shop_ids: Iterable[int]) -> dict[int, int]:
    """{shop_id: store_id} of our Shopee stores among the shop ids (one query)."""
    rows = Store.objects.filter(platform=Platform.SHOPEE, shop_id__in=[str(s) for s in shop_ids])
    return {int(shop_id): pk for pk, shop_id in rows.values_list("pk", "shop_id")}


def shopee_push_accept(*, store_id: int, code: int, data: dict) -> list[str]:
    """Record the push and queue what it calls for: codes 3/4 a fetch of the order (and of recent returns when
    the order turned to a return), code 2 (deauthorized) a poll, which finds out and pauses the store.
    Returns the names of the tasks queued."""
    from . import tasks

    sync_record_push(store_id=store_id)
    queued = []
    order_sn = data.get("ordersn") or data.get("order_sn") if isinstance(data, dict) else None
    if code in SHOPEE_ORDER_CODES and isinstance(order_sn, str) and order_sn:
        tasks.intake_fetch_order.delay(store_id, order_sn)
        queued.append(tasks.intake_fetch_order.name)
        if code == 3 and data.get("status") in SHOPEE_RETURN_STATUSES:
            tasks.intake_fetch_returns.delay(store_id)
            queued.append(tasks.intake_fetch_returns.name)
    elif code == SHOPEE_DEAUTHORIZED:
        tasks.poll_store.delay(store_id)
        queued.append(tasks.poll_store.name)
    return queued


def ozon_push_accept(*, store_id: int, message: dict) -> list[str]:
    """Record the push and queue a fetch of the posting it names (posting/fbs/get); a stocks push makes the
    next poll read the stocks. Returns the names of the tasks queued."""
    from . import tasks

    sync_record_push(store_id=store_id)
    kind = message.get("message_type")
    number = message.get("posting_number")
    if kind in OZON_POSTING_TYPES and isinstance(number, str) and number:
        tasks.intake_fetch_posting.delay(store_id, number)
        return [tasks.intake_fetch_posting.name]
    if kind in OZON_STOCK_TYPES:
        SyncState.objects.filter(store_id=store_id).update(cursors=RawSQL("cursors - 'stock'", []))
    return []


def ozon_push_store(seller_id) -> int | None:
    """Our Ozon store whose Client-Id is the push's seller_id, or None."""
    from stores.models import OzonCredential

    try:
        client_id = int(seller_id)
    except (TypeError, ValueError):
        return None
    return OzonCredential.objects.filter(client_id=client_id).values_list("store_id", flat=True).first()


def now_iso() -> str:
    return timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
