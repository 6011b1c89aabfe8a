"""Helpers for the sign-in tests: a person's authenticator app and backup codes, and audit look-ups."""

from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from core.testing import totp_code

LOGIN_URL = "/accounts/login/"
VERIFY_URL = "/accounts/2fa/verify/"
SETUP_URL = "/accounts/2fa/setup/"


def enroll(user, *, backup_codes=("abcdefgh", "bcdefghi")):
    """Give `user` a confirmed authenticator app and some backup codes, as enrollment would."""
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in backup_codes)
    return device


def current_code(device, *, steps_ahead=0) -> str:
    device.refresh_from_db()
    return totp_code(device, steps_ahead=steps_ahead)


def sign_in(client, user, password, **extra):
    return client.post(LOGIN_URL, {"username": user.username, "password": password, **extra})


def actions(**filters) -> list[str]:
    return list(AuditEvent.objects.filter(**filters).order_by("id").values_list("action", flat=True))
