"""The request path core owns: the declared gate, the unscoped escape hatch, and the API's error shape."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from core.gates import Gate, Scope, dangerously_unscoped, restricted, unscoped_reason
from core.permissions import PermissionSet
from staff.models import Department, Staff
from tests.factories import DepartmentFactory, StaffFactory, SuperuserFactory

pytestmark = pytest.mark.django_db


def as_holding(user, perms: PermissionSet):
    user._shopcrew_perms = perms  # the PermissionSet cached for this request's user object
    return user


class TestGate:
    def test_store_scope_needs_the_permission_on_some_store(self):
        user = as_holding(StaffFactory(), PermissionSet(per_store={1: frozenset({"users_view"})}))
        assert Gate("users_view").allows(user)
        assert not Gate("users_manage").allows(user)

    def test_company_scope_needs_it_on_every_store(self):
        one_store = as_holding(StaffFactory(), PermissionSet(per_store={1: frozenset({"users_manage"})}))
        everywhere = as_holding(StaffFactory(), PermissionSet(everywhere={"users_manage"}))
        assert not Gate("users_manage", Scope.COMPANY).allows(one_store)
        assert Gate("users_manage", Scope.COMPANY).allows(everywhere)
        assert not Gate(None, Scope.SUPER_ADMIN).allows(everywhere)

    def test_own_scope_is_any_active_signed_in_person(self):
        assert Gate(None, Scope.OWN).allows(as_holding(StaffFactory(), PermissionSet()))
        assert not Gate(None, Scope.OWN).allows(StaffFactory(is_active=False))

    def test_a_store_gate_without_a_permission_is_a_mistake(self):
        with pytest.raises(ImproperlyConfigured):
            Gate(None).allows(StaffFactory())


class TestUnscoped:
    def test_needs_a_reason_and_survives_filtering(self):
        with pytest.raises(ImproperlyConfigured):
            dangerously_unscoped(Department.objects.all(), reason=" ")
        marked = dangerously_unscoped(Department.objects.all(), reason="the company directory")
        assert unscoped_reason(marked.filter(name="x").order_by("name")) == "the company directory"
        assert unscoped_reason(Department.objects.all()) is None

    def test_a_model_without_stores_is_never_shown_unscoped_by_accident(self):
        DepartmentFactory()
        viewer = as_holding(StaffFactory(), PermissionSet())
        with pytest.raises(ImproperlyConfigured):
            restricted(Department.objects.all(), viewer, "view")
        marked = dangerously_unscoped(Department.objects.all(), reason="the company directory")
        assert restricted(marked, viewer, "view").count() == 1

    def test_a_restricted_model_is_restricted(self):
        StaffFactory()
        viewer = as_holding(StaffFactory(), PermissionSet())
        assert not restricted(Staff.objects.all(), viewer, "view").exists()


class TestApiErrors:
    def test_a_refused_input_answers_code_message_fields_and_request_id(self, client, login):
        login(SuperuserFactory())
        response = client.post(
            reverse("api:store-list"), {"name": ""}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        body = response.json()
        assert response.status_code == 400 and body["code"] == "invalid"
        assert body["message"].startswith("请更正标出的字段")
        assert "name" in body["fields"] and all(isinstance(m, str) for m in body["fields"]["name"])
        assert body["request_id"] == response["X-Request-ID"]

    def test_a_service_refusal_keeps_its_reason_and_a_stable_code(self, client, login):
        me = SuperuserFactory()
        login(me)
        response = client.post(
            reverse("api:staff-offboard", args=[me.pk]),
            {"reason": "leaving"},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        body = response.json()
        assert response.status_code == 403 and body["code"] == "permission_denied"
        assert body["message"] == body["detail"] == "You cannot offboard yourself."
        assert body["request_id"] == response["X-Request-ID"]

    def test_an_object_out_of_reach_is_not_found_with_the_same_shape(self, client, login):
        login(SuperuserFactory())
        response = client.get(reverse("api:store-detail", args=[999999]))
        body = response.json()
        assert response.status_code == 404 and body["code"] == "not_found" and body["message"]
        assert body["request_id"] == response["X-Request-ID"]

    def test_no_right_anywhere_is_403_with_the_same_shape(self, client, login):
        login(StaffFactory())
        response = client.post(reverse("api:store-list"), {}, content_type="application/json")
        body = response.json()
        assert response.status_code == 403 and body["code"] == "permission_denied"
        assert body["message"] == body["detail"]
