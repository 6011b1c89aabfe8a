"""Store groups: pages and API (who sees what, who changes them), the `group` store filter, a group in use by
a route cannot be deleted, fixed query counts on the lists."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from notifications.models import Route
from stores.models import StoreGroup
from tests.factories import RobotFactory, StaffFactory, StoreFactory, SuperuserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(grant):
    a, b = StoreFactory(name="泰国店"), StoreFactory(name="越南店")
    group = StoreGroup.objects.create(name="东南亚大促组", description="双十一")
    group.stores.add(a, b)

    class W:
        admin = SuperuserFactory()
        manager_a = grant(StaffFactory(), {"settings_view", "settings_manage"}, stores=[a])
        clerk = grant(StaffFactory(), {"orders_view"}, stores=[a])

    W.a, W.b, W.group = a, b, group
    return W


def names(response):
    return [str(o) for o in response.context["object_list"]]


class TestPages:
    def test_a_store_manager_sees_the_group_but_only_their_stores_in_it(self, world, login):
        client = login(world.manager_a)
        listing = client.get(reverse("stores:group_list"))
        assert listing.status_code == 200
        assert [g.visible_count for g in listing.context["object_list"]] == [1]
        assert not listing.context["can_manage"]
        detail = client.get(reverse("stores:group_detail", args=[world.group.pk]))
        html = detail.content.decode()
        assert "泰国店" in html and "越南店" not in html
        assert detail.context["hidden"] == 1

    def test_a_group_of_only_other_stores_is_not_shown(self, world, login):
        StoreGroup.objects.create(name="越南专组").stores.add(world.b)
        StoreGroup.objects.create(name="空组")
        client = login(world.manager_a)
        listing = client.get(reverse("stores:group_list"))
        assert [g.name for g in listing.context["object_list"]] == ["东南亚大促组"]
        stores = client.get(reverse("stores:store_list"))
        assert [g.name for g in stores.context["filterset"].form.fields["group"].queryset] == ["东南亚大促组"]
        hidden = StoreGroup.objects.get(name="越南专组")
        assert client.get(reverse("stores:group_detail", args=[hidden.pk])).status_code == 404
        everything = login(world.admin).get(reverse("stores:group_list"))
        assert len(everything.context["object_list"]) == 3

    def test_without_settings_rights_the_pages_are_forbidden(self, world, login):
        client = login(world.clerk)
        assert client.get(reverse("stores:group_list")).status_code == 403
        assert client.get(reverse("stores:group_detail", args=[world.group.pk])).status_code == 403

    def test_only_an_all_store_settings_manager_changes_groups(self, world, login):
        client = login(world.manager_a)
        assert client.get(reverse("stores:group_create")).status_code == 403
        posted = client.post(reverse("stores:group_create"), {"name": "x", "stores": [world.a.pk]})
        assert posted.status_code == 403
        assert client.post(reverse("stores:group_delete", args=[world.group.pk])).status_code == 403
        assert StoreGroup.objects.count() == 1

    def test_create_edit_delete_audited(self, world, login):
        client = login(world.admin)
        response = client.post(
            reverse("stores:group_create"), {"name": "俄罗斯组", "description": "", "stores": [world.b.pk]}
        )
        assert response.status_code == 302
        group = StoreGroup.objects.get(name="俄罗斯组")
        assert list(group.stores.all()) == [world.b]
        response = client.post(
            reverse("stores:group_edit", args=[group.pk]),
            {"name": "俄罗斯组", "description": "FBS", "stores": [world.a.pk, world.b.pk]},
        )
        assert response.status_code == 302 and group.stores.count() == 2
        assert client.post(reverse("stores:group_delete", args=[group.pk])).status_code == 302
        actions = list(AuditEvent.objects.filter(target_type="stores.storegroup").values_list("action", flat=True))
        assert sorted(actions) == ["store_group.create", "store_group.delete", "store_group.update"]

    def test_a_taken_name_is_said_on_the_field_regardless_of_case(self, world, login):
        client = login(world.admin)
        response = client.post(reverse("stores:group_create"), {"name": "东南亚大促组", "stores": []})
        assert response.status_code == 200
        assert "东南亚大促组" in str(response.context["form"].errors["name"])

    def test_a_group_a_route_uses_is_not_deleted(self, world, login):
        Route.objects.create(name="r", robot=RobotFactory(), event_kinds=["order.new"], store_group=world.group)
        response = login(world.admin).post(reverse("stores:group_delete", args=[world.group.pk]))
        assert response.status_code == 400
        assert StoreGroup.objects.filter(pk=world.group.pk).exists()

    def test_the_store_list_filters_by_group(self, world, login):
        StoreFactory(name="巴西店")
        response = login(world.admin).get(reverse("stores:store_list"), {"group": world.group.pk})
        assert sorted(s.name for s in response.context["object_list"]) == ["泰国店", "越南店"]

    def test_list_queries_do_not_grow(self, world, login, django_assert_max_num_queries):
        client = login(world.admin)
        url = reverse("stores:group_list")
        client.get(url)
        for n in range(30):
            StoreGroup.objects.create(name=f"组{n}").stores.add(world.a)
        with django_assert_max_num_queries(10):
            response = client.get(url)
        assert len(response.context["object_list"]) == 31


class TestApi:
    def test_list_shows_only_visible_member_stores(self, world, login):
        body = login(world.manager_a).get(reverse("api:storegroup-list")).json()
        assert [(g["name"], g["stores"], g["visible_count"]) for g in body["results"]] == [
            ("东南亚大促组", [world.a.pk], 1)
        ]

    def test_create_needs_every_store(self, world, login):
        data = {"name": "新组", "stores": [world.a.pk]}
        assert login(world.manager_a).post(reverse("api:storegroup-list"), data, format="json").status_code == 403

    def test_admin_creates_updates_deletes(self, world, login):
        client = login(world.admin)
        created = client.post(
            reverse("api:storegroup-list"), {"name": "新组", "stores": [world.a.pk]}, content_type="application/json"
        )
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        patched = client.patch(
            reverse("api:storegroup-detail", args=[pk]), {"description": "说明"}, content_type="application/json"
        )
        assert patched.status_code == 200 and patched.json()["stores"] == [world.a.pk]
        taken = client.patch(
            reverse("api:storegroup-detail", args=[pk]), {"name": "东南亚大促组"}, content_type="application/json"
        )
        assert taken.status_code == 400 and "name" in taken.json()["fields"]
        assert client.delete(reverse("api:storegroup-detail", args=[pk])).status_code == 204

    def test_store_api_filters_by_group(self, world, login):
        StoreFactory(name="巴西店")
        body = login(world.admin).get(reverse("api:store-list"), {"group": world.group.pk}).json()
        assert sorted(s["name"] for s in body["results"]) == ["泰国店", "越南店"]

    def test_list_queries_do_not_grow(self, world, login, django_assert_max_num_queries):
        client = login(world.admin)
        url = reverse("api:storegroup-list")
        client.get(url)
        for n in range(30):
            StoreGroup.objects.create(name=f"组{n}").stores.add(world.a, world.b)
        with django_assert_max_num_queries(10):
            body = client.get(url).json()
        assert len(body["results"]) == 31
