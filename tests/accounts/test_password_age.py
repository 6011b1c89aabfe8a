"""定期密码更换 as a maximum password age (issue 10, item 4): off by default; when a super admin sets it, someone
whose password is older must choose a new one right after proving the old one, before being signed in."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from security.models import PasswordChange, SecurityPolicy
from security.policy import password_changed_at
from staff.auth_views import PASSWORD_EXPIRED_SESSION_KEY
from tests.factories import TEST_PASSWORD, StaffFactory

from .helpers import LOGIN_URL, sign_in

pytestmark = pytest.mark.django_db

EXPIRED_URL = "/accounts/password/expired/"
NEW_PASSWORD = "Brand-new-Horse-77"


def age_password(person, days: int) -> None:
    PasswordChange.objects.filter(user=person).update(changed_at=timezone.now() - timedelta(days=days))


def set_max_age(days):
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"max_password_age_days": days})


def test_setting_a_password_notes_when_it_changed():
    person = StaffFactory()
    first = PasswordChange.objects.get(user=person).changed_at
    age_password(person, 10)
    person.set_password(NEW_PASSWORD)
    person.save()
    assert password_changed_at(person) >= first
    person.first_name = "x"
    person.save()  # a save without a new password changes nothing
    assert PasswordChange.objects.count() == 1


def test_off_by_default_an_old_password_still_signs_in(client):
    assert SecurityPolicy.objects.filter(pk=1, max_password_age_days__isnull=False).count() == 0
    person = StaffFactory()
    age_password(person, 5000)
    response = sign_in(client, person, TEST_PASSWORD)
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_a_password_older_than_the_maximum_age_is_changed_before_signing_in(client):
    set_max_age(90)
    person = StaffFactory()
    age_password(person, 91)
    response = client.post(LOGIN_URL, {"username": person.username, "password": TEST_PASSWORD, "next": "/audit/"})
    assert response.status_code == 302 and response.url.startswith(EXPIRED_URL)
    assert "_auth_user_id" not in client.session  # not signed in yet
    page = client.get(response.url)
    assert page.status_code == 200 and page.context["days"] == 90

    mismatch = client.post(EXPIRED_URL, {"new_password1": NEW_PASSWORD, "new_password2": "something-else-9"})
    assert mismatch.status_code == 200 and mismatch.context["form"].errors
    same = client.post(EXPIRED_URL, {"new_password1": TEST_PASSWORD, "new_password2": TEST_PASSWORD})
    assert same.status_code == 200 and "new_password1" in same.context["form"].errors
    assert "_auth_user_id" not in client.session

    done = client.post(EXPIRED_URL, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "next": "/audit/"})
    assert done.status_code == 302 and done.url == "/audit/"
    assert client.session["_auth_user_id"] == str(person.pk)
    assert PASSWORD_EXPIRED_SESSION_KEY not in client.session
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert timezone.now() - password_changed_at(person) < timedelta(minutes=1)
    change = AuditEvent.objects.get(action="auth.password_change")
    assert change.actor_id == person.pk and change.target_id == str(person.pk)
    stored = "".join(str(v) for v in AuditEvent.objects.values_list("before", "after", "reason"))
    assert NEW_PASSWORD not in stored and TEST_PASSWORD not in stored
    assert AuditEvent.objects.filter(action="auth.login", actor_id=person.pk).count() == 1

    client.post("/accounts/logout/")
    again = sign_in(client, person, NEW_PASSWORD)
    assert again.status_code == 302 and not again.url.startswith(EXPIRED_URL)


def test_a_recent_password_is_not_asked_for_again(client):
    set_max_age(90)
    person = StaffFactory()
    age_password(person, 30)
    response = sign_in(client, person, TEST_PASSWORD)
    assert response.status_code == 302 and not response.url.startswith(EXPIRED_URL)


def test_the_proof_of_the_old_password_lasts_ten_minutes(client):
    set_max_age(30)
    person = StaffFactory()
    age_password(person, 31)
    sign_in(client, person, TEST_PASSWORD)
    session = client.session
    session[PASSWORD_EXPIRED_SESSION_KEY]["at"] -= 11 * 60
    session.save()
    response = client.post(EXPIRED_URL, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response.url.startswith(LOGIN_URL)
    person.refresh_from_db()
    assert person.check_password(TEST_PASSWORD)
