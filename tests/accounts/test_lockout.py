"""Lockout after repeated failed sign-ins (django-axes), tiered 15 minutes → 1 hour → 24 hours.

Time passes by moving axes' stored timestamps back ("travel"), not by sleeping.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from audit.models import AuditEvent
from core.lockout import TIERS, lockout_state
from tests.factories import TEST_PASSWORD, StaffFactory

from .helpers import LOGIN_URL, actions

pytestmark = pytest.mark.django_db

WRONG = "Wrong-password-123"


def travel(minutes: float) -> None:
    """Pretend `minutes` have passed: move every stored sign-in time back."""
    delta = timedelta(minutes=minutes)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)
    AccessAttemptExpiration.objects.update(expires_at=F("expires_at") - delta)
    AccessFailureLog.objects.update(attempt_time=F("attempt_time") - delta)
    get_user_model().objects.filter(last_login__isnull=False).update(last_login=F("last_login") - delta)


def attempt(client, username, password=WRONG, **headers):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **headers)


def fail_until_locked(client, username):
    responses = [attempt(client, username) for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert [r.status_code for r in responses[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert responses[-1].status_code == 429
    return responses[-1]


def signs_in(client, username) -> bool:
    response = attempt(client, username, TEST_PASSWORD)
    signed_in = response.status_code == 302
    if signed_in:
        client.post("/accounts/logout/")
    return signed_in


def test_locked_after_the_failure_limit_even_with_the_right_password(client):
    person = StaffFactory()
    locked = fail_until_locked(client, person.username)
    assert "accounts/locked.html" in [t.name for t in locked.templates]
    assert attempt(client, person.username, TEST_PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session

    limit = settings.AXES_FAILURE_LIMIT
    # The lockout is recorded while axes handles the failure that triggers it, then that failure itself.
    assert actions() == ["auth.login_failed"] * (limit - 1) + ["auth.lockout", "auth.login_failed", "auth.login_failed"]
    lockout = AuditEvent.objects.get(action="auth.lockout")
    assert lockout.target_id == str(person.pk) and lockout.target_label == person.username
    assert lockout.after == {"username": person.username, "failures": limit, "cooloff_minutes": 15}
    blocked = AuditEvent.objects.filter(action="auth.login_failed").order_by("id").last()
    assert blocked.reason.startswith("locked out")


def test_lockout_ends_after_fifteen_minutes_the_first_time(client):
    person = StaffFactory()
    fail_until_locked(client, person.username)
    travel(14)
    assert attempt(client, person.username, TEST_PASSWORD).status_code == 429
    travel(2)
    assert signs_in(client, person.username)


def test_each_further_lockout_lasts_longer(client):
    person = StaffFactory()
    username = person.username

    fail_until_locked(client, username)
    assert lockout_state(username).cooloff == TIERS[0] == timedelta(minutes=15)
    travel(16)

    fail_until_locked(client, username)
    state = lockout_state(username)
    assert state.cooloff == timedelta(hours=1) and state.locked_until is not None
    travel(30)
    assert attempt(client, username, TEST_PASSWORD).status_code == 429  # 15 minutes are not enough now
    travel(31)

    fail_until_locked(client, username)
    assert lockout_state(username).cooloff == timedelta(hours=24)
    travel(23 * 60)
    assert attempt(client, username, TEST_PASSWORD).status_code == 429
    travel(61)
    assert signs_in(client, username)

    # A successful sign-in starts the count again.
    assert lockout_state(username).cooloff == TIERS[0]
    cooloffs = list(
        AuditEvent.objects.filter(action="auth.lockout").order_by("id").values_list("after__cooloff_minutes", flat=True)
    )
    assert cooloffs == [15, 60, 24 * 60]


def test_another_account_locking_does_not_shorten_a_longer_lockout(client):
    """Each failure row expires on its own: a tier-1 lockout survives another person's 15-minute one."""
    first, second = StaffFactory(), StaffFactory()
    fail_until_locked(client, first.username)
    travel(16)
    fail_until_locked(client, first.username)  # an hour this time
    travel(20)
    other = client.__class__(HTTP_USER_AGENT="another browser")  # not caught by the ip+browser rule
    fail_until_locked(other, second.username)
    travel(16)
    assert attempt(other, second.username, TEST_PASSWORD, HTTP_USER_AGENT="another browser").status_code == 302
    assert attempt(client, first.username, TEST_PASSWORD).status_code == 429


def test_locked_page_speaks_the_users_language(client):
    person = StaffFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, person.username)
    english = attempt(client, person.username, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 429 and b'<html lang="en">' in english.content
    chinese = attempt(client, person.username, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert chinese.status_code == 429 and b'<html lang="zh-hans">' in chinese.content
    assert chinese.context["locked_until"] > timezone.now()


def test_unknown_usernames_are_recorded_and_locked_too(client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = attempt(client, "nobody-here")
    assert response.status_code == 429
    failed = AuditEvent.objects.filter(action="auth.login_failed").order_by("id").first()
    assert failed.target_label == "nobody-here" and failed.target_id == ""
    assert AuditEvent.objects.filter(action="auth.lockout", target_label="nobody-here").count() == 1
