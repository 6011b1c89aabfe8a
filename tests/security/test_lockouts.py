"""Super admins see the sign-in lockouts in force and lift them (audited); lockouts and unlocks reach the security
robot (issue 10, item 4)."""

import pytest
from django.conf import settings

from audit.models import AuditEvent
from core.lockout import current_lockouts
from events.choices import EventKind
from events.models import Event
from tests.factories import TEST_PASSWORD, StaffFactory, SuperuserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
LIST_URL = "/security/lockouts/"
LIFT_URL = "/security/lockouts/lift/"
ATTACKER = "198.51.100.23"


def fail(client, username, *, ip=ATTACKER, times=1, password="Wrong-password-1"):
    for _ in range(times):
        response = client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip)
    return response


def test_the_page_lists_each_lockout_and_lifting_one_lets_the_person_in_again(client, login):
    person = StaffFactory()
    fail(client, person.username, times=settings.AXES_FAILURE_LIMIT)
    for i in range(settings.SHOPCREW_SIGNIN_ADDRESS_LIMIT):
        fail(client, f"sprayed{i}", ip="192.0.2.50")
    assert fail(client, person.username, password=TEST_PASSWORD).status_code == 429

    admin = SuperuserFactory(name="安全管理员")
    page = login(admin).get(LIST_URL)
    assert page.status_code == 200
    rows = {(lo.kind, lo.username, lo.ip, lo.failures) for lo in page.context["lockouts"]}
    assert rows == {
        ("pair", person.username, ATTACKER, settings.AXES_FAILURE_LIMIT),
        ("address", "", "192.0.2.50", settings.SHOPCREW_SIGNIN_ADDRESS_LIMIT),
    }
    html = page.content.decode()
    assert person.username in html and ATTACKER in html and "192.0.2.50" in html
    assert all(lo.until is not None for lo in page.context["lockouts"])

    lifted = client.post(LIFT_URL, {"kind": "pair", "username": person.username, "ip": ATTACKER})
    assert lifted.status_code == 302 and lifted.url == LIST_URL
    assert {lo.kind for lo in current_lockouts()} == {"address"}
    unlock = AuditEvent.objects.get(action="auth.unlock")
    assert unlock.actor_id == admin.pk and unlock.target_id == str(person.pk)
    assert unlock.before["failures"] == settings.AXES_FAILURE_LIMIT and unlock.after["failures"] == 0
    event = Event.objects.get(kind=EventKind.SECURITY_UNLOCK)
    assert event.store_id is None
    assert event.payload["account"] == person.username and event.payload["ip"] == ATTACKER
    assert event.payload["by"] == "安全管理员" and set(event.payload) == {"account", "ip", "failures", "until", "by"}

    client.post(LIFT_URL, {"kind": "address", "username": "", "ip": "192.0.2.50"})
    assert current_lockouts() == []
    assert AuditEvent.objects.filter(action="auth.unlock", target_label="192.0.2.50").count() == 1

    client.post("/accounts/logout/")
    response = fail(client, person.username, password=TEST_PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(person.pk)
    assert fail(client.__class__(), "sprayed-again", ip="192.0.2.50").status_code == 200


def test_lockouts_reach_the_security_robot_once_each(client):
    person = StaffFactory()
    fail(client, person.username, times=settings.AXES_FAILURE_LIMIT + 3)  # blocked attempts announce nothing more
    event = Event.objects.get(kind=EventKind.SECURITY_LOCKOUT)
    assert event.payload["account"] == person.username and event.payload["ip"] == ATTACKER
    assert event.payload["failures"] == settings.AXES_FAILURE_LIMIT and event.payload["by"] == ""


def test_lifting_a_lockout_that_already_ended_says_so(client, login):
    login(SuperuserFactory())
    response = client.post(LIFT_URL, {"kind": "pair", "username": "nobody", "ip": ATTACKER}, follow=True)
    assert "该锁定已经结束。" in [str(m) for m in response.context["messages"]]  # the console speaks Chinese
    assert not AuditEvent.objects.filter(action="auth.unlock").exists()


def test_the_list_costs_the_same_however_many_lockouts(client, login, django_assert_max_num_queries):
    for i in range(12):
        fail(client, f"guessed{i}", ip=f"192.0.2.{i + 1}", times=settings.AXES_FAILURE_LIMIT)
    login(SuperuserFactory())
    with django_assert_max_num_queries(14):
        page = client.get(LIST_URL)
    assert len(page.context["lockouts"]) == 12


@pytest.mark.django_db(transaction=True)
def test_a_real_sign_in_request_commits_the_lockout_and_the_new_source_announcements(client):
    """Outside a test's wrapping transaction, as in production: the messages are written in their own
    transactions (the outbox refuses a write outside one)."""
    person = StaffFactory()
    fail(client, person.username, times=settings.AXES_FAILURE_LIMIT)
    assert Event.objects.filter(kind=EventKind.SECURITY_LOCKOUT).count() == 1
    admin = SuperuserFactory()
    response = client.post(
        LOGIN_URL, {"username": admin.username, "password": TEST_PASSWORD}, REMOTE_ADDR="203.0.113.3"
    )
    assert response.status_code == 302
    assert Event.objects.filter(kind=EventKind.SECURITY_NEW_SOURCE).count() == 1
