"""Every refused write request leaves one `denied` audit event (actor, URL name, target, reason, method),
coalesced per actor and URL name per minute so that a flood cannot grow the log."""

import pytest
import redis
from django.urls import reverse

from audit import services as audit_services
from audit.models import AuditEvent, DeniedRepeat
from audit.services import verify_chain
from tests.factories import StaffFactory, StoreFactory, api_token

pytestmark = pytest.mark.django_db


def denied():
    return list(AuditEvent.objects.filter(action="denied").order_by("id"))


@pytest.fixture
def outsider(login):
    """Signed in (no second factor needed), holding no role anywhere."""
    person = StaffFactory(name="路人甲")
    login(person)
    return person


@pytest.fixture
def redis_down(monkeypatch):
    """Redis cannot be reached: the refusal window falls back to the database."""
    unreachable = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.1, socket_timeout=0.1)
    monkeypatch.setattr(audit_services, "_redis_client", unreachable)


def test_a_refused_post_writes_one_denied_event(client, outsider):
    response = client.post(reverse("stores:store_create"), {"name": "偷建的店"})

    assert response.status_code == 403
    (event,) = denied()
    assert (event.actor_id, event.actor_display, event.source) == (outsider.pk, str(outsider), "web")
    assert event.after["url_name"] == "stores:store_create"
    assert event.after["method"] == "POST"
    assert event.after["target"] == {}
    assert event.after["reason"] and event.reason == event.after["reason"]
    assert event.target_label == reverse("stores:store_create")


def test_a_refused_write_to_an_object_names_its_target(client, outsider):
    store = StoreFactory()  # not one of the outsider's stores: 403 or 404, either way refused
    url = reverse("stores:store_edit", args=[store.pk])

    response = client.post(url, {"name": "改名"})

    assert response.status_code in (403, 404)
    (event,) = denied()
    assert event.after["url_name"] == "stores:store_edit"
    assert event.after["target"] == {"pk": str(store.pk)} and event.target_id == str(store.pk)
    assert event.after["status"] == response.status_code


def test_a_flood_within_a_minute_writes_one_event_and_counts_the_rest(client, outsider):
    url = reverse("stores:store_create")
    for _ in range(50):
        assert client.post(url, {"name": "x"}).status_code == 403

    (event,) = denied()
    assert DeniedRepeat.objects.get(event=event).repeats == 49
    checked, broken, _why = verify_chain()
    assert broken is None and checked == AuditEvent.objects.count()


def test_the_window_is_per_actor_and_per_url(client, login, outsider):
    client.post(reverse("stores:store_create"), {"name": "x"})
    client.post(reverse("staff:department_create"), {"name": "x"})
    other = StaffFactory(name="路人乙")
    login(other)
    client.post(reverse("stores:store_create"), {"name": "x"})

    seen = [(e.actor_id, e.after["url_name"], e.after["method"]) for e in denied()]
    assert seen == [
        (outsider.pk, "stores:store_create", "POST"),
        (outsider.pk, "staff:department_create", "POST"),
        (other.pk, "stores:store_create", "POST"),
    ]


def test_a_refused_token_write_is_credited_to_the_tokens_owner(client):
    person = StaffFactory(name="接口用户")
    key = api_token(person)

    response = client.post(
        reverse("api:department-list"),
        {"name": "x"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )

    assert response.status_code == 403
    (event,) = denied()
    assert (event.actor_id, event.source, event.after["url_name"]) == (person.pk, "api", "api:department-list")


def test_an_anonymous_refused_write_has_no_actor(client):
    response = client.post(reverse("api:department-list"), {"name": "x"}, content_type="application/json")

    assert response.status_code in (401, 403)
    (event,) = denied()
    assert event.actor_id is None and event.after["url_name"] == "api:department-list"


def test_a_refused_read_is_not_a_denied_event(client, outsider):
    assert client.get(reverse("stores:store_create")).status_code == 403
    assert denied() == []


def test_without_redis_the_database_coalesces(client, outsider, redis_down):
    url = reverse("stores:store_create")
    for _ in range(20):
        assert client.post(url, {"name": "x"}).status_code == 403

    (event,) = denied()
    assert DeniedRepeat.objects.get(event=event).repeats == 19


def test_a_window_whose_event_is_gone_starts_again(client, outsider):
    """A Redis key that outlived its event (a restored database) does not swallow the next refusal."""
    key = f"shopcrew:denied:{outsider.pk}:stores:store_create"
    audit_services._redis().set(key, "999999999:not-a-hash", ex=60)

    client.post(reverse("stores:store_create"), {"name": "x"})

    assert len(denied()) == 1


def test_a_delegation_refusal_shown_on_the_form_is_a_denied_event(client, login, grant, roles):
    """The grant page turns the service's refusal into a form error (not a 403): still one `denied` event,
    with the service's reason."""
    from django.utils import translation

    from tests.factories import RoleFactory

    store = StoreFactory()
    admin_a = StaffFactory(name="A店管理员")
    grant(admin_a, roles["store_admin"], store)
    role = RoleFactory(name="只看订单", permissions=["orders_view"])
    login(admin_a)
    data = {"staff": admin_a.pk, "role": role.pk, "store": store.pk, "reason": "给自己加权限"}

    response = client.post(reverse("rbac:binding_grant"), data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code in (200, 400)
    with translation.override("en"):
        assert "You cannot grant or revoke your own roles" in response.content.decode()
    (event,) = denied()
    assert event.actor_id == admin_a.pk and event.after["url_name"] == "rbac:binding_grant"
    assert event.reason.startswith("You cannot grant or revoke your own roles")


def test_an_approval_refusal_is_a_denied_event(client, login, grant, roles):
    from rbac import services

    store = StoreFactory()
    admin_a = StaffFactory(name="A店管理员")
    grant(admin_a, roles["store_admin"], store)
    colleague = StaffFactory(name="同事")
    grant(colleague, roles["customer_service"], store)
    req = services.access_request_create(
        actor=admin_a, staff=colleague, store=store, role=roles["finance_analyst"], reason="月结"
    )
    login(admin_a)

    url = reverse("rbac:access_request_approve", args=[req.pk])
    response = client.post(url, {"reason": "同意"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    (event,) = denied()
    assert event.after["target"] == {"pk": str(req.pk)} and "another person must decide" in event.reason


def test_a_write_refused_by_a_middleware_names_its_url(client):
    """Refused before the URL was resolved (an admin who has not passed the second factor): still named."""
    from tests.factories import SuperuserFactory

    admin = SuperuserFactory()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")

    response = client.post(reverse("api:department-list"), {"name": "x"}, content_type="application/json")

    assert response.status_code == 403
    (event,) = denied()
    assert (event.actor_id, event.after["url_name"]) == (admin.pk, "api:department-list")
