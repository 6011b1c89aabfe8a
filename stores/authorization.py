"""Shop authorization and connection health: Shopee tokens, Ozon keys, "test connection", expiry warnings.

Shopee: the console sends an admin to Shopee's authorization page with a signed link; Shopee sends the
browser back to our callback with a single-use `code`, which is traded for the shop's tokens. The
access token lives 4 hours; the refresh token is single use, so refreshes are serialized per shop
with a Redis lock and the new refresh token is stored in the same transaction that spent the old one.

Ozon: the Client-Id and Api-Key are verified with one cheap call before they are saved.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import httpx
import redis
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import record
from core.crypto import mask

from .choices import Platform
from .clients.errors import AuthExpired, InvalidCredentials, PlatformError
from .clients.http import DEFAULT_TIMEOUT
from .clients.shopee import ShopeeClient
from .credentials import (
    connection_record,
    ozon_credentials_save,
    require_settings_manage,
    sanitize_error,
    secret_changes,
)
from .models import OzonCredential, ShopeeApp, ShopeeCredential, Store

logger = logging.getLogger(__name__)

AUTHORIZATION_LIFETIME = timedelta(days=365)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)
AUTHORIZATION_WARNING = timedelta(days=14)
REFRESH_UNUSED_WARNING = timedelta(days=25)
REFRESH_MARGIN = timedelta(minutes=30)
LOCK_TIMEOUT = 60  # seconds a refresh may hold the per-shop lock (longer than the client's timeouts)
LOCK_WAIT = 30  # seconds a second worker waits for the lock before giving up


class RefreshBusy(PlatformError):
    """Another worker held the shop's refresh lock for too long; try again later."""

    default_retryable = True


class NotAuthorized(PlatformError):
    """The store has no usable authorization or keys; a person has to connect it first."""


# --------------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _http_for(pid: int) -> httpx.Client:
    return httpx.Client(timeout=DEFAULT_TIMEOUT, follow_redirects=False)


def shared_http() -> httpx.Client:
    """One pooled HTTP connection set per process (building a client costs ~0.1 s of TLS setup)."""
    return _http_for(os.getpid())


def shopee_client(app: ShopeeApp) -> ShopeeClient:
    """A Shopee partner client for the app, talking to settings.SHOPEE_BASE_URL."""
    return ShopeeClient.from_settings(partner_id=app.partner_id, partner_key=app.partner_key, http_client=shared_http())


def ozon_client(*, client_id: int, api_key: str):
    """An Ozon Seller API client for the keys, talking to settings.OZON_BASE_URL."""
    from .clients.ozon import OzonClient

    return OzonClient.from_settings(client_id=client_id, api_key=api_key, http_client=shared_http())


@lru_cache(maxsize=4)
def _redis_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def redis_client() -> redis.Redis:
    """The Redis connection for locks (settings.REDIS_URL)."""
    return _redis_for(settings.REDIS_URL)


def refresh_lock_name(store_id: int) -> str:
    return f"shopcrew:stores:shopee-refresh:{store_id}"


# --------------------------------------------------------------------------------------------
# Shopee authorization
# --------------------------------------------------------------------------------------------


def shopee_apps_available() -> QuerySet[ShopeeApp]:
    """Active Shopee apps a store can be authorized through."""
    return ShopeeApp.objects.filter(is_active=True).order_by("name")


def shopee_authorization_link(*, actor, store: Store, app: ShopeeApp, redirect_url: str) -> str:
    """The signed link to Shopee's authorization page for this store (valid 5 minutes).

    `redirect_url` is our callback, carrying the signed state that binds the answer to this store.
    """
    require_settings_manage(actor=actor, store=store)
    _require_shopee(store)
    with shopee_client(app) as client:
        return client.auth_link(redirect=redirect_url)


