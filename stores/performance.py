"""An Ozon store's Performance API keys (ads): verify and save, test, and what the store page shows of them.

The keys are checked by fetching a bearer token with them (one call to the Performance host,
settings.OZON_PERFORMANCE_BASE_URL); saving goes through stores.credentials (encrypted, audited as
store.credentials_change naming the changed fields only). A test records its outcome in the credential's
connection health and is audited as store.connection_test. Neither the secret nor a token is ever shown,
logged or stored outside the encrypted field.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record

from .authorization import HEALTH_BADGES, HEALTH_LABELS, shared_http
from .choices import Platform
from .clients.errors import InvalidCredentials, PlatformError
from .clients.ozon_performance import OzonPerformanceClient
from .credentials import (
    connection_record,
    masked,
    ozon_performance_credentials_save,
    require_settings_manage,
    sanitize_error,
)
from .models import OzonPerformanceCredential, Store


def performance_client(*, client_id: str, client_secret: str) -> OzonPerformanceClient:
    """A Performance client for the keys, on settings.OZON_PERFORMANCE_BASE_URL, tokens in Django's cache."""
    return OzonPerformanceClient.from_settings(
        client_id=client_id, client_secret=client_secret, http_client=shared_http()
    )


def performance_credential(store: Store) -> OzonPerformanceCredential | None:
    return OzonPerformanceCredential.objects.filter(store=store).first()


def performance_verify_and_save(
    *, actor, store: Store, client_id: str, client_secret: str
) -> OzonPerformanceCredential:
    """Fetch a token with the keys, then save them (encrypted, audited). Keys Ozon refuses are not saved:
    ValidationError with Ozon's reason (never the secret)."""
    require_settings_manage(actor=actor, store=store)
    if store.platform != Platform.OZON:
        raise ValidationError(_("Only an Ozon store takes Ozon Performance API keys."))
    try:
        with performance_client(client_id=client_id, client_secret=client_secret) as client:
            client.verify()
    except InvalidCredentials as exc:
        raise ValidationError(
            _("Ozon Performance refused these keys: %(error)s")
            % {"error": sanitize_error(exc, secrets=(client_secret,))}
        ) from None
    except PlatformError as exc:
        raise ValidationError(
            _("Ozon Performance could not be reached to check the keys (%(error)s). Nothing was saved; try again.")
            % {"error": sanitize_error(exc, secrets=(client_secret,))}
        ) from None
    return ozon_performance_credentials_save(
        actor=actor, store=store, client_id=client_id, client_secret=client_secret, verified_at=timezone.now()
    )


def performance_test(*, actor, store: Store) -> bool:
    """Fetch a fresh token with the saved keys; the outcome goes to their connection health (audited as
    store.connection_test). Returns whether Ozon accepted them."""
    require_settings_manage(actor=actor, store=store)
    credential = performance_credential(store)
    if credential is None:
        raise ValidationError(_("Enter the store's Ozon Performance API keys first."))
    error: PlatformError | None = None
    try:
        with performance_client(client_id=credential.client_id, client_secret=credential.client_secret) as client:
            client.verify()
    except PlatformError as exc:
        error = exc
    with transaction.atomic():
        connection_record(credential=credential, ok=error is None, error=error)
        record(
            "store.connection_test",
            target=credential,
            store=store,
            after={"ok": error is None, "api": "ozon_performance"},
            target_label=str(store),
        )
    return error is None


performance_test.__test__ = False  # type: ignore[attr-defined]  # a service, not a pytest test


@dataclass
class PerformanceHealth:
    """What the store page shows of the Performance keys: the row (or None), a state and the masked secret."""

    credential: OzonPerformanceCredential | None
    state: str
    masked_secret: str = ""

    @property
    def label(self) -> str:
        return str(HEALTH_LABELS[self.state])

    @property
    def badge(self) -> str:
        return HEALTH_BADGES[self.state]


def performance_health(*, store: Store) -> PerformanceHealth:
    credential = performance_credential(store)
    if credential is None:
        return PerformanceHealth(credential=None, state="not_connected")
    if credential.last_call_failed:
        state = "error"
    else:
        state = "healthy" if credential.last_success_at else "unchecked"
    return PerformanceHealth(credential=credential, state=state, masked_secret=masked(credential.client_secret))
