"""Catching up with what pushes missed, and warning before a Shopee authorization ends.

- `lost_pushes_recover()`: for every active Shopee app, the pushes Shopee could not deliver
  (get_lost_push_message, up to 100 a page) are handled as live ones (orders.pushes), then confirmed with
  confirm_consumed_lost_push_message up to the page's last message id; repeated while Shopee has more.
- `auth_expiring_announce()`: store.auth_expiring for each Shopee store whose authorization ends within the
  window, once per store and expiry date (the date is in the dedupe key: a re-authorization that moves the
  date warns again when the new date nears).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

import events
from events.choices import EventKind
from events.services import EventRow
from stores import authorization as auth
from stores.clients.errors import PlatformError
from stores.models import ShopeeApp, ShopeeCredential

from .pushes import shopee_push_accept, shopee_push_stores

logger = logging.getLogger(__name__)

MAX_LOST_PAGES = 50  # 5,000 messages per app and run; the next run continues


def lost_pushes_recover(*, apps=None) -> int:
    """Handle and confirm every app's missed pushes; an app whose call fails is logged and left for the next
    run (nothing confirmed that was not handled). Returns the number of messages handled."""
    handled = 0
    for app in apps if apps is not None else ShopeeApp.objects.filter(is_active=True):
        try:
            handled += _recover_app(app)
        except PlatformError as exc:
            logger.warning("lost pushes of Shopee app %s: %s", app.partner_id, exc)
    return handled


def _recover_app(app: ShopeeApp) -> int:
    handled = 0
    with auth.shopee_client(app) as client:
        for _ in range(MAX_LOST_PAGES):
            page = client.get_lost_push_message()
            if not page.messages:
                break
            stores = shopee_push_stores({m.shop_id for m in page.messages if m.shop_id is not None})
            for message in page.messages:
                store_id = stores.get(message.shop_id) if message.shop_id is not None else None
                if store_id is not None:
                    shopee_push_accept(store_id=store_id, code=message.code, data=message.data)
                handled += 1
            client.confirm_consumed_lost_push_message(page.last_message_id)
            if not page.has_next_page:
                break
    return handled


def auth_expiring_announce(*, within: timedelta = timedelta(days=7), now: datetime | None = None) -> int:
    """One store.auth_expiring per Shopee store whose authorization ends within `within` (not yet ended), once
    per store and expiry date. Returns the number of events that were new."""
    now = now or timezone.now()
    credentials = (
        ShopeeCredential.objects.exclude(refresh_token="")
        .filter(authorization_expires_at__gt=now, authorization_expires_at__lte=now + within)
        .select_related("store")
    )
    rows = []
    for credential in credentials:
        store, ends = credential.store, credential.authorization_expires_at
        assert ends is not None  # filtered above
        day = timezone.localtime(ends, store.tzinfo).date().isoformat()
        payload = {
            "store": store.name,
            "store_id": store.pk,
            "platform": store.platform,
            "expires_at": ends.isoformat(),
            "days_left": max(0, (ends - now).days),
        }
        key = f"{EventKind.STORE_AUTH_EXPIRING}:{store.pk}:{day}"
        rows.append(EventRow(EventKind.STORE_AUTH_EXPIRING, store.pk, key, payload, now))
    if not rows:
        return 0
    with transaction.atomic():
        return len(events.emit_many(rows))
