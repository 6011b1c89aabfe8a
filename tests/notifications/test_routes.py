"""Route pages and API: a store admin of A routes A only and sees A's routes only; routes over several stores
are for those who manage every store; the rules of a route; "test this route"; fixed query counts."""

import pytest
from django.db import transaction
from django.urls import reverse

from audit.models import AuditEvent
from events.services import event_emit
from notifications.models import Route
from stores.models import StoreGroup
from tests.factories import RobotFactory, StaffFactory, StoreFactory, SuperuserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("grant")]


@pytest.fixture
def w(grant):
    a, b = StoreFactory(name="泰国店", site="TH"), StoreFactory(name="越南店", site="VN")

    class W:
        manager_a = grant(StaffFactory(), {"settings_view", "settings_manage"}, stores=[a])
        viewer_a = grant(StaffFactory(), {"settings_view"}, stores=[a])
        manager_b = grant(StaffFactory(), {"settings_view", "settings_manage"}, stores=[b])
        clerk = grant(StaffFactory(), {"orders_view"}, stores=[a])
        admin = SuperuserFactory()
        robot_a = RobotFactory(store=a, name="泰国店-客服部-新订单")
        robot_b = RobotFactory(store=b, name="越南店-客服部-新订单")
        company_robot = RobotFactory(store=None, name="全公司-运营部-日报")

    W.a, W.b = a, b
    W.route_a = Route.objects.create(name="A新单", robot=W.robot_a, store=a, event_kinds=["order.new"])
    W.route_b = Route.objects.create(name="B新单", robot=W.robot_b, store=b, event_kinds=["order.new"])
    W.route_all = Route.objects.create(name="日报", robot=W.company_robot, event_kinds=["digest.daily"])
    return W


def form(w, **changes):
    data = {
        "name": "A发货",
        "event_kinds": ["order.shipped"],
        "robot": w.robot_a.pk,
        "store": w.a.pk,
        "quiet_start": "",
        "quiet_end": "",
        "mention_permission": "",
        "mention_primary_owner": "on",
        "is_active": "on",
    }
    return {**data, **changes}


class TestPages:
    def test_a_store_admin_sees_only_their_stores_routes(self, w, login):
        page = login(w.viewer_a).get(reverse("notifications:route_list"))
        assert page.status_code == 200
        assert list(page.context["object_list"]) == [w.route_a]
        client = login(w.manager_a)
        assert client.get(reverse("notifications:route_detail", args=[w.route_b.pk])).status_code == 404
        assert client.get(reverse("notifications:route_detail", args=[w.route_all.pk])).status_code == 404
        assert client.get(reverse("notifications:route_edit", args=[w.route_b.pk])).status_code == 404

    def test_no_settings_right_is_forbidden(self, w, login):
        assert login(w.clerk).get(reverse("notifications:route_list")).status_code == 403

    def test_a_store_admin_routes_their_store_audited(self, w, login):
        response = login(w.manager_a).post(reverse("notifications:route_create"), form(w))
        assert response.status_code == 302, response.context["form"].errors
        route = Route.objects.get(name="A发货")
        assert (route.store, route.robot, route.event_kinds, route.mention_primary_owner) == (
            w.a,
            w.robot_a,
            ["order.shipped"],
            True,
        )
        assert AuditEvent.objects.filter(action="route.create", target_id=str(route.pk)).count() == 1

    def test_a_store_admin_of_a_cannot_route_b(self, w, login):
        client = login(w.manager_a)
        response = client.post(reverse("notifications:route_create"), form(w, store=w.b.pk))
        assert response.status_code == 200 and "store" in response.context["form"].errors
        response = client.post(reverse("notifications:route_create"), form(w, robot=w.robot_b.pk))
        assert response.status_code == 200 and "robot" in response.context["form"].errors
        assert not Route.objects.filter(name="A发货").exists()

    def test_a_store_admin_cannot_route_every_store(self, w, login):
        response = login(w.manager_a).post(reverse("notifications:route_create"), form(w, store=""))
        assert response.status_code == 200
        assert not Route.objects.filter(name="A发货").exists()

    def test_super_admin_routes_a_group_site_or_all(self, w, login):
        group = StoreGroup.objects.create(name="东南亚")
        client = login(w.admin)
        data = form(w, store="", store_group=group.pk, site="TH", platform="shopee", robot=w.company_robot.pk)
        response = client.post(reverse("notifications:route_create"), data)
        assert response.status_code == 302, response.context["form"].errors
        route = Route.objects.get(name="A发货")
        assert (route.store, route.store_group, route.site, route.platform) == (None, group, "TH", "shopee")

    def test_rules_are_said_on_their_fields(self, w, login):
        client = login(w.admin)
        response = client.post(
            reverse("notifications:route_create"),
            form(w, quiet_start="22:00", store=w.a.pk, platform="ozon", site="TH"),
        )
        errors = response.context["form"].errors
        assert response.status_code == 200
        assert set(errors) >= {"quiet_end", "store"}

    def test_edit_and_delete_audited(self, w, login):
        client = login(w.manager_a)
        url = reverse("notifications:route_edit", args=[w.route_a.pk])
        response = client.post(url, form(w, name="A新单", event_kinds=["order.new", "order.cancelled"]))
        assert response.status_code == 302
        w.route_a.refresh_from_db()
        assert w.route_a.event_kinds == ["order.new", "order.cancelled"]
        assert client.post(reverse("notifications:route_delete", args=[w.route_a.pk])).status_code == 302
        actions = AuditEvent.objects.filter(target_type="notifications.route").values_list("action", flat=True)
        assert sorted(actions) == ["route.delete", "route.update"]

    def test_test_this_route_renders_the_latest_event_or_samples(self, w, login):
        w.a.primary_owner.wecom_userid = "owner-a"
        w.a.primary_owner.save()
        w.route_a.mention_primary_owner = True
        w.route_a.event_kinds = ["order.new", "order.shipped"]
        w.route_a.save()
        with transaction.atomic():
            event_emit("order.new", w.a, {"order_id": "SN-PREVIEW", "customer": "李雷"}, "preview:1")
            event_emit("order.new", w.b, {"order_id": "SN-OF-B"}, "preview:2")
        page = login(w.manager_a).get(reverse("notifications:route_detail", args=[w.route_a.pk]))
        html = page.content.decode()
        assert "SN-PREVIEW" in html and "SN-OF-B" not in html and "李**" in html
        assert "@" + w.a.primary_owner.name in html
        assert "TH0123456789" in html  # order.shipped: sample values
        from events.models import Event

        assert Event.objects.filter(state="pending").count() == 2  # a preview processes nothing

    def test_list_queries_do_not_grow(self, w, login, django_assert_max_num_queries):
        client = login(w.admin)
        url = reverse("notifications:route_list")
        client.get(url)
        for n in range(30):
            Route.objects.create(name=f"r{n}", robot=w.robot_a, store=w.a, event_kinds=["order.new"])
        with django_assert_max_num_queries(12):
            response = client.get(url)
        assert len(response.context["object_list"]) == 33