def shopee_authorize_callback(*, actor, store: Store, app: ShopeeApp, code: str, shop_id: int) -> ShopeeCredential:
    """Trade the callback's single-use `code` for the shop's tokens and store them, encrypted.

    The shop Shopee reports must be this store's shop. The authorization lasts 365 days from now;
    the token exchange counts as a successful call. Audited as store.authorize (tokens as "changed").
    """
    require_settings_manage(actor=actor, store=store)
    _require_shopee(store)
    if str(shop_id) != str(store.shop_id):
        raise ValidationError(
            _(
                "Shopee authorized shop %(got)s, but this store is shop %(want)s. "
                "Sign in to Shopee as the seller of this store and try again."
            )
            % {"got": shop_id, "want": store.shop_id}
        )
    with shopee_client(app) as client:
        try:
            token = client.get_token(code, int(store.shop_id))
        except PlatformError as exc:
            logger.warning(
                "Shopee token exchange failed for store %s: %s", store.pk, sanitize_error(exc, secrets=(code,))
            )
            raise ValidationError(
                _("Shopee did not accept the authorization: %(error)s")
                % {"error": sanitize_error(exc, secrets=(code,))}
            ) from None
    now = timezone.now()
    with transaction.atomic():
        credential = ShopeeCredential.objects.select_for_update().filter(store=store).first()
        old = {"access_token": credential.access_token, "refresh_token": credential.refresh_token} if credential else {}
        credential = credential or ShopeeCredential(store=store, app=app)
        credential.app = app
        _apply_token(credential, token, now=now)
        credential.authorized_at, credential.authorization_expires_at = now, now + AUTHORIZATION_LIFETIME
        credential.authorized_by, credential.reauthorize_required = actor, False
        credential.last_checked_at = credential.last_success_at = now
        credential.last_error, credential.last_error_at = "", None
        credential.save()
        before, after = secret_changes(old, {"access_token": token.access_token, "refresh_token": token.refresh_token})
        after.update(app=app.pk, authorization_expires_at=credential.authorization_expires_at.isoformat())
        record(
            "store.authorize",
            target=credential,
            store=store,
            before=before if old else None,
            after=after,
            target_label=str(store),
        )
    return credential


def shopee_deauthorize(*, actor, store: Store, reason: str = "") -> None:
    """Forget the store's Shopee tokens (the seller may also cancel on Shopee's side). Audited store.deauthorize."""
    require_settings_manage(actor=actor, store=store)
    with transaction.atomic():
        credential = ShopeeCredential.objects.select_for_update().filter(store=store).first()
        if credential is None or not credential.refresh_token:
            raise ValidationError(_("This store is not authorized."))
        before = {"access_token": "set", "refresh_token": "set"}
        credential.access_token = credential.refresh_token = ""
        credential.access_expires_at = credential.refresh_expires_at = credential.authorization_expires_at = None
        credential.save()
        record(
            "store.deauthorize",
            target=credential,
            store=store,
            before=before,
            after={"access_token": "", "refresh_token": ""},
            reason=reason,
            target_label=str(store),
        )


def _apply_token(credential: ShopeeCredential, token, *, now: datetime) -> None:
    credential.access_token, credential.refresh_token = token.access_token, token.refresh_token
    credential.access_expires_at = now + timedelta(seconds=token.expire_in)
    credential.refresh_issued_at, credential.refresh_expires_at = now, now + REFRESH_TOKEN_LIFETIME


def _require_shopee(store: Store) -> None:
    if store.platform != Platform.SHOPEE:
        raise ValidationError(_("Only a Shopee store is authorized on Shopee."))


def shopee_refresh_tokens(*, store: Store, force: bool = False, margin: timedelta = REFRESH_MARGIN) -> ShopeeCredential:
    """Refresh the shop's tokens when the access token expires within `margin` (or always, with `force`).

    Serialized per shop: a Redis lock (none where the runtime has no Redis, settings.SHOPCREW_RATE_LIMITER
    "database"), then the row re-read under select_for_update. A worker that
    finds the refresh already done by another (the token now outlives the margin, or was issued while
    it waited) spends nothing. The new pair is stored in the transaction that spent the old refresh
    token. Refused refresh tokens flag the store for re-authorization; failures are recorded in the
    connection health and raised (typed PlatformError; `retryable` tells the caller whether to retry).
    """
    started = timezone.now()
    if getattr(settings, "SHOPCREW_RATE_LIMITER", "redis") == "database":
        # No Redis on this machine (bin/run's fallback): the row lock of _refresh_locked serializes alone.
        return _refresh_locked(store=store, force=force, margin=margin, started=started)
    lock = redis_client().lock(refresh_lock_name(store.pk), timeout=LOCK_TIMEOUT, blocking_timeout=LOCK_WAIT)
    if not lock.acquire():
        raise RefreshBusy("another worker is refreshing this shop's tokens", platform="shopee")
    try:
        return _refresh_locked(store=store, force=force, margin=margin, started=started)
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:
            logger.warning("Shopee refresh lock for store %s expired before release", store.pk)


