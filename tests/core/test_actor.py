"""Every write is credited to the person behind it, whatever authenticated them: a session, an API token
(authenticated by DRF inside the view, after every middleware), or a task started on someone's behalf."""

import json

import pytest
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.request import Request

from audit.models import AuditEvent
from audit.services import record
from core import context
from core.api.authentication import TokenAuthentication
from tests.factories import RoleFactory, StaffFactory, StoreFactory, SuperuserFactory, api_token

pytestmark = pytest.mark.django_db


def token_client(client, user):
    key = api_token(user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    return client


def test_a_token_write_credits_the_tokens_owner(client):
    admin = SuperuserFactory(name="接口管理员")
    response = token_client(client, admin).post(
        reverse("api:department-list"), {"name": "财务"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    event = AuditEvent.objects.get(action="department.create")
    assert (event.actor_id, event.actor_display, event.source) == (admin.pk, str(admin), "api")


def test_a_role_grant_through_the_api_with_a_token_credits_the_granter(client, grant, roles):
    store = StoreFactory()
    admin_a = StaffFactory(name="A店管理员")
    grant(admin_a, roles["store_admin"], store)
    person = StaffFactory(name="新同事")  # already works in the store, so its admin can see them
    grant(person, RoleFactory(permissions=["shipping_view"]), store)
    role = RoleFactory(name="只看订单", permissions=["orders_view"])
    client = token_client(client, admin_a)
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    response = client.post(
        reverse("api:binding-list"),
        {"staff": person.pk, "role": role.pk, "store": store.pk, "reason": "新人上岗"},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    events = AuditEvent.objects.filter(pk__gt=last)
    assert events.exists()
    assert {(e.action, e.actor_id, e.source) for e in events} == {("binding.grant", admin_a.pk, "api")}


def test_a_session_write_through_the_api_credits_the_session_user(client, login):
    admin = SuperuserFactory()
    response = login(admin).post(reverse("api:department-list"), {"name": "仓储部"}, content_type="application/json")
    assert response.status_code == 201
    assert AuditEvent.objects.get(action="department.create").actor_id == admin.pk


def test_token_authentication_binds_the_actor_itself():
    """The root fix, apart from the safety net: DRF's authentication binds the token's owner."""
    owner = StaffFactory()
    key = api_token(owner)
    request = Request(RequestFactory().post("/api/v1/departments/", HTTP_AUTHORIZATION=f"Token {key}"))
    with context.bound(source="api", actor_id=None, actor_display="", request=None):
        user, _token = TokenAuthentication().authenticate(request)
        assert (context.current().actor_id, context.current().actor_display) == (owner.pk, str(owner))
    assert user == owner


def test_an_authenticated_request_never_records_an_empty_actor():
    """The safety net: something recorded before anything bound the actor (say, a hook that runs ahead of
    authentication), while the request is authenticated: the request's user is credited, not nobody."""
    person = StaffFactory(name="张三")
    request = RequestFactory().post("/staff/")
    request.user = person
    with context.bound(source="web", actor_id=None, actor_display="", request=request):
        event = record("staff.update", target=person, after={"name": "张三"})
    assert (event.actor_id, event.actor_display) == (person.pk, str(person))


def test_an_anonymous_request_records_no_actor():
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().post("/accounts/login/")
    request.user = AnonymousUser()
    with context.bound(source="web", actor_id=None, actor_display="", request=request):
        event = record("auth.login_failed", target_type="staff", target_label="nobody")
    assert event.actor_id is None and event.actor_display == ""


def test_a_task_credits_whoever_started_the_work():
    starter = StaffFactory(name="李经理")
    request = RequestFactory().post("/rbac/bulk/")
    request.user = starter
    with context.bound(source="web", request_id="req42", actor_id=None, actor_display="", request=request):
        handoff = context.handoff()
    assert json.loads(json.dumps(handoff)) == handoff  # travels as a Celery task's JSON arguments

    with context.task_context(**handoff):
        event = record("binding.expire", target=starter)
    assert (event.source, event.actor_id, event.actor_display, event.request_id) == (
        "task",
        starter.pk,
        str(starter),
        "req42",
    )


def test_a_system_task_credits_nobody_even_inside_a_request():
    person = StaffFactory()
    with context.bound(source="web", actor_id=person.pk, actor_display=str(person)):
        with context.task_context():
            event = record("binding.expire", target=person)
    assert event.source == "task" and event.actor_id is None


def test_a_signed_in_persons_api_write_refused_for_its_missing_csrf_token_is_credited_to_them(client, login):
    """DRF answers a session write without a CSRF token 403 and, on the way, replaces the request's user with
    an anonymous one; the `denied` event still names the person, whom the middleware bound on arrival."""
    from django.test import Client

    person = SuperuserFactory(name="忘带令牌的人")
    browser = Client(enforce_csrf_checks=True)
    login(person)
    browser.cookies = client.cookies

    response = browser.post(reverse("api:department-list"), {"name": "财务"}, content_type="application/json")

    assert response.status_code == 403
    event = AuditEvent.objects.get(action="denied")
    assert (event.actor_id, event.actor_display) == (person.pk, str(person))
    assert event.after["url_name"] == "api:department-list"
