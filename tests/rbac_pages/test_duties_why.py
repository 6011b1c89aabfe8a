"""我的职责 and the "why" page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rbac import services
from tests.factories import ExceptionGrantFactory, RoleBindingFactory, RoleFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


class TestMyDuties:
    def test_my_stores_roles_ownership_and_plain_words(self, as_user, clerk_a, store_a):
        owned = StoreFactory(name="代管店", backup_owner=clerk_a)
        response = as_user(clerk_a).get(reverse("rbac:my_duties"))
        html = response.content.decode()
        duties = {d.store.pk: d for d in response.context["duties"].stores}

        def row(store):  # the store's line in the list of my stores
            return html[html.index(f'id="store-{store.pk}"') :].split("</tr>")[0]

        def group(store):  # the card of the stores where I hold what I hold there
            return html[html.index(f'id="group-{duties[store.pk].group}"') :].split('class="card')[0]

        a = row(store_a) + group(store_a)
        assert "客服/售后" in a and "Approve refunds" in a and "Approve refunds to buyers." in a
        assert "Change prices" not in a and "Primary owner" not in a and "Backup owner" not in a
        assert "Backup owner" in row(owned) and "Store admin, as the owner" in row(owned)
        assert "Backup owner" in group(owned) and group(owned) != group(store_a)  # ownership is its own group
        assert "Approve refunds" in group(owned) and "Manage users" in group(owned)  # owners run their store

    def test_someone_on_many_stores_reads_one_group_and_pages_through_the_stores(self, as_user, roles):
        person = StaffFactory(name="多店客服")
        stores = StoreFactory.create_batch(120)
        for store in stores:
            RoleBindingFactory(staff=person, store=store, role=roles["customer_service"])
        client = as_user(person)
        response = client.get(reverse("rbac:my_duties"))
        html = response.content.decode()
        assert html.count('class="card store-duty"') == 1 and "120 stores" in html
        assert html.count("Approve refunds to buyers.") == 1  # said once for the group, not per store
        assert html.count('<tr id="store-') == 50 and "Page 1 of 3" in html
        last = client.get(reverse("rbac:my_duties"), {"page": 3}).content.decode()
        assert last.count('<tr id="store-') == 20
        group = response.context["duties"].groups[0].key
        assert client.get(reverse("rbac:my_duties"), {"group": group, "page": "²"}).status_code == 200

    def test_grants_ending_within_14_days(self, as_user, clerk_a, store_a):
        RoleBindingFactory(
            staff=clerk_a, store=store_a, role=RoleFactory(name="十天"), expires_at=timezone.now() + timedelta(days=10)
        )
        RoleBindingFactory(
            staff=clerk_a,
            store=store_a,
            role=RoleFactory(name="二十天"),
            expires_at=timezone.now() + timedelta(days=20),
        )
        html = as_user(clerk_a).get(reverse("rbac:my_duties")).content.decode()
        expiring = html[html.index('id="expiring"') : html.index('id="stores"')]
        assert "十天" in expiring and "二十天" not in expiring

    def test_my_pending_requests_as_requester_and_as_grantee(self, as_user, clerk_a, admin_a, store_a, roles):
        mine = services.access_request_create(
            actor=clerk_a, staff=clerk_a, store=store_a, reason="close", role=roles["finance_analyst"]
        )
        for_me = services.binding_grant(
            actor=admin_a, staff=clerk_a, role=roles["inventory"], store=store_a, reason="stock take"
        )
        response = as_user(clerk_a).get(reverse("rbac:my_duties"))
        assert response.context["requested"] == [mine]
        assert response.context["for_me"] == [for_me]
        html = response.content.decode()
        assert "数据分析/财务" in html and "采购/库存管理员" in html

    def test_everyone_signed_in_has_the_page(self, as_user):
        html = as_user(StaffFactory()).get(reverse("rbac:my_duties")).content.decode()
        assert "You hold no role on any store yet." in html

    def test_super_admins_see_all_stores(self, as_user, sa):
        html = as_user(sa).get(reverse("rbac:my_duties")).content.decode()
        assert 'id="everywhere"' in html and "总管理员" in html


class TestWhy:
    url = reverse("rbac:why")

    def test_lists_the_binding_role_and_the_approval_behind_it(self, as_user, sa, clerk_a, store_a, super_admins):
        response = as_user(sa).get(self.url, {"staff": clerk_a.pk, "permission": "orders_view", "store": store_a.pk})
        explanation = response.context["explanation"]
        assert explanation.allowed
        [binding] = explanation.bindings
        assert binding.role.name == "客服/售后" and binding.request is not None
        html = response.content.decode()
        assert reverse("rbac:access_request_detail", args=[binding.request.pk]) in html
        assert str(super_admins[1]) in html  # who approved it

    def test_says_when_nothing_gives_it(self, as_user, sa, clerk_a, store_a):
        response = as_user(sa).get(self.url, {"staff": clerk_a.pk, "permission": "finance_view", "store": store_a.pk})
        assert not response.context["explanation"].allowed
        assert 'id="why-nothing"' in response.content.decode()

    def test_exception_grants_and_ended_bindings(self, as_user, admin_a, clerk_a, store_a):
        ExceptionGrantFactory(staff=clerk_a, store=store_a, reason="auditor export")
        binding = clerk_a.role_bindings.get()
        services.binding_revoke(actor=admin_a, binding=binding, reason="rotation")
        html = (
            as_user(admin_a)
            .get(self.url, {"staff": clerk_a.pk, "permission": "finance_export", "store": store_a.pk})
            .content.decode()
        )
        assert 'id="why-exceptions"' in html and "auditor export" in html
        html = (
            as_user(admin_a)
            .get(self.url, {"staff": clerk_a.pk, "permission": "orders_view", "store": store_a.pk})
            .content.decode()
        )
        assert 'id="why-nothing"' in html and 'id="why-ended"' in html and "rotation" in html

    def test_choices_are_scoped_to_the_viewer(self, as_user, admin_a, admin_b, store_b, clerk_a):
        response = as_user(admin_a).get(
            self.url, {"staff": admin_b.pk, "permission": "orders_view", "store": store_b.pk}
        )
        assert "explanation" not in response.context
        form = response.context["form"]
        assert set(form.errors) == {"staff", "store"}
        assert store_b not in form.fields["store"].queryset and admin_b not in form.fields["staff"].queryset

    def test_forbidden_without_users_view(self, as_user, clerk_a):
        assert as_user(clerk_a).get(self.url).status_code == 403