def _refresh_locked(*, store: Store, force: bool, margin: timedelta, started: datetime) -> ShopeeCredential:
    failure: PlatformError | None = None
    with transaction.atomic():
        credential = ShopeeCredential.objects.select_for_update().select_related("app", "store").get(store=store)
        now = timezone.now()
        if not credential.refresh_token or credential.reauthorize_required:
            raise NotAuthorized("the shop has no usable refresh token; authorize it again", platform="shopee")
        refreshed_meanwhile = credential.refresh_issued_at is not None and credential.refresh_issued_at >= started
        still_valid = credential.access_expires_at is not None and credential.access_expires_at > now + margin
        if refreshed_meanwhile or (still_valid and not force):
            return credential
        try:
            with shopee_client(credential.app) as client:
                token = client.refresh_access_token(credential.refresh_token, int(store.shop_id))
        except PlatformError as exc:
            failure = exc
            if isinstance(exc, InvalidCredentials):
                credential.reauthorize_required = True
                credential.save(update_fields=["reauthorize_required", "updated_at"])
            connection_record(credential=credential, ok=False, error=exc, at=now)
        else:
            _apply_token(credential, token, now=now)
            credential.save(
                update_fields=[
                    "access_token",
                    "refresh_token",
                    "access_expires_at",
                    "refresh_issued_at",
                    "refresh_expires_at",
                    "updated_at",
                ]
            )
            connection_record(credential=credential, ok=True, at=now)
    if failure is not None:
        logger.warning(
            "Shopee token refresh failed for store %s: %s",
            store.pk,
            sanitize_error(failure, secrets=(credential.refresh_token, credential.access_token)),
        )
        raise failure
    return credential


def shopee_refresh_due(
    *, within: timedelta = REFRESH_MARGIN, now: datetime | None = None
) -> QuerySet[ShopeeCredential]:
    """Authorized Shopee shops whose access token expires within `within` (the beat task's work list)."""
    now = now or timezone.now()
    return (
        ShopeeCredential.objects.exclude(refresh_token="")
        .filter(reauthorize_required=False)
        .filter(Q(access_expires_at__isnull=True) | Q(access_expires_at__lte=now + within))
        .order_by("access_expires_at")
    )


# --------------------------------------------------------------------------------------------
# Ozon keys
# --------------------------------------------------------------------------------------------


def ozon_verify_and_save(*, actor, store: Store, client_id: int, api_key: str) -> OzonCredential:
    """Verify the keys with one cheap Ozon call, then save them (encrypted, audited as
    store.credentials_change). Keys Ozon refuses are not saved: ValidationError with Ozon's reason.
    """
    require_settings_manage(actor=actor, store=store)
    if store.platform != Platform.OZON:
        raise ValidationError(_("Only an Ozon store takes Ozon API keys."))
    try:
        with ozon_client(client_id=client_id, api_key=api_key) as client:
            client.verify()
    except InvalidCredentials as exc:
        raise ValidationError(
            _("Ozon refused these keys: %(error)s") % {"error": sanitize_error(exc, secrets=(api_key,))}
        ) from None
    except PlatformError as exc:
        raise ValidationError(
            _("Ozon could not be reached to check the keys (%(error)s). Nothing was saved; try again.")
            % {"error": sanitize_error(exc, secrets=(api_key,))}
        ) from None
    return ozon_credentials_save(
        actor=actor, store=store, client_id=client_id, api_key=api_key, verified_at=timezone.now()
    )


# --------------------------------------------------------------------------------------------
# Test connection and health
# --------------------------------------------------------------------------------------------


def test_connection(*, actor, store: Store) -> bool:
    """Make one cheap authenticated call for the store and record the outcome in its connection health.

    Shopee: refreshes the access token first when it is due (and once more if Shopee calls it
    expired). Returns whether the call succeeded; audited as store.connection_test.
    """
    require_settings_manage(actor=actor, store=store)
    credential = store_credential(store)
    if credential is None:
        raise ValidationError(_("Connect the store first."))
    try:
        if store.platform == Platform.SHOPEE:
            credential = _shopee_verify(store)
        else:
            with ozon_client(client_id=credential.client_id, api_key=credential.api_key) as client:
                client.verify()
    except PlatformError as exc:
        error: PlatformError | None = exc
    else:
        error = None
    with transaction.atomic():
        credential = store_credential(store)
        connection_record(credential=credential, ok=error is None, error=error)
        record(
            "store.connection_test",
            target=credential,
            store=store,
            after={"ok": error is None},
            target_label=str(store),
        )
    return error is None


test_connection.__test__ = False  # a service, not a pytest test, whatever its name


