"""API tokens (staff.ApiToken): issue, recognise, revoke.

Only the SHA-256 digest of a token's secret is stored, with its first characters to recognise it; the secret
is returned once, at issue, and never written to the audit log. Issue, use from a new address, the first use
after expiry and revocation are audited. Reads are in staff.selectors-style helpers at the bottom.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.services import record
from core import context
from core.api.authentication import TokenRefused
from core.permissions import ALL_STORES, ANY, permissions_of
from core.stores import get_store_model
from security.policy import admin_allowed_from

from .models import ApiToken

SECRET_PREFIX = "sct_"  # ShopCrew token: recognisable in a leaked file or a secret scanner
PREFIX_LENGTH = len(SECRET_PREFIX) + 8
LAST_USED_GRANULARITY = timedelta(minutes=1)  # last use is written at most once a minute per token and address
SEEN_ADDRESSES_KEPT = 50


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def default_days() -> int:
    return min(settings.SHOPCREW_API_TOKEN_DEFAULT_DAYS, max_days())


def max_days() -> int:
    return settings.SHOPCREW_API_TOKEN_MAX_DAYS


def token_stores_choosable(user):
    """The stores a person may limit a token to: those where they hold any permission."""
    stores = permissions_of(user).stores_with(ANY)
    queryset = get_store_model()._default_manager.all()
    return queryset if stores is ALL_STORES else queryset.filter(pk__in=stores)


def _snapshot(token: ApiToken, store_ids: list[int]) -> dict:
    return {
        "name": token.name,
        "prefix": token.prefix,
        "expires_at": token.expires_at.isoformat(),
        "stores": sorted(store_ids) or "all",
        "read_only": token.read_only,
        "step_up": token.step_up,
    }


def api_token_issue(
    *,
    user,
    name: str,
    days: int | None = None,
    stores=(),
    read_only: bool = False,
    step_up: bool = False,
    second_factor_passed: bool,
) -> tuple[ApiToken, str]:
    """Issues a new API token for `user` (their others stay) and returns it with its secret, to show once.

    Only from a session that passed the second factor (a token counts as one). The lifetime is `days`
    (the default when None) up to the configured maximum; `stores`, when given, must be among the owner's
    stores. Records auth.token_issue (never the secret)."""
    if not second_factor_passed:
        raise ValidationError(_("Set up two-factor authentication and sign in with it before issuing a token."))
    days = default_days() if days is None else days
    if not 1 <= days <= max_days():
        raise ValidationError(_("A token lives between 1 and %(max)d days.") % {"max": max_days()}, code="token_days")
    store_ids = sorted({store.pk for store in stores})
    allowed = permissions_of(user).stores_with(ANY)
    if any(pk not in allowed for pk in store_ids):
        raise ValidationError(_("A token can only be limited to stores you work in."), code="token_stores")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name.strip(),
            prefix=secret[:PREFIX_LENGTH],
            digest=digest_of(secret),
            read_only=read_only,
            step_up=step_up,
            expires_at=timezone.now() + timedelta(days=days),
        )
        token.stores.set(store_ids)
        record("auth.token_issue", target=user, after=_snapshot(token, store_ids))
    return token, secret


def api_token_revoke(*, actor, token: ApiToken) -> bool:
    """Revokes one token: its owner or a super admin may. Records auth.token_revoke; False when it already was."""
    if actor.pk != token.user_id and not permissions_of(actor).super_admin:
        raise ValidationError(_("You can only revoke your own API tokens."), code="token_not_yours")
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if revoked:
            record("auth.token_revoke", target=token.user, after={"prefix": token.prefix, "name": token.name})
    return bool(revoked)


def api_tokens_revoke_all(*, user, reason: str = "") -> int:
    """Revokes every live token of `user` (offboarding, removing the second factor). Records one
    auth.token_revoke listing them when there were any; returns how many."""
    with transaction.atomic():
        live = list(ApiToken.objects.filter(user=user, revoked_at__isnull=True).values_list("prefix", flat=True))
        if live:
            ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
            record("auth.token_revoke", target=user, after={"prefixes": live}, reason=reason)
    return len(live)


def _refuse(message: str) -> NoReturn:
    raise TokenRefused(message)


def api_token_authenticate(*, key: str, ip: str | None):
    """Recognises a token's secret for core.api.authentication: (user, token) with `token.store_ids` (None:
    all the owner's stores). Refuses an unknown or revoked token and an expired one (its first refused use
    after expiry is recorded as auth.token_expired); records auth.token_new_address the first time a token is
    used from an address other than those it was used from before (its first use is remembered, not news); notes the last use (at most once a minute)."""
    token = ApiToken.objects.select_related("user").filter(digest=digest_of(key or "")).first()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        _refuse(_("Invalid API token: it is unknown or was revoked."))
    now = timezone.now()
    if token.expires_at <= now:
        _record_expiry_once(token)
        _refuse(
            _("This API token expired on %(date)s; issue a new one on your security page.")
            % {"date": date_format(timezone.localtime(token.expires_at), "DATETIME_FORMAT")}
        )
    if not admin_allowed_from(ip) and permissions_of(token.user).is_admin:
        _refuse(
            _("Administrators' API tokens work only from the company's administrator networks (this address: %(ip)s).")
            % {"ip": ip or "-"}
        )
    _note_use(token, ip, now)
    token.store_ids = list(token.stores.values_list("pk", flat=True)) or None
    return token.user, token


def _record_expiry_once(token: ApiToken) -> None:
    with transaction.atomic():
        if ApiToken.objects.filter(pk=token.pk, expiry_recorded=False).update(expiry_recorded=True):
            context.set_actor(token.user)
            record("auth.token_expired", target=token.user, after={"prefix": token.prefix, "name": token.name})


def _note_use(token: ApiToken, ip: str | None, now) -> None:
    new_address = bool(ip) and ip not in token.seen_addresses
    recent = token.last_used_at is not None and now - token.last_used_at < LAST_USED_GRANULARITY
    if recent and ip == token.last_used_ip and not new_address:
        return
    changes: dict = {"last_used_at": now, "last_used_ip": ip or None}
    with transaction.atomic():
        if new_address:
            changes["seen_addresses"] = [*token.seen_addresses, ip][-SEEN_ADDRESSES_KEPT:]
            if token.seen_addresses:  # the first address of all is where the token was meant to go: not news
                context.set_actor(token.user)
                record("auth.token_new_address", target=token.user, after={"prefix": token.prefix, "ip": ip})
        ApiToken.objects.filter(pk=token.pk).update(**changes)


# ---- reads --------------------------------------------------------------------------------------------------
def live(queryset=None):
    """The tokens that still work: not revoked, not expired."""
    queryset = ApiToken.objects.all() if queryset is None else queryset
    return queryset.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
