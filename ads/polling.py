"""Polling the stores' ads: a dispatcher shares due stores among workers; each poll reads today's figures so far
and the closed days not read yet, and stores them (ads.services.reading_store).

- `ads_dispatch()` (beat, every minute) creates the AdsStore of active stores that lack one, claims due ones
  with `SELECT … FOR UPDATE SKIP LOCKED` (no store is claimed twice, whatever the number of dispatchers and
  workers), moves their next poll an interval on (SHOPCREW_ADS_POLL_INTERVAL, an hour by default: today's
  spend hourly, each closed day once, the day after) and queues their polls.
- `ads_poll(store_id)`: the store's platform day ("today": the shop's local date for Shopee, Moscow's for Ozon),
  the closed days after `closed_through` (the last 14 at a store's first poll, for its chart), one reading
  through the platform's adapter (ads.shopee, ads.ozon), stored in one transaction. A platform refusal or a
  malformed answer is recorded on the AdsStore (`failures`, `last_error`) and retried at the next poll; a store
  without ads credentials is marked not connected and asked again a day later.

Calls per store and hour (the published limits, platform-ads-apis.md): Shopee, a handful of shop calls (hourly
performance, the campaign list, settings and hourly figures per 100 campaigns, the balance) and a daily call
for the closed day; Ozon, a token every 30 minutes, the campaigns and one statistics call — far below Ozon's
100,000 requests a day per account, and no asynchronous report (one at a time per account) on the hourly path.
benchmarks/ads_polling_bench.py measures it for 1,000 stores.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orders.platforms import AuthorizationLost, NotConnected, store_session
from stores.choices import Platform, StoreStatus
from stores.clients.errors import PlatformError
from stores.clients.shopee_ads import AdsPermissionDenied
from stores.credentials import sanitize_error
from stores.models import Store

from .models import AdsStore
from .readings import AdsReading
from .services import reading_store

logger = logging.getLogger(__name__)

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")
FIRST_DAYS = 14  # closed days read at a store's first poll (the ads page's chart)
MAX_CATCH_UP = 31  # closed days read at most in one poll after a long pause
NOT_CONNECTED_RETRY = timedelta(hours=24)


def poll_interval() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "SHOPCREW_ADS_POLL_INTERVAL", 3600)))


def platform_now(store: Store, now: datetime) -> datetime:
    """The store's ads clock: the shop's local time for Shopee, Moscow's for Ozon's Performance statistics."""
    return now.astimezone(MOSCOW if store.platform == Platform.OZON else store.tzinfo)


def ads_states_ensure(*, now: datetime) -> int:
    """An AdsStore, due now, for each active store without one (one statement each way)."""
    missing = Store.objects.filter(status=StoreStatus.ACTIVE, ads__isnull=True).values_list("pk", flat=True)
    rows = [AdsStore(store_id=pk, next_poll_at=now) for pk in missing]
    AdsStore.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def ads_claim_due(*, now: datetime, limit: int = 500) -> list[int]:
    with transaction.atomic():
        claimed = list(
            AdsStore.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(next_poll_at__lte=now, store__status=StoreStatus.ACTIVE)
            .order_by("next_poll_at")
            .values_list("pk", "store_id")[:limit]
        )
        if claimed:
            AdsStore.objects.filter(pk__in=[pk for pk, _ in claimed]).update(next_poll_at=now + poll_interval())
    return [store_id for _, store_id in claimed]


def ads_dispatch(*, queue: Callable[[list[int]], object], now: datetime | None = None, per_task: int = 20) -> int:
    """Claim every due store (batches of 500) and queue their polls `per_task` at a time; how many were queued."""
    now = now or timezone.now()
    ads_states_ensure(now=now)
    queued = 0
    while True:
        store_ids = ads_claim_due(now=now)
        for start in range(0, len(store_ids), per_task):
            queue(store_ids[start : start + per_task])
        queued += len(store_ids)
        if len(store_ids) < 500:
            return queued


@dataclass
class PollResult:
    outcome: str  # "ok", "not_connected", "failed", "missing"
    reading: AdsReading | None = None
    events: list[int] | None = None


def closed_days_due(ads: AdsStore, today: date) -> list[date]:
    yesterday = today - timedelta(days=1)
    first = yesterday - timedelta(days=FIRST_DAYS - 1) if ads.closed_through is None else ads.closed_through
    if ads.closed_through is not None:
        first += timedelta(days=1)
    first = max(first, yesterday - timedelta(days=MAX_CATCH_UP - 1))
    return [first + timedelta(days=n) for n in range((yesterday - first).days + 1)]


def read(store: Store, *, today: date, closed_days: list[date]) -> AdsReading:
    """One reading through the store's platform adapter."""
    if store.platform == Platform.SHOPEE:
        session = store_session(store)  # NotConnected / AuthorizationLost before anything is asked
        from . import shopee

        return shopee.read(session, today=today, closed_days=closed_days)
    from . import ozon

    return ozon.read(store, today=today, closed_days=closed_days)


def ads_poll(*, store_id: int, now: datetime | None = None) -> PollResult:
    now = now or timezone.now()
    store = Store.objects.filter(pk=store_id).first()
    ads = AdsStore.objects.filter(store_id=store_id).first()
    if store is None or ads is None:
        return PollResult("missing")
    local = platform_now(store, now)
    today = local.date()
    try:
        reading = read(store, today=today, closed_days=closed_days_due(ads, today))
    except NotConnected:
        AdsStore.objects.filter(pk=ads.pk).update(
            connected=False, last_error="", next_poll_at=now + NOT_CONNECTED_RETRY
        )
        return PollResult("not_connected")
    except AdsPermissionDenied as exc:  # the app was not granted the ads API: nothing to read until it is
        AdsStore.objects.filter(pk=ads.pk).update(
            connected=False, last_error=sanitize_error(exc)[:500], next_poll_at=now + NOT_CONNECTED_RETRY
        )
        return PollResult("not_connected")
    except (AuthorizationLost, PlatformError) as exc:
        _failed(ads, exc)
        return PollResult("failed")
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:  # a malformed answer
        logger.warning("ads poll of store %s: malformed answer (%s)", store_id, type(exc).__name__)
        _failed(ads, exc)
        return PollResult("failed")
    currency = store_currency(store)
    ids = reading_store(
        store=store, reading=reading, today=today, hour=local.hour, minute=local.minute, currency=currency, now=now
    )
    return PollResult("ok", reading, ids)


def _failed(ads: AdsStore, exc: Exception) -> None:
    message = sanitize_error(exc)[:500] or type(exc).__name__
    AdsStore.objects.filter(pk=ads.pk).update(failures=ads.failures + 1, last_error=message)


SITE_CURRENCIES = {
    "SG": "SGD", "MY": "MYR", "TH": "THB", "ID": "IDR", "VN": "VND", "PH": "PHP", "TW": "TWD", "BR": "BRL",
    "MX": "MXN", "CO": "COP", "CL": "CLP", "RU": "RUB",
}  # fmt: skip


def store_currency(store: Store) -> str:
    """The currency the store's ads are billed in: roubles for Ozon, the shop's site's currency for Shopee."""
    if store.platform == Platform.OZON:
        return "RUB"
    return SITE_CURRENCIES.get(store.site, "")
