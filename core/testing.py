"""Helpers shared by the test suite."""

import time

from django_otp.plugins.otp_totp.models import TOTPDevice

from core import stepup

# Named explicitly: force_login() would otherwise pick the first backend with a get_user() method, and a
# permissions-only backend (rbac's) answers None there, leaving the client signed out.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def password_login(client, user):
    """Sign a test client in as `user` with the password step only (no second factor yet)."""
    client.force_login(user, backend=MODEL_BACKEND)


def verified_login(client, user):
    """Sign a test client in as `user` with a verified TOTP device, as the 2FA gate requires; the second
    factor counts as just entered (core.stepup), as after a real sign-in — see stale_second_factor()."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="default", defaults={"confirmed": True})
    password_login(client, user)
    session = client.session
    from django_otp import DEVICE_ID_SESSION_KEY

    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[stepup.SESSION_KEY] = time.time()
    session.save()
    return device


def stale_second_factor(client):
    """Make the signed-in client's second factor older than any step-up window (core.stepup)."""
    session = client.session
    session[stepup.SESSION_KEY] = time.time() - 24 * 3600
    session.save()


def totp_code(device, *, steps_ahead: int = 0) -> str:
    """The code `device`'s authenticator app shows now (or `steps_ahead` time steps later)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"