def _shopee_verify(store: Store) -> ShopeeCredential:
    credential = shopee_refresh_tokens(store=store)
    if not credential.access_token:
        raise NotAuthorized("the shop is not authorized", platform="shopee")
    with shopee_client(credential.app) as client:
        try:
            client.shop(shop_id=int(store.shop_id), access_token=credential.access_token).verify()
            return credential
        except AuthExpired:
            pass
    credential = shopee_refresh_tokens(store=store, force=True)
    with shopee_client(credential.app) as client:
        client.shop(shop_id=int(store.shop_id), access_token=credential.access_token).verify()
    return credential


def store_credential(store: Store) -> ShopeeCredential | OzonCredential | None:
    """The store's credential row for its platform, or None when it was never connected."""
    if store.platform == Platform.SHOPEE:
        return ShopeeCredential.objects.select_related("app", "authorized_by").filter(store=store).first()
    return OzonCredential.objects.filter(store=store).first()


def expiring_authorizations(*, viewer=None, now: datetime | None = None) -> QuerySet[ShopeeCredential]:
    """Shopee authorizations that need a person soon: the authorization ends within 14 days, the
    refresh token has not been used for more than 25 days (it dies at 30), or Shopee refused it.
    Scoped to stores where the viewer may view settings when a viewer is given.
    """
    now = now or timezone.now()
    queryset = (
        ShopeeCredential.objects.exclude(refresh_token="")
        .filter(
            Q(authorization_expires_at__lte=now + AUTHORIZATION_WARNING)
            | Q(refresh_issued_at__lte=now - REFRESH_UNUSED_WARNING)
            | Q(reauthorize_required=True)
        )
        .select_related("store")
    )
    if viewer is not None:
        queryset = queryset.restrict(viewer, "view")
    return queryset.order_by("authorization_expires_at")


HEALTH_LABELS = {
    "not_connected": gettext_lazy("Not connected"),
    "reauthorize": gettext_lazy("Authorize again"),
    "error": gettext_lazy("Failing"),
    "expiring": gettext_lazy("Expiring soon"),
    "healthy": gettext_lazy("Healthy"),
    "unchecked": gettext_lazy("Not checked yet"),
}
HEALTH_BADGES = {
    "not_connected": "bad",
    "reauthorize": "bad",
    "error": "bad",
    "expiring": "warn",
    "healthy": "ok",
    "unchecked": "warn",
}


@dataclass
class HealthSummary:
    """What the store page shows about a store's platform connection (never a secret, only masks)."""

    store: Store
    credential: ShopeeCredential | OzonCredential | None
    state: str
    warnings: list[str] = field(default_factory=list)
    masked: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(HEALTH_LABELS[self.state])

    @property
    def badge(self) -> str:
        return HEALTH_BADGES[self.state]


def connection_health(*, store: Store, now: datetime | None = None) -> HealthSummary:
    """The store's connection state (healthy, failing, expiring, …), its warnings and masked secrets."""
    now = now or timezone.now()
    credential = store_credential(store)
    if credential is None or (isinstance(credential, ShopeeCredential) and not credential.refresh_token):
        return HealthSummary(store=store, credential=credential, state="not_connected")
    warnings = []
    if isinstance(credential, ShopeeCredential):
        masked = {"access_token": mask(credential.access_token)}
        warnings = _shopee_warnings(credential, now)
        dead = (
            credential.reauthorize_required
            or (credential.authorization_expires_at and credential.authorization_expires_at <= now)
            or (credential.refresh_expires_at and credential.refresh_expires_at <= now)
        )
    else:
        masked, dead = {"api_key": mask(credential.api_key)}, False
    if dead:
        state = "reauthorize"
    elif credential.last_call_failed:
        state = "error"
    elif warnings:
        state = "expiring"
    elif credential.last_success_at:
        state = "healthy"
    else:
        state = "unchecked"
    return HealthSummary(store=store, credential=credential, state=state, warnings=warnings, masked=masked)


def _shopee_warnings(credential: ShopeeCredential, now: datetime) -> list[str]:
    warnings = []
    if credential.reauthorize_required:
        warnings.append(_("Shopee refused the refresh token: authorize the shop again."))
    ends = credential.authorization_expires_at
    if ends and ends <= now + AUTHORIZATION_WARNING:
        warnings.append(
            _("The Shopee authorization ends on %(date)s: authorize the shop again before then.")
            % {"date": timezone.localtime(ends).strftime("%Y-%m-%d")}
        )
    issued = credential.refresh_issued_at
    if issued and issued <= now - REFRESH_UNUSED_WARNING:
        warnings.append(
            _("The refresh token has not been used for %(days)d days; it expires after 30.")
            % {"days": (now - issued).days}
        )
    return warnings
