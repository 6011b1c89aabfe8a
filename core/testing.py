"""Helpers shared by the test suite."""

from django_otp.plugins.otp_totp.models import TOTPDevice


def verified_login(client, user):
    """Sign a test client in as `user` with a verified TOTP device, as the 2FA gate requires."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="default", defaults={"confirmed": True})
    client.force_login(user)
    session = client.session
    from django_otp import DEVICE_ID_SESSION_KEY

    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