class TestApi:
    def test_list_is_scoped(self, w, login):
        body = login(w.manager_a).get(reverse("api:route-list")).json()
        assert [r["name"] for r in body["results"]] == ["A新单"]
        everything = login(w.admin).get(reverse("api:route-list")).json()
        assert len(everything["results"]) == 3

    def test_create_in_a_and_refused_in_b(self, w, login):
        client = login(w.manager_a)
        data = {"name": "A取消", "event_kinds": ["order.cancelled"], "robot": w.robot_a.pk, "store": w.a.pk}
        created = client.post(reverse("api:route-list"), data, content_type="application/json")
        assert created.status_code == 201, created.content
        refused = client.post(
            reverse("api:route-list"), {**data, "store": w.b.pk, "robot": w.robot_b.pk}, content_type="application/json"
        )
        assert refused.status_code == 400
        company = client.post(reverse("api:route-list"), {**data, "store": None}, content_type="application/json")
        assert company.status_code == 403
        assert Route.objects.filter(name="A取消").count() == 1

    def test_update_and_delete(self, w, login):
        client = login(w.manager_a)
        url = reverse("api:route-detail", args=[w.route_a.pk])
        patched = client.patch(url, {"quiet_start": "22:00", "quiet_end": "08:00"}, content_type="application/json")
        assert patched.status_code == 200 and patched.json()["quiet_start"] == "22:00:00"
        half = client.patch(url, {"quiet_end": None}, content_type="application/json")
        assert half.status_code == 400 and "quiet_end" in half.json()["fields"]
        assert client.delete(reverse("api:route-detail", args=[w.route_b.pk])).status_code == 404
        assert client.delete(url).status_code == 204

    def test_list_queries_do_not_grow(self, w, login, django_assert_max_num_queries):
        client = login(w.admin)
        url = reverse("api:route-list")
        client.get(url)
        for n in range(30):
            Route.objects.create(name=f"r{n}", robot=w.robot_a, store=w.a, event_kinds=["order.new"])
        with django_assert_max_num_queries(10):
            body = client.get(url).json()
        assert len(body["results"]) == 33
