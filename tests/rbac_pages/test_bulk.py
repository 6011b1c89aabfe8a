"""Bulk grant and revoke: form → preview of exactly what changes → confirm applies exactly that."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from audit.models import AuditEvent
from rbac.models import AccessRequest, RoleBinding
from tests.factories import RoleBindingFactory, RoleFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def read_only(db):
    """A role without high-risk permissions (granted at once, no approval)."""
    return RoleFactory(name="只读", permissions=["orders_view", "products_view"])


@pytest.fixture
def three_stores(store_a):
    return [store_a, StoreFactory(name="丙店"), StoreFactory(name="丁店")]


def preview(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def confirm(client, url, preview_response):
    """Post the preview's confirm form exactly as the page carries it."""
    form = re.search(
        r'<form method="post" class="form-actions">(.*?)</form>', preview_response.content.decode(), re.S
    ).group(1)
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    data = {}
    for name, value in fields:
        if name != "csrfmiddlewaretoken":
            data.setdefault(name, []).append(value)
    return client.post(url, data)


def pairs(targets):
    return {(person.pk, store.pk if store else None) for person, store in targets}


class TestOnePersonManyStores:
    url = reverse("rbac:binding_bulk_grant_stores")

    def test_preview_lists_new_already_held_and_nothing_is_saved(self, as_user, sa, read_only, three_stores, grant):
        person = StaffFactory(name="新同事")
        grant(person, read_only, three_stores[0])
        before = RoleBinding.objects.count()
        response = preview(
            as_user(sa),
            self.url,
            {"staff": person.pk, "role": read_only.pk, "reason": "new hire", "stores": [s.pk for s in three_stores]},
        )
        plan = response.context["plan"]
        assert pairs(plan.grant) == {(person.pk, three_stores[1].pk), (person.pk, three_stores[2].pk)}
        assert pairs(plan.unchanged) == {(person.pk, three_stores[0].pk)}
        assert not plan.request and not plan.refused
        html = response.content.decode()
        assert re.search(r'id="will-grant">\s*<h2>Granted now <span class="count">2</span>', html)
        assert "丙店" in html and "丁店" in html
        assert RoleBinding.objects.count() == before

    def test_confirm_applies_exactly_the_preview_with_audit(self, as_user, sa, read_only, three_stores, grant):
        person = StaffFactory(name="新同事")
        grant(person, read_only, three_stores[0])
        client = as_user(sa)
        shown = preview(
            client,
            self.url,
            {"staff": person.pk, "role": read_only.pk, "reason": "new hire", "stores": [s.pk for s in three_stores]},
        )
        response = confirm(client, self.url, shown)
        assert response.status_code == 302 and response["Location"] == person.get_absolute_url()
        live = RoleBinding.objects.live().filter(staff=person, role=read_only)
        assert set(live.values_list("store_id", flat=True)) == {s.pk for s in three_stores}
        created = live.exclude(store=three_stores[0])
        events = AuditEvent.objects.filter(action="binding.grant", target_id__in=[str(b.pk) for b in created])
        assert events.count() == 2
        assert {e.reason for e in events} == {"new hire"}
        assert "Granted 2; 0 waiting for approval; 1 already held; 0 refused." in [
            str(m) for m in get_messages(response.wsgi_request)
        ]

    def test_a_change_after_the_preview_saves_nothing_and_shows_the_new_preview(
        self, as_user, sa, read_only, three_stores, grant
    ):
        person = StaffFactory()
        client = as_user(sa)
        shown = preview(
            client,
            self.url,
            {"staff": person.pk, "role": read_only.pk, "reason": "r", "stores": [s.pk for s in three_stores]},
        )
        grant(person, read_only, three_stores[1])  # someone else grants one of them meanwhile
        response = confirm(client, self.url, shown)
        assert response.status_code == 409
        assert "Something changed since the preview" in response.content.decode()
        assert set(RoleBinding.objects.live().filter(staff=person).values_list("store_id", flat=True)) == {
            three_stores[1].pk
        }
        assert pairs(response.context["plan"].unchanged) == {(person.pk, three_stores[1].pk)}

    def test_high_risk_roles_become_access_requests(self, as_user, sa, roles, three_stores):
        person = StaffFactory()
        client = as_user(sa)
        shown = preview(
            client,
            self.url,
            {
                "staff": person.pk,
                "role": roles["customer_service"].pk,
                "reason": "cs",
                "stores": [s.pk for s in three_stores[:2]],
            },
        )
        html = shown.content.decode()
        assert re.search(r'id="will-request">\s*<h2>Need approval <span class="count">2</span>', html)
        assert '<span class="badge risk">Approve refunds</span>' in html
        confirm(client, self.url, shown)
        assert not RoleBinding.objects.filter(staff=person).exists()
        requests = AccessRequest.objects.filter(staff=person, status="pending")
        assert set(requests.values_list("store_id", flat=True)) == {s.pk for s in three_stores[:2]}
        assert (
            AuditEvent.objects.filter(
                action="access_request.create", target_id__in=[str(r.pk) for r in requests]
            ).count()
            == 2
        )

    def test_all_stores_only_for_super_admins(self, as_user, sa, admin_a, read_only):
        person = StaffFactory()
        shown = preview(
            as_user(sa), self.url, {"staff": person.pk, "role": read_only.pk, "reason": "r", "all_stores": "on"}
        )
        assert pairs(shown.context["plan"].grant) == {(person.pk, None)}
        form = as_user(admin_a).get(self.url).context["form"]
        assert "all_stores" not in form.fields


