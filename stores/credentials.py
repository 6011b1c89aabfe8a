"""Saving platform credentials: encrypted at rest, masked on display, audited as "changed" only.

Audit rows for credentials never carry a value: `before`/`after` name the fields that changed, with
"set" / "changed" (or "" when a field was empty), and the row's label is the store or app name.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from core.crypto import mask
from core.logging import redact
from core.permissions import permissions_of

from .choices import Platform
from .models import OzonCredential, OzonPerformanceCredential, ShopeeApp, ShopeeEnvironment, Store

CHANGED = "changed"
SET = "set"
CREDENTIALS_CHANGE = "store.credentials_change"


def masked(value: str | None) -> str:
    """The display form of a saved secret: "••••" plus its last 4 characters ("••••abcd")."""
    return mask(value)


def secret_changes(old: dict[str, object], new: dict[str, object]) -> tuple[dict, dict]:
    """before/after for an audit row that names which secrets changed and nothing else."""
    before, after = {}, {}
    for name in new:
        if str(old.get(name) or "") != str(new.get(name) or ""):
            before[name] = SET if old.get(name) else ""
            after[name] = CHANGED if new.get(name) else ""
    return before, after


def sanitize_error(error: BaseException | str, *, secrets: tuple[str | None, ...] = ()) -> str:
    """An error text safe to store and show: known secret values and secret-looking parameters removed."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(str(secret), "***")
    return redact(text)[:500]


def require_settings_manage(*, actor, store: Store) -> None:
    """Raise PermissionDenied unless the actor manages this store's settings (checked in every service)."""
    if not permissions_of(actor).has("settings_manage", store.pk):
        raise PermissionDenied(_("You may not change this store's platform connection."))


def shopee_app_save(
    *,
    actor,
    app: ShopeeApp | None = None,
    name: str,
    partner_id: int,
    partner_key: str = "",
    environment: str = ShopeeEnvironment.PRODUCTION,
    note: str = "",
    is_active: bool = True,
) -> ShopeeApp:
    """Create or update a Shopee app. Only a super admin may; the partner key is required on creation
    and kept when left empty on update. Audited as store.credentials_change (the key as "changed").
    """
    if not permissions_of(actor).super_admin:
        raise PermissionDenied(_("Only a super administrator may manage Shopee apps."))
    if app is None and not partner_key:
        raise ValidationError({"partner_key": _("Enter the partner key.")})
    with transaction.atomic():
        if app is not None:
            app = ShopeeApp.objects.select_for_update().get(pk=app.pk)
        old = (
            {}
            if app is None
            else {
                "name": app.name,
                "partner_id": app.partner_id,
                "partner_key": app.partner_key,
                "environment": app.environment,
                "note": app.note,
                "is_active": app.is_active,
            }
        )
        app = app or ShopeeApp()
        app.name, app.partner_id, app.environment, app.note, app.is_active = (
            name,
            partner_id,
            environment,
            note,
            is_active,
        )
        if partner_key:
            app.partner_key = partner_key
        app.full_clean()
        app.save()
        new = {
            "name": app.name,
            "partner_id": app.partner_id,
            "partner_key": app.partner_key,
            "environment": app.environment,
            "note": app.note,
            "is_active": app.is_active,
        }
        before, after = secret_changes({"partner_key": old.get("partner_key")}, {"partner_key": new["partner_key"]})
        for field in ("name", "partner_id", "environment", "note", "is_active"):
            if old.get(field) != new[field]:
                before[field], after[field] = old.get(field), new[field]
        record(CREDENTIALS_CHANGE, target=app, before=before if old else None, after=after)
    return app


def ozon_credentials_save(*, actor, store: Store, client_id: int, api_key: str, verified_at=None) -> OzonCredential:
    """Store an Ozon store's Client-Id and Api-Key (encrypted) after the caller verified them.

    Re-checks settings_manage on the store; audits store.credentials_change naming the changed
    fields only. Connection health restarts from the verification.
    """
    require_settings_manage(actor=actor, store=store)
    if store.platform != Platform.OZON:
        raise ValidationError(_("Only an Ozon store takes Ozon API keys."))
    if not api_key:
        raise ValidationError({"api_key": _("Enter the Api-Key.")})
    with transaction.atomic():
        credential = OzonCredential.objects.select_for_update().filter(store=store).first()
        old = {"client_id": credential.client_id, "api_key": credential.api_key} if credential else {}
        credential = credential or OzonCredential(store=store)
        credential.client_id, credential.api_key, credential.saved_by = client_id, api_key, actor
        credential.verified_at = verified_at
        if verified_at:
            credential.last_checked_at = credential.last_success_at = verified_at
            credential.last_error, credential.last_error_at = "", None
        credential.save()
        before, after = secret_changes(old, {"client_id": client_id, "api_key": api_key})
        reason = "" if after else "Saved again without change"
        record(
            CREDENTIALS_CHANGE,
            target=credential,
            store=store,
            before=before if old else None,
            after=after,
            reason=reason,
            target_label=str(store),
        )
    return credential


def ozon_performance_credentials_save(
    *, actor, store: Store, client_id: str, client_secret: str, verified_at=None
) -> OzonPerformanceCredential:
    """Store an Ozon store's Performance API client id and secret (encrypted) after the caller verified them.

    Re-checks settings_manage on the store; audits store.credentials_change naming the changed fields only
    (the secret as "changed", never its value). Connection health restarts from the verification.
    """
    require_settings_manage(actor=actor, store=store)
    if store.platform != Platform.OZON:
        raise ValidationError(_("Only an Ozon store takes Ozon Performance API keys."))
    if not client_id or not client_secret:
        raise ValidationError({"client_secret": _("Enter the client ID and the client secret.")})
    with transaction.atomic():
        credential = OzonPerformanceCredential.objects.select_for_update().filter(store=store).first()
        old = {"client_id": credential.client_id, "client_secret": credential.client_secret} if credential else {}
        credential = credential or OzonPerformanceCredential(store=store)
        credential.client_id, credential.client_secret, credential.saved_by = client_id, client_secret, actor
        credential.verified_at = verified_at
        if verified_at:
            credential.last_checked_at = credential.last_success_at = verified_at
            credential.last_error, credential.last_error_at = "", None
        credential.full_clean(exclude=["store", "saved_by"])
        credential.save()
        before, after = secret_changes(old, {"client_id": client_id, "client_secret": client_secret})
        before = {("performance_" + k): v for k, v in before.items()}
        after = {("performance_" + k): v for k, v in after.items()}
        record(
            CREDENTIALS_CHANGE,
            target=credential,
            store=store,
            before=before if old else None,
            after=after,
            reason="" if after else "Saved again without change",
            target_label=str(store),
        )
    return credential


def connection_record(*, credential, ok: bool, error: BaseException | str | None = None, at=None) -> None:
    """Write the outcome of a platform call to the connection-health fields (sanitized error text)."""
    now = at or timezone.now()
    fields = {"last_checked_at": now}
    if ok:
        fields["last_success_at"] = now
    else:
        names = ("access_token", "refresh_token", "api_key", "client_secret")
        secrets = tuple(getattr(credential, name, None) for name in names)
        app_key = getattr(getattr(credential, "app", None), "partner_key", None)
        fields.update(last_error_at=now, last_error=sanitize_error(error or "", secrets=(*secrets, app_key)))
    type(credential).objects.filter(pk=credential.pk).update(**fields)
    for name, value in fields.items():
        setattr(credential, name, value)
