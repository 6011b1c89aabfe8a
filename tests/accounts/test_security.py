"""The security page: 2FA status, new backup codes, turning 2FA off (not for admins), the API token."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from staff.models import ApiToken
from tests.factories import TEST_PASSWORD, StaffFactory, SuperuserFactory, api_token

from .helpers import VERIFY_URL, actions, current_code, enroll, sign_in

pytestmark = pytest.mark.django_db
SECURITY = "/accounts/security/"


def verified(client, user):
    device = enroll(user)
    sign_in(client, user, TEST_PASSWORD)
    assert client.post(VERIFY_URL, {"code": current_code(device)}).status_code == 302
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # so the same code can confirm again
    return device


def test_security_page_shows_status(client):
    admin = SuperuserFactory()
    verified(client, admin)
    page = client.get(SECURITY)
    assert page.status_code == 200
    assert page.context["authenticator"] is not None and page.context["required"]
    assert page.context["backup_codes_left"] == 2
    assert b'action="/accounts/security/2fa/remove/"' not in page.content  # admins cannot turn it off


def test_new_backup_codes_replace_the_old_ones(client):
    admin = SuperuserFactory()
    verified(client, admin)
    old = set(StaticToken.objects.filter(device__user=admin).values_list("token", flat=True))
    response = client.post(reverse("accounts:backup_codes"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    codes = set(response.context["codes"])
    assert len(codes) == 10 and not codes & old
    assert set(StaticToken.objects.filter(device__user=admin).values_list("token", flat=True)) == codes
    event = AuditEvent.objects.get(action="auth.backup_codes_regenerate")
    assert event.after == {"backup_codes": 10} and event.actor_id == admin.pk
    assert client.get(reverse("accounts:backup_codes")).status_code == 405


def test_admins_cannot_turn_two_factor_off(client):
    admin = SuperuserFactory()
    device = verified(client, admin)
    response = client.post(reverse("accounts:otp_remove"), {"code": current_code(device)}, follow=True)
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=admin).exists()
    assert not AuditEvent.objects.filter(action="auth.2fa_remove").exists()


def test_staff_who_opted_in_can_turn_it_off_with_a_code(client):
    person = StaffFactory()
    device = verified(client, person)
    api_token(person)
    wrong = client.post(reverse("accounts:otp_remove"), {"code": "000001"})
    assert wrong.status_code == 302 and TOTPDevice.objects.filter(user=person).exists()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)

    response = client.post(reverse("accounts:otp_remove"), {"code": current_code(device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not StaticToken.objects.filter(device__user=person).exists()
    assert not ApiToken.objects.filter(user=person, revoked_at__isnull=True).exists()
    assert actions(action__in=["auth.2fa_remove", "auth.token_revoke"]) == ["auth.token_revoke", "auth.2fa_remove"]
    # Signing in again takes the password alone.
    client.post(reverse("accounts:logout"))
    assert sign_in(client, person, TEST_PASSWORD).url == reverse("core:home")


def test_moving_to_a_new_phone_replaces_the_authenticator(client):
    admin = SuperuserFactory()
    old = verified(client, admin)
    page = client.get(reverse("accounts:otp_setup"))
    assert page.status_code == 200 and page.context["replacing"]
    key = client.session["shopcrew_otp_setup_key"]
    from core.testing import totp_code

    done = client.post(reverse("accounts:otp_setup"), {"code": totp_code(TOTPDevice(key=key))})
    assert done.status_code == 200 and len(done.context["codes"]) == 10
    assert list(TOTPDevice.objects.filter(user=admin).values_list("key", flat=True)) == [key]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.get(action="auth.2fa_enroll").after["replaced_earlier"] is True


def test_throttle_wait_doubles(client):
    """django-otp: after n wrong codes the next check waits 2^(n-1) seconds."""
    admin = SuperuserFactory()
    device = enroll(admin)
    sign_in(client, admin, TEST_PASSWORD)
    for _ in range(3):
        client.post(VERIFY_URL, {"code": "111111"})
        device.refresh_from_db()
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=device.throttling_failure_timestamp - timedelta(seconds=60)
        )
    device.refresh_from_db()
    assert device.throttling_failure_count == 3
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=device.throttling_failure_timestamp + timedelta(seconds=57)
    )
    device.refresh_from_db()
    allowed, info = device.verify_is_allowed()  # 3 s after the third failure: 4 s are needed
    assert not allowed and info["failure_count"] == 3