class TestDelegation:
    @pytest.fixture
    def users_admin(self, grant, store_a):
        """Manages users on A but holds no after-sales rights there."""
        person = StaffFactory(name="人事小李")
        grant(
            person, RoleFactory(name="用户管理员", permissions=["users_view", "users_manage", "orders_view"]), store_a
        )
        return person

    def test_refusals_are_listed_with_the_reason_and_reported_after_confirm(
        self, as_user, users_admin, clerk_a, store_a, roles, read_only
    ):
        client = as_user(users_admin)
        url = reverse("rbac:binding_bulk_grant_staff")
        shown = preview(
            client,
            url,
            {
                "store": store_a.pk,
                "role": roles["customer_service"].pk,
                "reason": "r",
                "staff": [clerk_a.pk, users_admin.pk],
            },
        )
        refused = {r.staff.pk: r.message for r in shown.context["plan"].refused}
        assert "you do not hold" in refused[clerk_a.pk]
        assert refused[users_admin.pk] == "You cannot grant or revoke your own roles; ask another administrator."
        assert "disabled>Confirm</button>" in shown.content.decode()

        orders_only = RoleFactory(name="看订单", permissions=["orders_view"])
        newcomer = StaffFactory()
        RoleBindingFactory(staff=newcomer, store=store_a, role=RoleFactory(permissions=["reports_view"]))
        shown = preview(
            client,
            url,
            {"store": store_a.pk, "role": orders_only.pk, "reason": "r", "staff": [newcomer.pk, users_admin.pk]},
        )
        assert pairs(shown.context["plan"].grant) == {(newcomer.pk, store_a.pk)}
        response = confirm(client, url, shown)
        texts = [str(m) for m in get_messages(response.wsgi_request)]
        assert any("You cannot grant or revoke your own roles" in t for t in texts)
        assert RoleBinding.objects.live().filter(staff=newcomer, role=orders_only, store=store_a).exists()
        assert not RoleBinding.objects.filter(staff=users_admin, role=orders_only).exists()

    def test_a_store_outside_the_viewers_reach_is_not_a_choice(self, as_user, admin_a, store_b, read_only, clerk_a):
        response = as_user(admin_a).post(
            reverse("rbac:binding_bulk_grant_stores"),
            {"staff": clerk_a.pk, "role": read_only.pk, "reason": "r", "stores": [store_b.pk], "step": "confirm"},
        )
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
        assert not RoleBinding.objects.filter(store=store_b, staff=clerk_a).exists()


class TestOneStoreManyPeople:
    def test_preview_and_confirm(self, as_user, admin_a, store_a, read_only, clerk_a):
        others = StaffFactory.create_batch(2)
        for person in others:
            RoleBindingFactory(staff=person, store=store_a, role=RoleFactory(permissions=["orders_view"]))
        url = reverse("rbac:binding_bulk_grant_staff")
        client = as_user(admin_a)
        form_page = client.get(url, {"store": store_a.pk})
        assert form_page.context["form"].initial == {"store": str(store_a.pk)}
        shown = preview(
            client,
            url,
            {
                "store": store_a.pk,
                "role": read_only.pk,
                "reason": "team",
                "staff": [clerk_a.pk] + [p.pk for p in others],
            },
        )
        assert pairs(shown.context["plan"].grant) == {(p.pk, store_a.pk) for p in [clerk_a, *others]}
        response = confirm(client, url, shown)
        assert response["Location"] == store_a.get_absolute_url()
        assert RoleBinding.objects.live().filter(role=read_only, store=store_a).count() == 3
        assert AuditEvent.objects.filter(action="binding.grant", store=store_a, after__role=read_only.pk).count() == 3


class TestBulkRevoke:
    url = reverse("rbac:binding_bulk_revoke")

    def test_preview_then_confirm_revokes_exactly_those(self, as_user, sa, read_only, three_stores, grant, roles):
        person = StaffFactory()
        kept = StaffFactory()
        for store in three_stores:
            grant(person, read_only, store)
        grant(kept, read_only, three_stores[0])
        client = as_user(sa)
        shown = preview(client, self.url, {"staff": person.pk, "role": read_only.pk, "reason": "left the team"})
        targets = {b.pk for b in shown.context["plan"].revoke}
        assert targets == set(RoleBinding.objects.filter(staff=person).values_list("pk", flat=True))
        assert RoleBinding.objects.live().filter(staff=person).count() == 3
        response = confirm(client, self.url, shown)
        assert response.status_code == 302
        assert not RoleBinding.objects.live().filter(staff=person).exists()
        assert RoleBinding.objects.live().filter(staff=kept).exists()
        events = AuditEvent.objects.filter(action="binding.revoke", target_id__in=[str(pk) for pk in targets])
        assert events.count() == 3 and {e.reason for e in events} == {"left the team"}

    def test_refusals_show_why(self, as_user, admin_a, clerk_a, store_a, sa):
        shown = preview(as_user(admin_a), self.url, {"store": store_a.pk, "reason": "cleanup"})
        refused = {r.binding.staff_id: r.message for r in shown.context["plan"].refused}
        assert refused[admin_a.pk] == "You cannot grant or revoke your own roles; ask another administrator."
        assert clerk_a.pk in {b.staff_id for b in shown.context["plan"].revoke}
        assert 'class="refusal">You cannot grant or revoke your own roles' in shown.content.decode()

    def test_a_person_or_a_store_is_required(self, as_user, sa):
        response = as_user(sa).post(self.url, {"reason": "x"})
        assert response.status_code == 400
        assert "Choose a staff member, a store, or both." in response.content.decode()
