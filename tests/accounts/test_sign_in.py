"""Signing in: password, the second factor (enrollment, code, backup code), /admin/ and /api/, `next`."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from core.testing import password_login, totp_code
from staff.auth_views import SETUP_KEY_SESSION_KEY
from tests.factories import TEST_PASSWORD, StaffFactory, SuperuserFactory

from .helpers import LOGIN_URL, SETUP_URL, VERIFY_URL, actions, current_code, enroll, sign_in

pytestmark = pytest.mark.django_db


def test_sign_in_page_is_a_narrow_card(client):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    assert b'class="page narrow"' in response.content
    assert b'name="username"' in response.content and b'name="password"' in response.content


def test_plain_staff_sign_in_with_password_alone(client):
    person = StaffFactory()
    response = sign_in(client, person, TEST_PASSWORD)
    assert response.status_code == 302 and response.url == reverse("core:home")
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor_id == person.pk and event.target_id == str(person.pk)


def test_wrong_password_shows_an_error_and_records_the_username_only(client):
    person = StaffFactory()
    response = client.post(LOGIN_URL, {"username": person.username, "password": "Not-the-password-9"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.target_label == person.username and event.target_id == str(person.pk)
    assert event.after == {"username": person.username}
    stored = "".join(str(v) for v in AuditEvent.objects.values_list("before", "after", "reason", "target_label"))
    assert "Not-the-password-9" not in stored


def test_offboarded_staff_cannot_sign_in(client):
    person = StaffFactory(status="offboarded")
    response = sign_in(client, person, TEST_PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_admin_without_a_device_enrolls_before_anything_else(client):
    admin = SuperuserFactory()
    response = sign_in(client, admin, TEST_PASSWORD, next="/audit/")
    assert response.status_code == 302
    assert response.url == f"{SETUP_URL}?next={quote('/audit/', safe='')}"

    # Every other page sends the admin back to enrollment, keeping where they were going.
    assert client.get("/").url == f"{SETUP_URL}?next=%2F"
    assert client.get("/admin/").url.startswith(SETUP_URL)

    page = client.get(response.url)
    assert page.status_code == 200
    assert b"<svg" in page.content and page.context["secret"]
    assert b"<script" not in page.content.split(b"<main")[1]  # the QR code is inline SVG, no JS library
    key = client.session[SETUP_KEY_SESSION_KEY]

    wrong = client.post(SETUP_URL + "?next=/audit/", {"code": "000000", "next": "/audit/"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert not TOTPDevice.objects.filter(user=admin).exists()

    code = totp_code(TOTPDevice(key=key))
    done = client.post(SETUP_URL, {"code": code, "next": "/audit/"})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "no-store" in done["Cache-Control"]
    assert done.context["continue_url"] == "/audit/"
    assert TOTPDevice.objects.get(user=admin).confirmed
    assert StaticToken.objects.filter(device__user=admin).count() == 10

    assert client.get("/").status_code == 200  # verified by enrolling
    assert client.get("/admin/").status_code == 200
    assert actions(action__startswith="auth.") == ["auth.login", "auth.2fa_enroll"]
    enroll_event = AuditEvent.objects.get(action="auth.2fa_enroll")
    assert key not in str(enroll_event.after) and not any(c in str(enroll_event.after) for c in codes)


def test_admin_with_a_device_enters_the_code(client):
    admin = SuperuserFactory()
    device = enroll(admin)
    response = sign_in(client, admin, TEST_PASSWORD, next="/admin/")
    assert response.url == f"{VERIFY_URL}?next=%2Fadmin%2F"
    assert client.get("/admin/").url == f"{VERIFY_URL}?next=%2Fadmin%2F"
    assert client.get(SETUP_URL).url.startswith(VERIFY_URL)  # no second device without the first

    done = client.post(VERIFY_URL, {"code": current_code(device), "next": "/admin/"})
    assert done.status_code == 302 and done.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert actions(action__startswith="auth.") == ["auth.login", "auth.2fa_verify"]


def test_wrong_code_is_refused_then_throttled(client):
    admin = SuperuserFactory()
    device = enroll(admin)
    sign_in(client, admin, TEST_PASSWORD)
    wrong = client.post(VERIFY_URL, {"code": "123456"})
    assert wrong.status_code == 200 and wrong.context["form"].errors["code"]

    # django-otp's throttling: right after a wrong code even the right one is not checked.
    throttled = client.post(VERIFY_URL, {"code": current_code(device)})
    assert throttled.status_code == 200 and throttled.context["form"].non_field_errors()
    assert client.get("/").status_code == 302

    # Once the wait (1 s after one failure) has passed, the right code works.
    device.refresh_from_db()
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=device.throttling_failure_timestamp - timedelta(seconds=5)
    )
    ok = client.post(VERIFY_URL, {"code": current_code(device)})
    assert ok.status_code == 302
    assert actions(action__startswith="auth.2fa") == ["auth.2fa_failed", "auth.2fa_failed", "auth.2fa_verify"]
    assert AuditEvent.objects.filter(action="auth.2fa_failed", after__throttled=True).count() == 1


def test_backup_code_works_once(client):
    admin = SuperuserFactory()
    enroll(admin, backup_codes=("abcdefgh", "bcdefghi"))
    sign_in(client, admin, TEST_PASSWORD)
    response = client.post(VERIFY_URL, {"code": "ABCD-EFGH"})  # typed with a dash and capitals
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(action="auth.backup_code_used")
    assert event.after == {"backup_codes_left": 1}

    client.post(reverse("accounts:logout"))
    sign_in(client, admin, TEST_PASSWORD)
    again = client.post(VERIFY_URL, {"code": "abcdefgh"})
    assert again.status_code == 200 and again.context["form"].errors
    assert client.get("/").status_code == 302


def test_admin_and_api_are_closed_without_the_second_factor(client):
    admin = SuperuserFactory()
    password_login(client, admin)
    assert client.get("/admin/").url.startswith(SETUP_URL)
    assert client.get("/admin/staff/staff/").url.startswith(SETUP_URL)
    assert client.get(reverse("accounts:security")).url.startswith(SETUP_URL)
    api = client.get("/api/v1/audit-events/")
    assert api.status_code == 403 and "detail" in api.json()
    enroll(admin)
    assert client.get("/admin/").url.startswith(VERIFY_URL)


def test_admin_site_signs_in_through_the_console(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    login = client.get(response.url)
    assert login.status_code == 302 and login.url == f"{LOGIN_URL}?next=%2Fadmin%2F"
    assert client.get("/admin/login/?next=https://evil.example/").url == f"{LOGIN_URL}?next=%2Fadmin%2F"


def test_next_pointing_elsewhere_is_ignored(client):
    person = StaffFactory()
    response = sign_in(client, person, TEST_PASSWORD, next="https://evil.example/steal")
    assert response.url == reverse("core:home")

    admin = SuperuserFactory()
    device = enroll(admin)
    client.post(reverse("accounts:logout"))
    response = sign_in(client, admin, TEST_PASSWORD, next="//evil.example/")
    assert response.url == VERIFY_URL
    done = client.post(VERIFY_URL, {"code": current_code(device), "next": "//evil.example/"})
    assert done.url == reverse("core:home")


def test_staff_who_opted_in_must_pass_their_second_factor(client):
    person = StaffFactory()
    device = enroll(person)
    response = sign_in(client, person, TEST_PASSWORD)
    assert response.url == VERIFY_URL
    assert client.get("/").url == f"{VERIFY_URL}?next=%2F"
    assert client.post(VERIFY_URL, {"code": current_code(device)}).status_code == 302
    assert client.get("/").status_code == 200


def test_no_redirect_loop_for_the_second_factor_pages(client):
    admin = SuperuserFactory()
    password_login(client, admin)
    assert client.get(SETUP_URL).status_code == 200
    assert client.get(VERIFY_URL).url.startswith(SETUP_URL)  # nothing to verify yet: enroll
    enroll(admin)
    assert client.get(VERIFY_URL).status_code == 200
    assert client.get(LOGIN_URL).status_code == 200


def test_sign_out_is_post_only_and_recorded(client, login):
    person = SuperuserFactory()
    login(person)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert client.get("/").status_code == 302
    event = AuditEvent.objects.filter(action="auth.logout").get()
    assert event.actor_id == person.pk
