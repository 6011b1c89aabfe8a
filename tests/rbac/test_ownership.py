"""A store's primary and backup owners can always see and run their store (issue 8, guarantee h).

Decision (rbac.permissions.OWNER_ROLE_KEY): ownership carries the built-in store-admin role on the store.
The permission loader reads it from the store's owner columns in its one query, so it holds without a
binding, follows edits of the role, and ends the moment someone stops being an owner. Owners are thereby
administrators: they must pass the second factor. Naming an owner hands the role out, so only someone who
holds all of it there may (tests/stores/test_store_services.py).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.middleware import needs_second_factor
from core.permissions import forget_permissions, owner_rights, permissions_of
from core.testing import password_login
from rbac import selectors, services
from rbac.permissions import load_permissions, role_cache
from stores import services as store_services
from tests.factories import RoleFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(grant, roles, store):
    person = StaffFactory(name="店里客服")
    grant(person, roles["customer_service"], store)
    return person


@pytest.fixture(params=["primary_owner", "backup_owner"])
def owner(request, store):
    """The store's primary (or backup) owner, who holds no binding anywhere."""
    return getattr(store, request.param)


def reaches(client, store, clerk) -> dict[str, int | bool]:
    store_staff = client.get(reverse("staff:staff_list"), {"store": store.pk})
    return {
        "store page": client.get(reverse("stores:store_detail", args=[store.pk])).status_code,
        "store list": store.name in client.get(reverse("stores:store_list")).content.decode(),
        "store staff": store_staff.status_code == 200 and clerk in store_staff.context["object_list"],
        "staff detail": client.get(reverse("staff:staff_detail", args=[clerk.pk])).status_code,
        "store api": client.get(reverse("api:store-detail", args=[store.pk])).status_code,
        "staff api": client.get(reverse("api:staff-detail", args=[clerk.pk])).status_code,
    }


REACHED = {
    "store page": 200,
    "store list": True,
    "store staff": True,
    "staff detail": 200,
    "store api": 200,
    "staff api": 200,
}
SHUT_OUT = {
    "store page": 404,
    "store list": False,
    "store staff": False,
    "staff detail": 404,
    "store api": 404,
    "staff api": 404,
}


def test_an_owner_without_any_binding_sees_and_runs_their_store(login, owner, store, clerk):
    assert not owner.role_bindings.exists()
    assert reaches(login(owner), store, clerk) == REACHED
    rights = load_permissions(owner)
    assert rights.perms_on(store.pk) == owner_rights() and "users_manage" in owner_rights()


def test_an_owner_grants_within_their_store(owner, store, roles):
    newcomer = StaffFactory()
    role = RoleFactory(permissions=["orders_view", "products_view"])
    binding = services.binding_grant(actor=owner, staff=newcomer, role=role, store=store, reason="new colleague")
    assert binding.store_id == store.pk and binding.granted_by_id == owner.pk


def test_someone_who_stops_being_the_owner_loses_the_store_at_once(login, sa, grant, roles, owner, store, clerk):
    grant(owner, roles["store_admin"], StoreFactory())  # they run another store, so this one answers 404
    client = login(owner)
    assert reaches(client, store, clerk) == REACHED
    successor = StaffFactory()
    field = "primary_owner" if store.primary_owner_id == owner.pk else "backup_owner"
    store_services.store_update(actor=sa, store=store, data={field: successor}, reason="handed over")
    assert reaches(client, store, clerk) == SHUT_OUT  # the same session, the very next request
    assert reaches(login(successor), store, clerk) == REACHED


def test_ownership_follows_edits_of_the_store_admin_role(sa, owner, store, roles):
    store_admin = roles["store_admin"]
    kept = [p.codename for p in store_admin.permissions.all() if p.codename != "finance_export"]
    services.role_update(actor=sa, role=store_admin, permissions=kept)
    role_cache.invalidate()
    forget_permissions(owner)
    assert not permissions_of(owner).has("finance_export", store.pk)
    assert permissions_of(owner).has("finance_view", store.pk)


def test_owners_must_pass_the_second_factor(client, owner, store):
    assert needs_second_factor(owner)
    password_login(client, owner)
    page = client.get(reverse("stores:store_detail", args=[store.pk]))
    assert page.status_code == 302 and reverse("accounts:otp_setup") in page["Location"]
    api = client.get(reverse("api:store-detail", args=[store.pk]))
    assert api.status_code == 403 and "two-factor verification" in api.json()["detail"]


def test_a_clerk_who_owns_nothing_needs_no_second_factor(clerk):
    assert not needs_second_factor(clerk)


def test_the_loader_still_answers_in_one_query(owner, store, other_store, roles, grant):
    grant(owner, roles["customer_service"], other_store)
    role_cache.get()  # warm
    with CaptureQueriesContext(connection) as captured:
        rights = load_permissions(owner)
    assert len(captured) == 1
    assert set(rights.per_store) == {store.pk, other_store.pk}


def test_owners_are_mentioned_as_store_admins(owner, store, clerk):
    assert owner in selectors.staff_with_role(store=store, role_key="store_admin")
    assert owner in selectors.staff_with_perm(store=store, perm="after_sales_approve_refund")
    assert owner not in selectors.staff_with_role(store=store, role_key="customer_service")
    elsewhere = StoreFactory()
    assert owner not in selectors.staff_with_role(store=elsewhere, role_key="store_admin")


def test_the_why_page_names_ownership(login, sa, owner, store):
    response = login(sa).get(reverse("rbac:why"), {"staff": owner.pk, "store": store.pk, "permission": "users_manage"})
    explanation = response.context["explanation"]
    assert explanation.allowed and explanation.owner in ("primary", "backup") and not explanation.bindings
    assert 'id="why-owner"' in response.content.decode()
