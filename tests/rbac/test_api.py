"""The roles API: scoping (403 with no right anywhere, 404 / "does not exist" outside one's stores),
the same delegation and two-person rules as the services, no mass-assignment, audit per mutation."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from rbac.models import AccessRequest, RoleBinding
from tests.factories import RoleFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plain_role(db):
    return RoleFactory(name="只看订单", permissions=["orders_view"])


@pytest.fixture
def colleague(grant, store):
    """colleague() → someone who already works in store A (so its admin can see them)."""

    def _make():
        person = StaffFactory()
        grant(person, RoleFactory(permissions=["shipping_view"]), store)
        return person

    return _make


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _actions_since(mark):
    return list(AuditEvent.objects.filter(pk__gt=mark).order_by("id").values_list("action", flat=True))


def _mark():
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


class TestRoles:
    def test_listed_for_staff_viewers_refused_for_others(self, client, login, admin_a, roles):
        assert client.get(reverse("api:role-list")).status_code in (401, 403)
        login(StaffFactory())
        assert client.get(reverse("api:role-list")).status_code == 403
        response = login(admin_a).get(reverse("api:role-list"))
        assert response.status_code == 200
        by_key = {r["key"]: r for r in response.json()["results"]}
        assert "after_sales_approve_refund" in by_key["customer_service"]["permissions"]

    def test_only_super_admins_write(self, client, login, admin_a, sa, plain_role):
        login(admin_a)
        assert _post(client, reverse("api:role-list"), {"name": "x", "permissions": []}).status_code == 403
        url = reverse("api:role-detail", args=[plain_role.pk])
        assert client.patch(url, {"name": "y"}, content_type="application/json").status_code == 403
        login(sa)
        mark = _mark()
        response = _post(
            client,
            reverse("api:role-list"),
            {"name": "质检", "permissions": ["orders_view"], "is_super_admin": True, "key": "hack"},
        )
        assert response.status_code == 201, response.json()
        assert response.json()["is_super_admin"] is False and response.json()["key"] is None
        assert _actions_since(mark) == ["role.create"]
        response = client.patch(url, {"permissions": ["orders_view", "shipping_view"]}, content_type="application/json")
        assert response.status_code == 200 and response.json()["permissions"] == ["orders_view", "shipping_view"]
        duplicate = _post(client, reverse("api:role-list"), {"name": "质检", "permissions": []})
        assert duplicate.status_code == 400 and "already exists" in duplicate.json()["name"][0]

    def test_built_in_roles_cannot_be_deleted(self, client, login, sa, roles):
        login(sa)
        response = client.delete(reverse("api:role-detail", args=[roles["ads"].pk]))
        assert response.status_code == 400


class TestBindings:
    def test_lists_only_the_callers_stores(
        self, client, login, admin_a, admin_b, grant, plain_role, store, other_store
    ):
        here = grant(StaffFactory(), plain_role, store)
        grant(StaffFactory(), plain_role, other_store)
        login(admin_a)
        response = client.get(reverse("api:binding-list"))
        ids = {b["id"] for b in response.json()["results"]}
        assert here.pk in ids and not RoleBinding.objects.filter(pk__in=ids, store=other_store).exists()
        assert client.get(reverse("api:binding-list"), {"store": other_store.pk}).status_code == 400
        assert client.get(reverse("api:binding-list"), {"store": 10**9}).status_code == 400  # same answer
        other = RoleBinding.objects.filter(store=other_store).first()
        assert client.get(reverse("api:binding-detail", args=[other.pk])).status_code == 404

    def test_grant_201_and_high_risk_202(self, client, login, admin_a, plain_role, roles, store, colleague):
        person = colleague()
        login(admin_a)
        mark = _mark()
        response = _post(
            client,
            reverse("api:binding-list"),
            {
                "staff": person.pk,
                "role": plain_role.pk,
                "store": store.pk,
                "reason": "new hire",
                "granted_by": person.pk,
                "revoked_at": "2020-01-01T00:00:00Z",
                "request": 1,
            },
        )
        assert response.status_code == 201, response.json()
        binding = RoleBinding.objects.get(pk=response.json()["id"])
        assert binding.granted_by == admin_a and binding.revoked_at is None and binding.request is None
        assert _actions_since(mark) == ["binding.grant"]

        response = _post(
            client,
            reverse("api:binding-list"),
            {"staff": person.pk, "role": roles["customer_service"].pk, "store": store.pk, "reason": "refunds"},
        )
        assert response.status_code == 202
        assert AccessRequest.objects.get(pk=response.json()["id"]).status == "pending"

    def test_refusals(self, client, login, admin_a, plain_role, store, other_store, colleague):
        person = colleague()
        login(admin_a)
        url = reverse("api:binding-list")
        stranger = _post(
            client, url, {"staff": StaffFactory().pk, "role": plain_role.pk, "store": store.pk, "reason": "r"}
        )
        assert stranger.status_code == 400 and "staff" in stranger.json()
        elsewhere = _post(
            client, url, {"staff": person.pk, "role": plain_role.pk, "store": other_store.pk, "reason": "r"}
        )
        assert elsewhere.status_code == 400 and "store" in elsewhere.json()
        self_grant = _post(client, url, {"staff": admin_a.pk, "role": plain_role.pk, "store": store.pk, "reason": "r"})
        assert self_grant.status_code == 403 and "your own roles" in self_grant.json()["detail"]
        everywhere = _post(client, url, {"staff": person.pk, "role": plain_role.pk, "store": None, "reason": "r"})
        assert everywhere.status_code == 403 and "all stores" in everywhere.json()["detail"]
        no_reason = _post(client, url, {"staff": person.pk, "role": plain_role.pk, "store": store.pk})
        assert no_reason.status_code == 400

    def test_no_permission_anywhere_is_403(self, client, login, grant, plain_role, store):
        clerk = StaffFactory()
        grant(clerk, plain_role, store)
        login(clerk)
        assert client.get(reverse("api:binding-list")).status_code == 403
        assert (
            _post(
                client,
                reverse("api:binding-list"),
                {"staff": clerk.pk, "role": plain_role.pk, "store": store.pk, "reason": "r"},
            ).status_code
            == 403
        )

    def test_revoke(self, client, login, admin_a, grant, plain_role, store, other_store):
        mine, theirs = grant(StaffFactory(), plain_role, store), grant(StaffFactory(), plain_role, other_store)
        login(admin_a)
        mark = _mark()
        response = _post(client, reverse("api:binding-revoke", args=[mine.pk]), {"reason": "moved"})
        assert response.status_code == 200 and response.json()["live"] is False
        assert _actions_since(mark) == ["binding.revoke"]
        assert _post(client, reverse("api:binding-revoke", args=[theirs.pk]), {"reason": "x"}).status_code == 404
        again = _post(client, reverse("api:binding-revoke", args=[mine.pk]), {"reason": "x"})
        assert again.status_code == 400


class TestAccessRequests:
    def test_approve_and_reject_rules(self, client, login, admin_a, admin_b, grant, roles, store, colleague):
        req = AccessRequest.objects.get(pk=_request(client, login, admin_a, roles, store, colleague()))
        second_admin = StaffFactory()
        grant(second_admin, roles["store_admin"], store)

        login(admin_a)
        mine = _post(client, reverse("api:access-request-approve", args=[req.pk]), {"reason": "ok"})
        assert mine.status_code == 403 and "You made this request" in mine.json()["detail"]
        login(admin_b)
        assert _post(client, reverse("api:access-request-approve", args=[req.pk]), {"reason": "ok"}).status_code == 404
        login(second_admin)
        mark = _mark()
        response = _post(client, reverse("api:access-request-approve", args=[req.pk]), {"reason": "checked"})
        assert response.status_code == 200 and response.json()["status"] == "approved"
        assert _actions_since(mark) == ["binding.grant", "access_request.approve"]

        other = AccessRequest.objects.get(pk=_request(client, login, admin_a, roles, store, colleague()))
        login(second_admin)
        response = _post(client, reverse("api:access-request-reject", args=[other.pk]), {"reason": "no"})
        assert response.status_code == 200 and response.json()["status"] == "rejected"

    def test_ask_for_oneself(self, client, login, grant, plain_role, roles, store, other_store):
        clerk = StaffFactory()
        grant(clerk, plain_role, store)
        login(clerk)
        url = reverse("api:access-request-list")
        response = _post(
            client,
            url,
            {"staff": clerk.pk, "role": roles["customer_service"].pk, "store": store.pk, "reason": "I cover refunds"},
        )
        assert response.status_code == 201, response.json()
        hidden = _post(
            client, url, {"staff": clerk.pk, "role": roles["ads"].pk, "store": other_store.pk, "reason": "r"}
        )
        assert hidden.status_code == 400
        cancel = _post(client, reverse("api:access-request-cancel", args=[response.json()["id"]]), {})
        assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"


def _request(client, login, actor, roles, store, person):
    login(actor)
    response = _post(
        client,
        reverse("api:binding-list"),
        {"staff": person.pk, "role": roles["ads"].pk, "store": store.pk, "reason": "campaign"},
    )
    assert response.status_code == 202
    return response.json()["id"]


class TestExceptionGrantsAndMe:
    def test_exception_grant_lifecycle(self, client, login, admin_a, store, other_store, colleague):
        auditor = colleague()
        login(admin_a)
        url = reverse("api:exception-grant-list")
        response = _post(
            client,
            url,
            {
                "staff": auditor.pk,
                "store": store.pk,
                "permission": "reports_export",
                "reason": "audit",
                "expires_at": "2999-01-01T00:00:00Z",
            },
        )
        assert response.status_code == 201
        high = _post(
            client, url, {"staff": auditor.pk, "store": store.pk, "permission": "finance_export", "reason": "audit"}
        )
        assert high.status_code == 202
        assert (
            _post(
                client, url, {"staff": auditor.pk, "store": other_store.pk, "permission": "reports_view", "reason": "x"}
            ).status_code
            == 400
        )
        revoke = _post(client, reverse("api:exception-grant-revoke", args=[response.json()["id"]]), {"reason": "ok"})
        assert revoke.status_code == 200 and revoke.json()["live"] is False

    def test_me_permissions(self, client, login, grant, roles, store, sa):
        clerk = StaffFactory()
        grant(clerk, roles["customer_service"], store)
        grant(clerk, RoleFactory(permissions=["reports_view"]), None)
        data = login(clerk).get(reverse("api:me-permissions")).json()
        assert data["super_admin"] is False and data["everywhere"] == ["reports_view"]
        (group,) = data["groups"]
        assert group["stores"] == [store.pk]
        assert "after_sales_approve_refund" in group["permissions"] and "reports_view" in group["permissions"]
        assert login(sa).get(reverse("api:me-permissions")).json()["super_admin"] is True

    def test_me_permissions_groups_stores_holding_the_same_rights(self, client, login, grant, roles):
        """One role on many stores is one group of store ids (the answer stays small for someone on 1,000
        stores); a store where something else is held is a group of its own."""
        clerk = StaffFactory()
        same = [StoreFactory() for _ in range(3)]
        other = StoreFactory()
        for store in same:
            grant(clerk, roles["customer_service"], store)
        grant(clerk, RoleFactory(permissions=["reports_view"]), other)

        data = login(clerk).get(reverse("api:me-permissions")).json()

        by_stores = {tuple(g["stores"]): g["permissions"] for g in data["groups"]}
        assert set(by_stores) == {tuple(sorted(s.pk for s in same)), (other.pk,)}
        assert by_stores[(other.pk,)] == ["reports_view"]
        assert "reports_view" not in by_stores[tuple(sorted(s.pk for s in same))]


def test_a_grant_without_a_store_is_never_all_stores(client, login, sa, plain_role):
    """Omitting `store` is an error even for a super admin; all stores is only ever chosen explicitly (null)."""
    person = StaffFactory()
    login(sa)
    url = reverse("api:binding-list")
    omitted = _post(client, url, {"staff": person.pk, "role": plain_role.pk, "reason": "r"})
    assert omitted.status_code == 400 and "store" in omitted.json()["fields"]
    assert not RoleBinding.objects.filter(staff=person).exists()
    explicit = _post(client, url, {"staff": person.pk, "role": plain_role.pk, "store": None, "reason": "r"})
    assert explicit.status_code == 201
    assert RoleBinding.objects.live().filter(staff=person, role=plain_role, store=None).exists()
