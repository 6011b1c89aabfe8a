"""The platform side of intake: an authorized client per store, and fetching what a push said had changed.

`store_session(store)` hands back a `ShopeeSession` or an `OzonSession` with the store's credential (Shopee's
access token refreshed when it is due), or raises `NotConnected` for a store never connected and
`AuthorizationLost` when the platform refuses the store's authorization (after one forced token refresh for
Shopee). The fetches (`order_fetch`, `posting_fetch`, `returns_fetch`) read the platform and write through
the batched upserts of orders.services, so a forged or replayed push changes nothing the API does not say.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from stores import authorization as auth
from stores.choices import Platform
from stores.clients.errors import AuthExpired, InvalidCredentials, NotFound, PlatformError
from stores.clients.http import RetryPolicy
from stores.clients.ozon import OzonClient
from stores.clients.shopee import ShopeeClient, ShopeeShopClient
from stores.credentials import sanitize_error
from stores.models import OzonCredential, ShopeeCredential, Store

from . import normalize
from .models import Order
from .services import PageResult, cases_upsert_page, orders_upsert_page

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Shopee statuses after which a tracking number may exist (get_tracking_number is asked only for these).
SHOPEE_TRACKED = frozenset({"PROCESSED", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED"})


class NotConnected(PlatformError):
    """The store has no credential to call the platform with; nothing to poll until a person connects it."""


class AuthorizationLost(PlatformError):
    """The platform refused the store's authorization or keys: expired, revoked, or refused after a refresh."""


