"""Delivery pages: the log (filters, the viewer's stores only, fixed queries), failed deliveries with retry
(one or many, audited, managers only), the messages sent shown like the chat, the broken-robot banner."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from events.models import Event
from notifications.models import Delivery, DeliveryState, SentMessage
from tests.factories import RobotFactory, StaffFactory, StoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("grant")]

S = DeliveryState


@pytest.fixture
def shop(grant):
    store, other = StoreFactory(name="泰国店"), StoreFactory(name="越南店")

    class People:
        manager = grant(StaffFactory(), {"settings_view", "settings_manage"}, stores=[store])
        viewer = grant(StaffFactory(), {"settings_view"}, stores=[store])
        outsider = grant(StaffFactory(), {"settings_view", "settings_manage"}, stores=[other])
        nobody = grant(StaffFactory(), {"orders_view"}, stores=[store])

    People.store, People.other = store, other
    People.robot = RobotFactory(store=store, name="泰国店-客服部-新订单")
    People.other_robot = RobotFactory(store=other, name="越南店-客服部-新订单")
    return People


def deliveries(robot, store, n, *, state=S.SENT, kind="order.new", **fields):
    rows = []
    for i in range(n):
        event = Event.objects.create(kind=kind, store=store, dedupe_key=f"pages:{uuid.uuid4()}")
        rows.append(
            Delivery(
                event=event,
                robot=robot,
                store=store,
                event_kind=kind,
                state=state,
                content=f"订单号:P{i:05d} | 总价:10",
                **fields,
            )
        )
    return Delivery.objects.bulk_create(rows)


class TestLog:
    def test_the_viewer_sees_deliveries_of_their_stores_only(self, shop, login):
        mine = deliveries(shop.robot, shop.store, 2)
        deliveries(shop.other_robot, shop.other, 2)
        page = login(shop.viewer).get(reverse("notifications:delivery_list"))
        assert page.status_code == 200
        assert {d.pk for d in page.context["object_list"]} == {d.pk for d in mine}
        assert "泰国店-客服部-新订单" in page.content.decode()

    def test_without_settings_rights_the_log_is_forbidden(self, shop, login):
        assert login(shop.nobody).get(reverse("notifications:delivery_list")).status_code == 403

    @pytest.mark.parametrize(
        ("query", "wanted"),
        [("state=dead", "dead"), ("event_kind=aftersales.new", "case"), ("state=sent", "sent")],
    )
    def test_filters(self, shop, login, query, wanted):
        rows = {
            "sent": deliveries(shop.robot, shop.store, 1),
            "dead": deliveries(shop.robot, shop.store, 1, state=S.DEAD, last_error="InvalidCredentials: 93000"),
            "case": deliveries(shop.robot, shop.store, 1, state=S.PENDING, kind="aftersales.new"),
        }
        page = login(shop.viewer).get(reverse("notifications:delivery_list") + "?" + query)
        assert [d.pk for d in page.context["object_list"]] == [rows[wanted][0].pk]

    def test_filter_by_robot_offers_only_robots_the_viewer_sees(self, shop, login):
        deliveries(shop.robot, shop.store, 1)
        client = login(shop.viewer)
        url = reverse("notifications:delivery_list")
        assert client.get(f"{url}?robot={shop.robot.pk}").status_code == 200
        assert client.get(f"{url}?robot={shop.other_robot.pk}").status_code == 400

    def test_a_fixed_number_of_queries_however_many_rows(self, shop, login, django_assert_max_num_queries):
        client = login(shop.manager)
        deliveries(shop.robot, shop.store, 3)
        with django_assert_max_num_queries(20) as few:
            client.get(reverse("notifications:delivery_list"))
        deliveries(shop.robot, shop.store, 45, state=S.DEAD)
        with django_assert_max_num_queries(len(few.captured_queries)):
            page = client.get(reverse("notifications:delivery_list"))
        assert len(page.context["object_list"]) == 48


class TestFailedDeliveries:
    def test_managers_retry_one(self, shop, login):
        dead = deliveries(shop.robot, shop.store, 3, state=S.DEAD, attempts=10, last_error="ServerError: 502")
        client = login(shop.manager)
        page = client.get(reverse("notifications:delivery_dead"))
        assert len(page.context["object_list"]) == 3 and page.context["can_retry"]

        response = client.post(reverse("notifications:delivery_retry"), {"only": dead[0].pk, "delivery": [dead[1].pk]})

        assert response.status_code == 302 and response["Location"] == reverse("notifications:delivery_dead")
        assert dict(Delivery.objects.values_list("pk", "state")) == {
            dead[0].pk: S.PENDING,
            dead[1].pk: S.DEAD,
            dead[2].pk: S.DEAD,
        }
        event = AuditEvent.objects.get(action="delivery.retry")
        assert event.store_id == shop.store.pk and event.target_id == str(dead[0].pk)

    def test_managers_retry_many_and_the_robot_is_no_longer_broken(self, shop, login):
        dead = deliveries(shop.robot, shop.store, 3, state=S.DEAD, attempts=1)
        type(shop.robot).objects.filter(pk=shop.robot.pk).update(broken_at=timezone.now(), broken_reason="93000")
        client = login(shop.manager)
        assert 'data-testid="broken-robots"' in client.get(reverse("notifications:delivery_dead")).content.decode()
        response = client.post(reverse("notifications:delivery_retry"), {"delivery": [d.pk for d in dead]})
        assert response.status_code == 302
        assert set(Delivery.objects.values_list("state", flat=True)) == {S.PENDING}
        assert AuditEvent.objects.filter(action="delivery.retry").count() == 3
        shop.robot.refresh_from_db()
        assert shop.robot.broken_at is None

    def test_viewers_and_other_stores_cannot_retry(self, shop, login):
        dead = deliveries(shop.robot, shop.store, 1, state=S.DEAD)
        page = login(shop.viewer).get(reverse("notifications:delivery_dead"))
        assert not page.context["can_retry"] and 'name="delivery"' not in page.content.decode()
        for person, status in ((shop.viewer, 403), (shop.outsider, 302)):
            response = login(person).post(reverse("notifications:delivery_retry"), {"only": dead[0].pk})
            assert response.status_code == status
        assert Delivery.objects.get().state == S.DEAD and not AuditEvent.objects.filter(action="delivery.retry")

    def test_retry_refuses_junk_and_only_takes_post(self, shop, login):
        client = login(shop.manager)
        assert client.get(reverse("notifications:delivery_retry")).status_code == 405
        response = client.post(reverse("notifications:delivery_retry"), {"delivery": ["x"]}, follow=True)
        assert "msg error" in response.content.decode()


class TestMessagesAndBanner:
    def test_messages_are_shown_like_the_chat_for_the_viewer_stores(self, shop, login):
        SentMessage.objects.create(
            robot=shop.robot,
            store=shop.store,
            msgtype="text",
            content="【新订单】泰国店 2 条新订单:\n订单号:P1\n订单号:P2",
            mentioned=["zhangsan", "138****1111"],
            is_summary=True,
            delivery_count=2,
            sent_at=timezone.now(),
        )
        SentMessage.objects.create(
            robot=shop.other_robot, store=shop.other, msgtype="text", content="越南店的消息", sent_at=timezone.now()
        )
        page = login(shop.viewer).get(reverse("notifications:message_list"))
        html = page.content.decode()
        assert page.status_code == 200 and "订单号:P2" in html and "@zhangsan" in html
        assert "越南店的消息" not in html

    def test_messages_page_runs_a_fixed_number_of_queries(self, shop, login, django_assert_max_num_queries):
        client = login(shop.manager)

        def make(n):
            SentMessage.objects.bulk_create(
                SentMessage(robot=shop.robot, store=shop.store, msgtype="text", content=f"m{i}", sent_at=timezone.now())
                for i in range(n)
            )

        make(2)
        with django_assert_max_num_queries(20) as few:
            client.get(reverse("notifications:message_list"))
        make(40)
        with django_assert_max_num_queries(len(few.captured_queries)):
            page = client.get(reverse("notifications:message_list"))
        assert len(page.context["object_list"]) == 42

    def test_a_broken_robot_is_announced_to_its_managers_only(self, shop, login):
        type(shop.robot).objects.filter(pk=shop.robot.pk).update(broken_at=timezone.now(), broken_reason="93000 x")
        manager_page = login(shop.manager).get(reverse("notifications:delivery_list")).content.decode()
        assert 'data-testid="broken-robots"' in manager_page and "泰国店-客服部-新订单" in manager_page
        viewer_page = login(shop.viewer).get(reverse("notifications:delivery_list")).content.decode()
        assert 'data-testid="broken-robots"' not in viewer_page
        outsider_page = login(shop.outsider).get(reverse("notifications:delivery_list")).content.decode()
        assert 'data-testid="broken-robots"' not in outsider_page


class TestApi:
    def test_lists_deliveries_of_the_caller_stores_with_filters(self, shop, login):
        mine = deliveries(shop.robot, shop.store, 2)
        dead = deliveries(shop.robot, shop.store, 1, state=S.DEAD)
        deliveries(shop.other_robot, shop.other, 2)
        client = login(shop.viewer)
        body = client.get(reverse("api:delivery-list")).json()
        assert {row["id"] for row in body["results"]} == {d.pk for d in mine + dead}
        body = client.get(reverse("api:delivery-list") + "?state=dead").json()
        assert [row["id"] for row in body["results"]] == [dead[0].pk]
        assert body["results"][0]["robot_name"] == "泰国店-客服部-新订单"

    def test_retry_through_the_api(self, shop, login):
        (dead,) = deliveries(shop.robot, shop.store, 1, state=S.DEAD, attempts=10)
        (sent,) = deliveries(shop.robot, shop.store, 1)
        url = reverse("api:delivery-retry", args=[dead.pk])
        assert login(shop.viewer).post(url, content_type="application/json").status_code == 403
        response = login(shop.manager).post(url, content_type="application/json")
        assert response.status_code == 200 and response.json()["state"] == S.PENDING
        assert AuditEvent.objects.filter(action="delivery.retry").count() == 1
        again = login(shop.manager).post(reverse("api:delivery-retry", args=[sent.pk]), content_type="application/json")
        assert again.status_code == 400

    def test_messages_list_with_a_fixed_number_of_queries(self, shop, login, django_assert_max_num_queries):
        client = login(shop.viewer)

        def make(n):
            SentMessage.objects.bulk_create(
                SentMessage(robot=shop.robot, store=shop.store, msgtype="text", content=f"m{i}", sent_at=timezone.now())
                for i in range(n)
            )

        make(2)
        with django_assert_max_num_queries(20) as few:
            client.get(reverse("api:message-list"))
        make(30)
        with django_assert_max_num_queries(len(few.captured_queries)):
            body = client.get(reverse("api:message-list")).json()
        assert body["count"] == 32

    def test_deliveries_list_with_a_fixed_number_of_queries(self, shop, login, django_assert_max_num_queries):
        client = login(shop.viewer)
        deliveries(shop.robot, shop.store, 2)
        with django_assert_max_num_queries(20) as few:
            client.get(reverse("api:delivery-list"))
        deliveries(shop.robot, shop.store, 30, state=S.DEAD)
        with django_assert_max_num_queries(len(few.captured_queries)):
            body = client.get(reverse("api:delivery-list")).json()
        assert body["count"] == 32


def test_the_pages_never_decrypt_webhook_keys(shop, login):
    """The delivery pages show robots by name: their keys are not even read (a key that cannot be decrypted,
    e.g. after a key rotation gone wrong, breaks nothing here)."""
    from django.db import connection

    deliveries(shop.robot, shop.store, 2, state=S.DEAD)
    SentMessage.objects.create(robot=shop.robot, store=shop.store, msgtype="text", content="m", sent_at=timezone.now())
    type(shop.robot).objects.filter(pk=shop.robot.pk).update(broken_at=timezone.now(), broken_reason="93000")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notifications_robot SET webhook_key = 'not-a-fernet-token' WHERE id = %s", [shop.robot.pk]
        )
    client = login(shop.manager)
    for name in ("delivery_list", "delivery_dead", "message_list"):
        assert client.get(reverse(f"notifications:{name}")).status_code == 200, name
    for name in ("api:delivery-list", "api:message-list"):
        assert client.get(reverse(name)).status_code == 200, name


def test_the_robot_filter_searches_the_viewer_robots_by_name(shop, login):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notifications_robot SET webhook_key = 'not-a-fernet-token' WHERE id = %s", [shop.robot.pk]
        )
    client = login(shop.viewer)
    found = client.get(reverse("notifications:robot_lookup"), {"q": "客服部"}).json()
    assert found == {"results": [{"id": shop.robot.pk, "text": "泰国店-客服部-新订单"}], "more": False}
    page = client.get(reverse("notifications:delivery_list")).content.decode()
    assert "越南店-客服部-新订单" not in page  # the filter lists no robots: it searches them
    assert login(shop.nobody).get(reverse("notifications:robot_lookup")).status_code == 403
