"""Sign-in throttling (django-axes through core.lockout): an account from one address is locked after the failure
limit, tiered 15 minutes → 1 hour → 24 hours; one address spraying many accounts is locked whatever its browser
claims to be; many addresses guessing one account lock it only for addresses it never signed in from; and the
real person still signs in from their own address.

Time passes by moving axes' stored timestamps back ("travel"), not by sleeping.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F, Sum
from django.utils import timezone

from audit.models import AuditEvent
from core.lockout import TIERS, lockout_state
from events.choices import EventKind
from events.models import Event
from tests.factories import TEST_PASSWORD, StaffFactory, SuperuserFactory

from .helpers import LOGIN_URL, actions

pytestmark = pytest.mark.django_db

WRONG = "Wrong-password-123"
HOME = "127.0.0.1"  # the test client's address


def travel(minutes: float) -> None:
    """Pretend `minutes` have passed: move every stored sign-in time back."""
    delta = timedelta(minutes=minutes)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)
    AccessAttemptExpiration.objects.update(expires_at=F("expires_at") - delta)
    AccessFailureLog.objects.update(attempt_time=F("attempt_time") - delta)
    AccessLog.objects.update(attempt_time=F("attempt_time") - delta)
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
    assert lockout.after == {
        "username": person.username,
        "ip": HOME,
        "scope": "pair",
        "failures": limit,
        "cooloff_minutes": 15,
    }
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
    assert lockout_state(username, HOME).cooloff == TIERS[0] == timedelta(minutes=15)
    travel(16)

    fail_until_locked(client, username)
    state = lockout_state(username, HOME)
    assert state.cooloff == timedelta(hours=1) and state.locked_until is not None
    travel(30)
    assert attempt(client, username, TEST_PASSWORD).status_code == 429  # 15 minutes are not enough now
    travel(31)

    fail_until_locked(client, username)
    assert lockout_state(username, HOME).cooloff == timedelta(hours=24)
    travel(23 * 60)
    assert attempt(client, username, TEST_PASSWORD).status_code == 429
    travel(61)
    assert signs_in(client, username)

    # A successful sign-in starts the count again.
    assert lockout_state(username, HOME).cooloff == TIERS[0]
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


# ---- per account+address, per address, per account (issue 10, item 4) ---------------------------------------

ATTACKER = "198.51.100.7"
OFFICE = "203.0.113.10"


def from_address(client, username, password=WRONG, *, ip, agent="Mozilla/5.0 (Windows NT 10.0) Chrome/131.0"):
    return attempt(client, username, password, REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)


def signs_in_from(client, username, *, ip) -> bool:
    """The right password from `ip` is accepted (on to the second factor, or straight in)."""
    response = from_address(client, username, TEST_PASSWORD, ip=ip)
    signed_in = response.status_code == 302 and "_auth_user_id" in client.session
    if signed_in:
        client.post("/accounts/logout/")
    return signed_in


def test_spraying_from_one_address_with_rotating_browsers_is_throttled_while_the_admin_signs_in_elsewhere(client):
    """Done-when of issue 10: 40 failures across accounts from one address, each with a new User-Agent, are
    throttled; the real admin, one of the accounts sprayed, still signs in from another address."""
    admin = SuperuserFactory()
    people = [admin, *StaffFactory.create_batch(9)]
    names = [p.username for p in people] + [f"guess{i}" for i in range(30)]
    limit = settings.SHOPCREW_SIGNIN_ADDRESS_LIMIT
    codes = [
        from_address(
            client, names[i % len(names)], ip=ATTACKER, agent=f"Mozilla/5.0 bot-{i} Chrome/{100 + i}.0"
        ).status_code
        for i in range(40)
    ]
    assert codes[: limit - 1] == [200] * (limit - 1)
    assert codes[limit - 1 :] == [429] * (40 - limit + 1)
    # From that address even a right password is no longer checked, whoever's it is and whatever the browser.
    assert from_address(client, people[3].username, TEST_PASSWORD, ip=ATTACKER, agent="curl/8.0").status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_failed", after__username__isnull=False).count() == 41

    lockout = AuditEvent.objects.get(action="auth.lockout")
    assert lockout.after["scope"] == "address" and lockout.after["ip"] == ATTACKER
    assert lockout.target_label == ATTACKER and lockout.target_id == ""
    event = Event.objects.get(kind=EventKind.SECURITY_LOCKOUT)
    assert event.store_id is None
    assert event.payload["ip"] == ATTACKER and event.payload["account"] == "-" and event.payload["failures"] == limit
    assert set(event.payload) == {"account", "ip", "failures", "until", "by"} and event.payload["until"]

    assert signs_in_from(client.__class__(), admin.username, ip=OFFICE)


def test_guessing_one_account_locks_that_account_from_that_address_only(client):
    person = StaffFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert from_address(client, person.username, ip=ATTACKER).status_code == 200
    assert from_address(client, person.username, ip=ATTACKER).status_code == 429
    assert from_address(client, person.username, TEST_PASSWORD, ip=ATTACKER, agent="another").status_code == 429
    assert signs_in_from(client.__class__(), person.username, ip=OFFICE)  # the person, from their own address
    # The attacker's address may still be used for other accounts (a shared office network is not shut).
    assert signs_in_from(client.__class__(), StaffFactory().username, ip=ATTACKER)


def test_many_addresses_guessing_one_account_lock_it_only_for_addresses_it_never_used(client):
    admin = SuperuserFactory()
    assert signs_in_from(client.__class__(), admin.username, ip=OFFICE)  # the admin's own address is known
    limit = settings.SHOPCREW_SIGNIN_ACCOUNT_LIMIT
    per_address = settings.AXES_FAILURE_LIMIT - 1  # each address stays under its own pair limit
    botnet = [f"192.0.2.{n}" for n in range(1, limit // per_address + 2)]
    for ip in botnet:
        for _ in range(per_address):
            from_address(client, admin.username, ip=ip)
    # Once the account's limit is reached, further guesses from new addresses are refused unchecked.
    checked = AccessAttempt.objects.filter(username=admin.username).aggregate(n=Sum("failures_since_start"))["n"]
    assert checked == limit
    new_place = client.__class__()
    assert from_address(new_place, admin.username, TEST_PASSWORD, ip="192.0.2.200").status_code == 429
    assert "_auth_user_id" not in new_place.session
    assert signs_in_from(client.__class__(), admin.username, ip=OFFICE)
    lockout = AuditEvent.objects.get(action="auth.lockout")
    assert lockout.after["scope"] == "account" and lockout.target_label == admin.username


def test_signing_in_clears_only_the_accounts_own_failures_not_the_addresss(client):
    """An insider cannot reset a sprayed address's count by signing in to their own account from it."""
    insider = StaffFactory()
    for i in range(settings.SHOPCREW_SIGNIN_ADDRESS_LIMIT - 1):
        from_address(client, f"victim{i}", ip=ATTACKER)
    assert signs_in_from(client, insider.username, ip=ATTACKER)
    assert from_address(client, "victim-next", ip=ATTACKER).status_code == 429