def chunks(values: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of up to `size` values from any iterable (a lazy platform iterator stays lazy)."""
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def safe_rows(values: Iterable, convert: Callable, *, store_id: int, what: str) -> list:
    """`convert` applied to each value; a value it cannot convert is skipped and logged, the rest go on."""
    rows = []
    for value in values:
        try:
            row = convert(value)
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError, PlatformError) as exc:
            logger.warning("store %s: skipped a malformed %s (%s)", store_id, what, type(exc).__name__)
            continue
        rows.extend(row if isinstance(row, list) else [row])
    return rows


def call_retry() -> RetryPolicy:
    """Attempts per platform call during intake (SHOPCREW_INTAKE_CALL_ATTEMPTS, default 2): a poll that still
    fails is backed off by the sync health, a fetch by its task's retries, so one quick repeat is enough."""
    return RetryPolicy(attempts=max(1, int(getattr(settings, "SHOPCREW_INTAKE_CALL_ATTEMPTS", 2))))


# --- sessions -----------------------------------------------------------------------------------------


@dataclass
class ShopeeSession:
    """A Shopee shop client for one store; `run(work)` repeats `work` once with a forced token refresh when
    Shopee calls the token expired, and raises AuthorizationLost when that does not help."""

    store: Store
    credential: ShopeeCredential

    def client(self) -> ShopeeShopClient:
        app = self.credential.app
        partner = ShopeeClient.from_settings(
            partner_id=app.partner_id, partner_key=app.partner_key, http_client=auth.shared_http(), retry=call_retry()
        )
        return partner.shop(shop_id=int(self.store.shop_id), access_token=self.credential.access_token)

    def run(self, work: Callable[[ShopeeShopClient], T]) -> T:
        try:
            return work(self.client())
        except AuthExpired:
            pass
        try:
            self.credential = auth.shopee_refresh_tokens(store=self.store, force=True)
            return work(self.client())
        except (AuthExpired, InvalidCredentials, auth.NotAuthorized) as exc:
            raise AuthorizationLost(self.secret_free(exc), platform="shopee") from None

    def secret_free(self, exc: BaseException) -> str:
        secrets = (self.credential.access_token, self.credential.refresh_token, self.credential.app.partner_key)
        return sanitize_error(exc, secrets=secrets)


@dataclass
class OzonSession:
    """An Ozon client for one store; a refusal of the keys (401/403, unknown key) is AuthorizationLost."""

    store: Store
    credential: OzonCredential

    def client(self) -> OzonClient:
        return OzonClient.from_settings(
            client_id=self.credential.client_id,
            api_key=self.credential.api_key,
            http_client=auth.shared_http(),
            retry=call_retry(),
        )

    def run(self, work: Callable[[OzonClient], T]) -> T:
        try:
            return work(self.client())
        except InvalidCredentials as exc:
            raise AuthorizationLost(self.secret_free(exc), platform="ozon") from None

    def secret_free(self, exc: BaseException) -> str:
        return sanitize_error(exc, secrets=(self.credential.api_key,))


def _credential(store: Store, name: str):
    """The store's credential of that kind (cached when the caller select_related it), or None."""
    try:
        return getattr(store, name)
    except ObjectDoesNotExist:
        return None


def store_session(store: Store) -> ShopeeSession | OzonSession:
    """The store's authorized session (a Shopee access token due within 30 minutes is refreshed first)."""
    if store.platform == Platform.SHOPEE:
        credential = _credential(store, "shopee_credential")
        if credential is None or not credential.refresh_token:
            raise NotConnected("the shop is not authorized", platform="shopee")
        if credential.reauthorize_required:
            raise AuthorizationLost("Shopee refused the refresh token: authorize the shop again", platform="shopee")
        due = (
            credential.access_expires_at is None or credential.access_expires_at <= timezone.now() + auth.REFRESH_MARGIN
        )
        try:
            credential = auth.shopee_refresh_tokens(store=store) if due else credential
        except (InvalidCredentials, auth.NotAuthorized) as exc:
            raise AuthorizationLost(
                sanitize_error(exc, secrets=(credential.refresh_token,)), platform="shopee"
            ) from None
        return ShopeeSession(store=store, credential=credential)
    credential = _credential(store, "ozon_credential")
    if credential is None:
        raise NotConnected("the store has no Ozon API keys", platform="ozon")
    return OzonSession(store=store, credential=credential)


# --- fetching what a push named -----------------------------------------------------------------------


def shopee_order_rows(client: ShopeeShopClient, details, *, store_id: int) -> list[normalize.OrderRow]:
    """Normalized rows of order details; a tracking number is asked for (once) where the order may have one
    and we do not know it yet. A detail that cannot be normalized is skipped and logged."""
    sns = [d.order_sn for d in details if d.order_status in SHOPEE_TRACKED]
    known = set(
        Order.objects.filter(store_id=store_id, order_id__in=sns)
        .exclude(tracking_number="")
        .values_list("order_id", flat=True)
    )
    rows = []
    for detail in details:
        tracking = ""
        if detail.order_status in SHOPEE_TRACKED and detail.order_sn not in known:
            try:
                tracking = client.get_tracking_number(detail.order_sn).tracking_number
            except (NotFound, PlatformError) as exc:
                if isinstance(exc, AuthExpired):
                    raise
                logger.info("store %s: no tracking number for %s yet (%s)", store_id, detail.order_sn, exc.code)
        rows.extend(
            safe_rows(
                [detail],
                lambda d, t=tracking: normalize.shopee_order(d, tracking_number=t),
                store_id=store_id,
                what="Shopee order",
            )
        )
    return rows


def order_fetch(*, store: Store, order_sns: Iterable[str], announce: bool = True) -> PageResult:
    """Read named Shopee orders from the API (get_order_detail, tracking numbers) and upsert them in one page.
    Orders Shopee does not know are left out."""
    session = store_session(store)
    assert isinstance(session, ShopeeSession)
    sns = list(dict.fromkeys(order_sns))

    def work(client: ShopeeShopClient) -> list:
        try:
            skipped: list[str] = []
            details = client.get_order_detail(sns, skipped=skipped)
            if skipped:
                logger.warning("store %s: skipped malformed orders %s", store.pk, skipped)
        except NotFound:
            return []
        return shopee_order_rows(client, details, store_id=store.pk)

    rows = session.run(work)
    return orders_upsert_page(store=store, rows=rows, announce=announce) if rows else PageResult()


def posting_fetch(*, store: Store, posting_number: str) -> PageResult:
    """Read one Ozon FBS posting (posting/fbs/get) and upsert it; an unknown posting changes nothing."""
    session = store_session(store)
    assert isinstance(session, OzonSession)

    def work(client: OzonClient):
        try:
            return client.get_fbs_posting(posting_number)
        except NotFound:
            return None

    posting = session.run(work)
    if posting is None:
        return PageResult()
    rows = safe_rows([posting], normalize.ozon_order, store_id=store.pk, what="Ozon posting")
    return orders_upsert_page(store=store, rows=rows) if rows else PageResult()


def returns_fetch(*, store: Store, since: datetime, until: datetime | None = None) -> PageResult:
    """Read the store's returns updated in [since, until] and upsert them (a return push, or an order
    that turned to a return); pages of 100."""
    session = store_session(store)
    until = until or timezone.now()
    total = PageResult()

    def work(client):
        convert: Callable[[Any], normalize.CaseRow]
        if isinstance(session, ShopeeSession):
            found = client.get_return_list(time_from=since, time_to=until, time_range_field="update_time")
            convert = normalize.shopee_case
        else:
            found = client.iter_returns(time_from=since, time_to=until, date_field="visual_status_change_moment")
            convert = normalize.ozon_case
        for batch in chunks(found, 100):
            result = cases_upsert_page(store=store, rows=safe_rows(batch, convert, store_id=store.pk, what="return"))
            total.inserted += result.inserted
            total.updated += result.updated
            total.events += result.events

    session.run(work)
    return total
