"""Self-service writes around signing in: the authenticator and backup codes (API tokens: token_services).

Every function acts on the signed-in person only, is atomic, and records its audit event inside the
same transaction. Secrets (the TOTP key, backup codes, the token) are returned to the caller to be
shown once and never written to the audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import record
from core.middleware import needs_second_factor

from .token_services import api_tokens_revoke_all

BACKUP_CODE_COUNT = 10
AUTHENTICATOR_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup codes"
TOTP_CODE = re.compile(r"^\d{6}$")
BACKUP_CODE = re.compile(r"^[a-z2-7]{8}$")


class SecondFactorError(Exception):
    """A refused second-factor change; the message is for the person who asked."""


@dataclass(frozen=True)
class VerifyOutcome:
    """The result of checking a code: the device that accepted it, or why none did."""

    device: Device | None = None
    backup_code_used: bool = False
    retry_after: datetime | None = None  # set when django-otp's throttling refused to check


def normalise_code(code: str) -> str:
    """Codes are typed with spaces or dashes now and then; backup codes are case-insensitive."""
    return re.sub(r"[\s-]", "", code or "").lower()


def _replace_backup_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    device.throttle_reset(commit=False)
    device.confirmed = True
    device.save()
    codes: set[str] = set()
    while len(codes) < BACKUP_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(codes)


def totp_enroll(*, user, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirms a new authenticator app for `user` with a code it shows, and issues ten fresh backup codes.

    Any earlier authenticator of the user is replaced. `key` is the secret the server generated and
    showed as the QR code; nothing is saved unless the code matches it. Records auth.2fa_enroll.
    """
    code = normalise_code(code)
    if not TOTP_CODE.match(code):
        raise SecondFactorError(_("Enter the 6-digit code your authenticator app shows."))
    with transaction.atomic():  # a wrong code raises and rolls everything back
        replaced, _deleted = TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, key=key, confirmed=True)
        if not device.verify_token(code):
            raise SecondFactorError(
                _("That code does not match. Check the time on your phone and try the newest code.")
            )
        codes = _replace_backup_codes(user)
        record(
            "auth.2fa_enroll",
            target=user,
            after={"method": "totp", "backup_codes": len(codes), "replaced_earlier": bool(replaced)},
        )
    return device, codes


def second_factor_verify(*, user, code: str, purpose: str = "sign_in") -> VerifyOutcome:
    """Checks a code from the authenticator app (6 digits) or a backup code (single use).

    django-otp's throttling applies per device: after n wrong codes the next check must wait
    2^(n-1) seconds, and a throttled check is refused without looking at the code. Records
    auth.2fa_verify or auth.backup_code_used on success, auth.2fa_failed otherwise; `purpose` ("sign_in",
    "step_up", …) is noted on a step-up's events.
    """
    code = normalise_code(code)
    model = TOTPDevice if TOTP_CODE.match(code) else StaticDevice
    outcome = VerifyOutcome()
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            allowed, info = device.verify_is_allowed()
            if not allowed:
                outcome = VerifyOutcome(retry_after=(info or {}).get("locked_until"))
                continue
            if device.verify_token(code):
                outcome = VerifyOutcome(device=device, backup_code_used=model is StaticDevice)
                break
        _record_verification(user, outcome, purpose)
    return outcome


def _record_verification(user, outcome: VerifyOutcome, purpose: str) -> None:
    noted = {} if purpose == "sign_in" else {"purpose": purpose}
    if outcome.device is None:
        record("auth.2fa_failed", target=user, after={"throttled": outcome.retry_after is not None, **noted})
    elif outcome.backup_code_used:
        record("auth.backup_code_used", target=user, after={"backup_codes_left": backup_codes_left(user), **noted})
    else:
        record("auth.2fa_verify", target=user, after={"method": "totp", **noted})


def backup_codes_left(user) -> int:
    """How many unused backup codes the user still has."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def backup_codes_regenerate(*, user) -> list[str]:
    """Replaces all of the user's backup codes by ten new ones (the old ones stop working).

    Only for someone who has two-factor authentication. Records auth.backup_codes_regenerate.
    """
    if not TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        raise SecondFactorError(_("Set up an authenticator app first."))
    with transaction.atomic():
        codes = _replace_backup_codes(user)
        record("auth.backup_codes_regenerate", target=user, after={"backup_codes": len(codes)})
    return codes


def second_factor_remove(*, user, code: str) -> None:
    """Removes the user's authenticator and backup codes, confirmed with a current code.

    Refused for anyone with an administrative right (they must keep a second factor). The API tokens
    go too: they were issued on the strength of the second factor. Records auth.2fa_remove.
    """
    if needs_second_factor(user):
        raise SecondFactorError(_("Your account has administrative rights, so it must keep two-factor authentication."))
    if not user_has_device(user):
        raise SecondFactorError(_("Two-factor authentication is not set up."))
    outcome = second_factor_verify(user=user, code=code)
    if outcome.device is None:
        raise SecondFactorError(_("That code is not right."))
    with transaction.atomic():
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
        api_tokens_revoke_all(user=user, reason="second factor removed")
        record("auth.2fa_remove", target=user, before={"method": "totp"}, after={"method": None})


def second_factor_reset(*, actor, user) -> None:
    """An administrator resets a colleague's second factor (a lost phone): their authenticator and backup codes
    are removed and their API tokens revoked; their sessions lose the verified second factor, so their next
    page asks them to set one up again where their role requires it. Only someone who may edit that person
    (staff.selectors.staff_editable_by: never a super admin's, unless by a super admin), never for oneself (the
    security page is for that). Records auth.2fa_reset (no secret)."""
    from core.denied import Refused

    from .selectors import staff_editable_by

    if actor.pk == user.pk:
        raise SecondFactorError(_("Use your own security page to change your own second factor."))
    if not staff_editable_by(actor=actor, staff=user):
        raise Refused(_("You may not reset this person's second factor."))
    if not user_has_device(user, confirmed=None):
        raise SecondFactorError(_("%(name)s has no second factor set up.") % {"name": user})
    with transaction.atomic():
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
        api_tokens_revoke_all(user=user, reason="second factor reset by an administrator")
        record("auth.2fa_reset", target=user, before={"method": "totp"}, after={"method": None})
