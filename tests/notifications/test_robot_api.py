"""The group robot API: scoped lists, the write-only key, writes through the services, audit rows."""

import json
import logging

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from notifications.models import Robot
from notifications.services import robot_send_test
from tests.factories import RobotFactory, StaffFactory, StoreFactory, SuperuserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("grant")]

KEY = "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d"
NEW_KEY = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
LIST = reverse("api:robot-list")


def detail(robot):
    return reverse("api:robot-detail", args=[robot.pk])


def send(client, method, url, data=None):
    return getattr(client, method)(url, data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def audit_text() -> str:
    return json.dumps(list(AuditEvent.objects.values("before", "after", "reason", "target_label")), ensure_ascii=False)


@pytest.fixture
def shop(grant):
    store, other = StoreFactory(), StoreFactory()

    class People:
        manager = grant(StaffFactory(), {"settings_view", "settings_manage"}, stores=[store])
        viewer = grant(StaffFactory(), {"settings_view"}, stores=[store])
        nobody = grant(StaffFactory(), {"orders_view"}, stores=[store])

    People.store, People.other = store, other
    return People


def test_the_list_holds_the_callers_robots_with_masked_keys_only(shop, login):
    mine = RobotFactory(store=shop.store, webhook_key=KEY)
    RobotFactory(store=shop.other), RobotFactory(store=None)

    response = send(login(shop.viewer), "get", LIST)

    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [mine.pk]
    row = body["results"][0]
    assert row["webhook_key_masked"] == "••••" + KEY[-4:] and "webhook_key" not in row
    assert KEY not in response.content.decode()


def test_no_settings_rights_anywhere_is_forbidden(shop, login):
    assert send(login(shop.nobody), "get", LIST).status_code == 403


def test_create_takes_the_key_and_never_returns_it(shop, login):
    response = send(
        login(shop.manager),
        "post",
        LIST,
        {"name": "新加坡店-客服部-新订单", "store": shop.store.pk, "webhook_key": KEY},
    )

    assert response.status_code == 201, response.json()
    assert KEY not in response.content.decode() and response.json()["webhook_key_masked"].endswith(KEY[-4:])
    robot = Robot.objects.get(pk=response.json()["id"])
    assert robot.webhook_key == KEY and robot.store == shop.store
    assert AuditEvent.objects.filter(action="robot.create", store_id=shop.store.pk).count() == 1
    assert KEY not in audit_text()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": "新加坡店"}, "name"),
        ({"webhook_key": ""}, "webhook_key"),
        ({"store": None}, "store"),
    ],
)
def test_invalid_input_is_refused_field_by_field(shop, login, changes, field):
    data = {"name": "新加坡店-客服部-新订单", "store": shop.store.pk, "webhook_key": KEY, **changes}
    response = send(login(shop.manager), "post", LIST, data)
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not Robot.objects.exists() and KEY not in response.content.decode()


def test_a_manager_cannot_file_a_robot_under_another_store(shop, login):
    response = send(login(shop.manager), "post", LIST, {"name": "A-B-C", "store": shop.other.pk, "webhook_key": KEY})
    assert response.status_code == 400 and "store" in response.json()
    assert not Robot.objects.exists()


def test_viewers_cannot_write(shop, login):
    robot = RobotFactory(store=shop.store)
    client = login(shop.viewer)
    assert send(client, "post", LIST, {"name": "A-B-C", "store": shop.store.pk, "webhook_key": KEY}).status_code == 403
    assert send(client, "patch", detail(robot), {"name": "A-B-D"}).status_code in (403, 404)
    assert send(client, "delete", detail(robot)).status_code in (403, 404)
    assert Robot.objects.get(pk=robot.pk).name == robot.name
    assert not AuditEvent.objects.filter(action__startswith="robot.").exists()


def test_super_admins_keep_company_wide_robots(login):
    response = send(login(SuperuserFactory()), "post", LIST, {"name": "全公司-运营部-日报", "webhook_key": KEY})
    assert response.status_code == 201 and response.json()["store"] is None


def test_patch_without_a_key_keeps_it_and_with_a_key_changes_it(shop, login):
    robot = RobotFactory(store=shop.store, webhook_key=KEY, name="泰国店-客服部-新订单")
    client = login(shop.manager)

    renamed = send(client, "patch", detail(robot), {"name": "泰国店-客服部-售后", "is_active": False})
    assert renamed.status_code == 200, renamed.json()
    robot.refresh_from_db()
    assert robot.name == "泰国店-客服部-售后" and not robot.is_active and robot.webhook_key == KEY
    assert robot.store == shop.store

    rekeyed = send(client, "patch", detail(robot), {"webhook_key": NEW_KEY})
    robot.refresh_from_db()
    assert rekeyed.status_code == 200 and robot.webhook_key == NEW_KEY
    assert NEW_KEY not in rekeyed.content.decode()
    updates = AuditEvent.objects.filter(action="robot.update").order_by("id")
    assert [e.after for e in updates] == [
        {"name": "泰国店-客服部-售后", "is_active": False},
        {"webhook_key": "changed"},
    ]
    assert KEY not in audit_text() and NEW_KEY not in audit_text()


def test_delete_goes_through_the_service(shop, login):
    robot = RobotFactory(store=shop.store)
    response = send(login(shop.manager), "delete", detail(robot))
    assert response.status_code == 204 and not Robot.objects.exists()
    assert AuditEvent.objects.filter(action="robot.delete", store_id=shop.store.pk).count() == 1


def test_list_is_a_fixed_number_of_queries(shop, login, django_assert_max_num_queries):
    client = login(shop.manager)
    RobotFactory.create_batch(2, store=shop.store)
    with django_assert_max_num_queries(12) as few:
        send(client, "get", LIST)
    RobotFactory.create_batch(40, store=shop.store)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert send(client, "get", LIST, {"page_size": 100}).json()["count"] == 42


def test_a_robot_saved_through_the_api_sends_to_the_simulated_group(shop, login, simulator, settings, caplog):
    for name in ("", "httpx", "httpcore", "notifications", "stores", "django"):
        caplog.set_level(logging.DEBUG, logger=name)
    settings.WECOM_BASE_URL = simulator.wecom_url
    key = simulator.control.create_robot(name="新加坡店客服群")["key"]
    client = login(shop.manager)
    created = send(client, "post", LIST, {"name": "新加坡店-客服部-测试", "store": shop.store.pk, "webhook_key": key})
    robot = Robot.objects.get(pk=created.json()["id"])

    ok, error = robot_send_test(actor=shop.manager, robot=robot)

    assert ok and error == ""
    messages = simulator.control.messages(key)
    assert len(messages) == 1 and "新加坡店-客服部-测试" in messages[0]["content"]
    answer = send(client, "get", detail(robot)).json()
    assert answer["last_success_at"] is not None and answer["last_error"] == ""
    assert key not in json.dumps(answer) + caplog.text + audit_text()
