"""The second-factor gate (core.middleware.SecondFactorRequiredMiddleware) as a person meets it: an
administrator signed in with a password only reaches nothing but the second-factor pages (pages send them
there, keeping where they were going; the API refuses with a stable code), someone who enrolled of their
own accord is asked for their code too, an API token stands for a passed second factor, and a visitor who
is not signed in (or no longer: the account was deactivated mid-session) is sent to sign in, never to the
second-factor pages."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.middleware import OTP_REQUIRED_SESSION_KEY
from core.testing import password_login
from tests.factories import StaffFactory, SuperuserFactory, api_token

pytestmark = pytest.mark.django_db

API = "/api/v1/departments/"


def _redirect(response) -> tuple[str, dict]:
    assert response.status_code == 302, response.status_code
    parts = urlsplit(response["Location"])
    return parts.path, parse_qs(parts.query)


def test_an_admin_with_a_password_only_is_sent_to_enrol_and_comes_back_where_they_were_going(client):
    password_login(client, SuperuserFactory())

    path, query = _redirect(client.get("/stores/?platform=shopee"))

    assert path == reverse("accounts:otp_setup")
    assert query["next"] == ["/stores/?platform=shopee"]


def test_an_admin_with_an_authenticator_is_asked_for_its_code(client):
    admin = SuperuserFactory()
    TOTPDevice.objects.create(user=admin, name="authenticator", confirmed=True)
    password_login(client, admin)

    path, query = _redirect(client.get("/stores/"))

    assert path == reverse("accounts:otp_verify") and query["next"] == ["/stores/"]


def test_someone_who_enrolled_of_their_own_accord_is_asked_for_the_code_too(client):
    person = StaffFactory()  # no administrative right: the second factor is theirs by choice
    TOTPDevice.objects.create(user=person, name="authenticator", confirmed=True)
    password_login(client, person)
    assert client.get(reverse("core:home")).status_code == 200  # not enrolled at this sign-in's start
    session = client.session
    session[OTP_REQUIRED_SESSION_KEY] = True  # as the sign-in page marks it for someone with a device
    session.save()

    path, _query = _redirect(client.get(reverse("core:home")))

    assert path == reverse("accounts:otp_verify")


def test_the_second_factor_pages_themselves_are_open_to_an_admin_without_one(client):
    password_login(client, SuperuserFactory())

    assert client.get(reverse("accounts:otp_setup")).status_code == 200


def test_the_api_refuses_an_unverified_admins_session_with_a_code_and_takes_their_token(client):
    admin = SuperuserFactory()
    key = api_token(admin)
    password_login(client, admin)

    refused = client.get(API)
    by_token = client.__class__().get(API, HTTP_AUTHORIZATION=f"Token {key}")

    assert refused.status_code == 403 and refused.json()["code"] == "second_factor_required"
    assert by_token.status_code == 200, by_token.content


def test_a_person_deactivated_mid_session_is_sent_to_sign_in_not_to_the_second_factor(client):
    person = StaffFactory()
    TOTPDevice.objects.create(user=person, name="authenticator", confirmed=True)
    password_login(client, person)
    session = client.session
    session[OTP_REQUIRED_SESSION_KEY] = True
    session.save()
    person.is_active = False
    person.save(update_fields=["is_active"])

    path, _query = _redirect(client.get("/stores/"))
    api = client.get(API)

    assert path == reverse("accounts:login")
    assert api.status_code in (401, 403) and api.json()["code"] != "second_factor_required"
