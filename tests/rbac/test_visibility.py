"""Visibility follows live bindings (issue 8, guarantee e).

A person works in a store while they hold a live binding (or exception grant) there, or own it. Once their
last binding on store A has ended — revoked, or expired even before the sweep marks it — A's admin no longer
finds them anywhere: the staff list, the detail page (404), the search, the person choosers, the API list
and detail. The audit log keeps naming them. Counts and refusals cover only what the viewer may see.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from rbac import services
from rbac.models import RoleBinding
from tests.factories import StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(grant, roles, store, other_store):
    """A customer-service clerk on both stores, with the personal details a colleague must not keep seeing."""
    clerk = StaffFactory(name="离店客服", mobile="13900001111", wecom_userid="LeftClerk", notes="私密备注")
    grant(clerk, roles["customer_service"], store)
    grant(clerk, roles["customer_service"], other_store)
    return clerk


def found_by(client, person) -> dict[str, bool]:
    """Where a viewer finds this person: every way the console and the API offer."""
    listing = client.get(reverse("staff:staff_list")).content.decode()
    search = client.get(reverse("staff:staff_list"), {"q": person.employee_id})
    detail = client.get(reverse("staff:staff_detail", args=[person.pk]))
    choosers = {
        scope: [row["text"] for row in client.get(reverse("staff:staff_lookup"), {"scope": scope}).json()["results"]]
        for scope in ("view", "active")
    }
    api_list = client.get(reverse("api:staff-list"), {"q": person.employee_id}).json()["results"]
    api_detail = client.get(reverse("api:staff-detail", args=[person.pk]))
    return {
        "list": person.name in listing,
        "search": person in search.context["object_list"],
        "detail": detail.status_code == 200 and person.mobile in detail.content.decode(),
        "chooser view": any(person.name in text for text in choosers["view"]),
        "chooser active": any(person.name in text for text in choosers["active"]),
        "api list": [row["id"] for row in api_list] == [person.pk],
        "api detail": api_detail.status_code == 200 and api_detail.json()["mobile"] == person.mobile,
    }


def everywhere(value: bool) -> dict[str, bool]:
    return dict.fromkeys(
        ("list", "search", "detail", "chooser view", "chooser active", "api list", "api detail"), value
    )


def binding_on(person, store) -> RoleBinding:
    return RoleBinding.objects.live().get(staff=person, store=store)


class TestLastBindingEnded:
    def test_revoking_the_last_binding_on_a_store_hides_the_person_from_its_admin(
        self, login, sa, admin_a, admin_b, person, store
    ):
        assert found_by(login(admin_a), person) == everywhere(True)

        services.binding_revoke(actor=sa, binding=binding_on(person, store), reason="moved to store B only")

        client = login(admin_a)
        assert found_by(client, person) == everywhere(False)
        assert client.get(reverse("staff:staff_detail", args=[person.pk])).status_code == 404
        assert client.get(reverse("api:staff-detail", args=[person.pk])).status_code == 404
        assert found_by(login(admin_b), person) == everywhere(True)  # still works in B
        revoked = AuditEvent.objects.get(action="binding.revoke", store=store)
        assert person.name in revoked.target_label  # the audit log still names them

    def test_an_expired_binding_hides_the_person_before_any_sweep(self, login, admin_a, person, store):
        RoleBinding.objects.filter(pk=binding_on(person, store).pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        assert RoleBinding.objects.filter(staff=person, store=store, revoked_at__isnull=True).exists()  # not swept
        assert found_by(login(admin_a), person) == everywhere(False)

    def test_a_binding_not_yet_ended_keeps_them_visible(self, login, admin_a, person, store):
        RoleBinding.objects.filter(pk=binding_on(person, store).pk).update(
            expires_at=timezone.now() + timedelta(hours=1)
        )
        assert found_by(login(admin_a), person) == everywhere(True)

    def test_a_live_exception_grant_keeps_them_in_the_store(self, login, sa, admin_a, person, store):
        services.exception_grant(actor=sa, staff=person, store=store, permission="orders_view", reason="cover")
        services.binding_revoke(actor=sa, binding=binding_on(person, store), reason="r")
        assert found_by(login(admin_a), person) == everywhere(True)

    def test_the_store_filter_follows_live_bindings(self, login, sa, admin_a, person, store):
        client = login(admin_a)
        services.binding_revoke(actor=sa, binding=binding_on(person, store), reason="r")
        response = client.get(reverse("staff:staff_list"), {"store": store.pk})
        assert response.status_code == 200 and person not in response.context["object_list"]
        assert admin_a in response.context["object_list"]

    def test_the_scoped_list_costs_the_same_however_many_people(self, login, grant, roles, admin_a, store):
        client = login(admin_a)

        def queries() -> int:
            client.get(reverse("staff:staff_list"))  # warm-up: last-active stamp, role map
            with CaptureQueriesContext(connection) as captured:
                assert client.get(reverse("staff:staff_list")).status_code == 200
            return len(captured)

        for _ in range(3):
            grant(StaffFactory(), roles["customer_service"], store)
        few = queries()
        people = StaffFactory.create_batch(60)
        RoleBinding.objects.bulk_create(
            RoleBinding(staff=p, role=roles["customer_service"], store=store, reason="bulk") for p in people
        )
        assert queries() == few


class TestCountsAndRefusals:
    def test_the_roles_api_counts_only_the_bindings_the_caller_may_see(
        self, login, sa, admin_a, person, roles, store, other_store
    ):
        customer_service = roles["customer_service"]
        StaffFactory()  # nobody else holds it
        mine = login(admin_a).get(reverse("api:role-list")).json()["results"]
        assert {r["id"]: r["holders"] for r in mine}[customer_service.pk] == 1  # only the binding on A
        detail = login(admin_a).get(reverse("api:role-detail", args=[customer_service.pk])).json()
        assert detail["holders"] == 1
        everyone = login(sa).get(reverse("api:role-list")).json()["results"]
        assert {r["id"]: r["holders"] for r in everyone}[customer_service.pk] == 2

        services.binding_revoke(actor=sa, binding=binding_on(person, store), reason="r")
        mine = login(admin_a).get(reverse("api:role-list")).json()["results"]
        assert {r["id"]: r["holders"] for r in mine}[customer_service.pk] == 0

    def test_offboarding_names_only_the_stores_the_admin_sees(self, admin_a, person, store):
        store.primary_owner = person
        store.save()
        StoreFactory(name="秘密一店", backup_owner=person)
        StoreFactory(name="秘密二店", primary_owner=person)
        with pytest.raises(ValidationError) as refused:
            services.staff_offboard(actor=admin_a, staff=person, reason="resigned")
        assert refused.value.messages == [
            f"{person} still owns stores ({store} and 2 stores you cannot see); hand them to other owners first."
        ]

    def test_offboarding_names_no_store_when_the_admin_sees_none_of_them(self, admin_a, person):
        StoreFactory(name="秘密一店", backup_owner=person)
        with pytest.raises(ValidationError) as refused:
            services.staff_offboard(actor=admin_a, staff=person, reason="resigned")
        assert refused.value.messages == [
            f"{person} still owns stores (1 store you cannot see); hand them to other owners first."
        ]

    def test_offboarding_refusal_in_chinese(self, login, admin_a, person, store):
        StoreFactory(name="秘密一店", backup_owner=person)
        store.primary_owner = person
        store.save()
        client = login(admin_a)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
        response = client.post(reverse("api:staff-offboard", args=[person.pk]), {"reason": "离职"})
        assert response.status_code == 400
        [message] = response.json()["non_field_errors"]
        assert f"{store}，以及 1 个您看不到的店铺" in message and "秘密" not in message
