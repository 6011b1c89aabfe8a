"""访问来源与IP风控 (issue 10, item 4): an administrator signing in from an address or browser not seen before is
announced to the security robot; administrators may be restricted to the company's networks."""

import pytest

from audit.models import AuditEvent
from events.choices import EventKind
from events.models import Event
from security.models import SecurityPolicy, SeenSource
from security.sources import browser_label
from tests.factories import TEST_PASSWORD, StaffFactory, SuperuserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
CHROME_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
)
CHROME_WIN_NEWER = CHROME_WIN.replace("131.0", "132.0")
SAFARI_IOS = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1"


def sign_in(client, person, *, ip, agent=CHROME_WIN, password=TEST_PASSWORD):
    response = client.post(
        LOGIN_URL, {"username": person.username, "password": password}, REMOTE_ADDR=ip, HTTP_USER_AGENT=agent
    )
    client.post("/accounts/logout/")
    return response


def announced():
    return list(
        Event.objects.filter(kind=EventKind.SECURITY_NEW_SOURCE).order_by("id").values_list("payload", flat=True)
    )


def test_browser_labels_are_short_and_readable():
    assert browser_label(CHROME_WIN) == "Chrome / Windows"
    assert browser_label(SAFARI_IOS) == "Safari / iOS"
    assert browser_label("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0") == "Firefox / Linux"
    assert browser_label(CHROME_WIN.replace("Safari/537.36", "Safari/537.36 Edg/131.0")) == "Edge / Windows"
    assert browser_label("") == "? / ?"


def test_an_admin_from_a_new_address_or_browser_is_announced_once(client):
    admin = SuperuserFactory(name="陈静")
    sign_in(client, admin, ip="203.0.113.7")
    [first] = announced()
    assert first == {"person": "陈静", "account": admin.username, "ip": "203.0.113.7", "browser": "Chrome / Windows"}
    assert Event.objects.get(kind=EventKind.SECURITY_NEW_SOURCE).store_id is None

    sign_in(client, admin, ip="203.0.113.7", agent=CHROME_WIN_NEWER)  # a browser update is not a new browser
    assert len(announced()) == 1
    sign_in(client, admin, ip="198.51.100.4")  # a new address
    sign_in(client, admin, ip="203.0.113.7", agent=SAFARI_IOS)  # a new browser
    assert [(p["ip"], p["browser"]) for p in announced()[1:]] == [
        ("198.51.100.4", "Chrome / Windows"),
        ("203.0.113.7", "Safari / iOS"),
    ]
    assert SeenSource.objects.filter(user=admin).count() == 3


def test_people_without_administrative_rights_are_remembered_but_not_announced(client):
    clerk = StaffFactory()
    sign_in(client, clerk, ip="203.0.113.8")
    assert SeenSource.objects.filter(user=clerk).count() == 1
    assert announced() == []


def test_a_failed_sign_in_announces_nothing(client):
    sign_in(client, SuperuserFactory(), ip="203.0.113.9", password="Wrong-password-1")
    assert announced() == [] and not SeenSource.objects.exists()


def test_administrators_outside_the_company_networks_are_refused_before_the_password_is_checked(client):
    SecurityPolicy.objects.create(pk=1, admin_networks="10.0.0.0/8\n192.168.1.0/24")
    admin, clerk = SuperuserFactory(), StaffFactory()

    outside = sign_in(client, admin, ip="203.0.113.50")
    assert outside.status_code == 200 and "_auth_user_id" not in client.session
    message = " ".join(outside.context["form"].non_field_errors())
    assert "203.0.113.50" in message
    refused = AuditEvent.objects.get(action="auth.login_refused")
    assert refused.target_id == str(admin.pk)
    # The password was not checked: a wrong one gets the same answer, and no failure counts towards a lockout.
    wrong = sign_in(client, admin, ip="203.0.113.50", password="Wrong-password-1")
    assert wrong.context["form"].non_field_errors() == outside.context["form"].non_field_errors()
    assert not AuditEvent.objects.filter(action="auth.login_failed").exists()

    inside = client.post(LOGIN_URL, {"username": admin.username, "password": TEST_PASSWORD}, REMOTE_ADDR="10.20.30.40")
    assert inside.status_code == 302 and client.session["_auth_user_id"] == str(admin.pk)
    client.post("/accounts/logout/")
    # Everyone else signs in from anywhere.
    anywhere = client.post(
        LOGIN_URL, {"username": clerk.username, "password": TEST_PASSWORD}, REMOTE_ADDR="203.0.113.50"
    )
    assert anywhere.status_code == 302


def test_a_store_administrator_counts_as_an_administrator(client, roles):
    from rbac import services as rbac_services
    from tests.factories import StoreFactory

    store_admin = StaffFactory(name="孙浩")
    rbac_services.binding_bootstrap(staff=store_admin, role=roles["store_admin"], store=StoreFactory(), reason="test")
    sign_in(client, store_admin, ip="203.0.113.60")
    assert [p["account"] for p in announced()] == [store_admin.username]

    SecurityPolicy.objects.create(pk=1, admin_networks="10.0.0.0/8")
    refused = sign_in(client, store_admin, ip="203.0.113.60")
    assert refused.status_code == 200 and refused.context["form"].errors
