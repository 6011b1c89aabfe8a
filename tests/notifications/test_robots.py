"""Group robots: names, encrypted webhook keys, who may manage them, audit rows without the key."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from audit.models import AuditEvent
from notifications.models import Robot
from notifications.services import (
    robot_create,
    robot_delete,
    robot_key_masked,
    robot_record_result,
    robot_update,
)
from tests.factories import RobotFactory, StaffFactory, StoreFactory, SuperuserFactory

KEY = "693a91f6-7f3e-4bc4-97a0-0ec2b1fa5aaa"
NEW_KEY = "1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("grant")]


def audit_text() -> str:
    rows = AuditEvent.objects.values("before", "after", "reason", "target_label")
    return json.dumps(list(rows), ensure_ascii=False)


def test_a_store_manager_creates_a_robot_for_their_store(grant):
    store = StoreFactory(name="泰国店")
    manager = grant(StaffFactory(), {"settings_manage"}, stores=[store])

    robot = robot_create(actor=manager, name="泰国店-客服部-新订单", webhook_key=KEY, store=store)

    assert Robot.objects.get(pk=robot.pk).webhook_key == KEY
    with connection.cursor() as cursor:
        cursor.execute("SELECT webhook_key FROM notifications_robot WHERE id = %s", [robot.pk])
        assert KEY not in cursor.fetchone()[0]
    event = AuditEvent.objects.get(action="robot.create")
    assert event.store_id == store.pk
    assert event.after["webhook_key"] == "changed"
    assert event.after["name"] == "泰国店-客服部-新订单"
    assert KEY not in audit_text()


@pytest.mark.parametrize("name", ["泰国店客服部新订单", "泰国店-客服部", "泰国店--新订单", "-客服部-新订单", " - - "])
def test_names_must_follow_store_department_purpose(name):
    with pytest.raises(ValidationError) as excinfo:
        robot_create(actor=SuperuserFactory(), name=name, webhook_key=KEY)
    assert "name" in excinfo.value.message_dict


def test_names_are_unique_regardless_of_case():
    admin = SuperuserFactory()
    robot_create(actor=admin, name="Shop-CS-orders", webhook_key=KEY)
    with pytest.raises(ValidationError):
        robot_create(actor=admin, name="shop-cs-ORDERS", webhook_key=NEW_KEY)


def test_a_manager_of_another_store_cannot_create_or_change_robots(grant):
    store, other = StoreFactory(), StoreFactory()
    outsider = grant(StaffFactory(), {"settings_manage"}, stores=[other])
    viewer = grant(StaffFactory(), {"settings_view"}, stores=[store])
    robot = RobotFactory(store=store)

    for actor in (outsider, viewer):
        with pytest.raises(PermissionDenied):
            robot_create(actor=actor, name="A-B-C", webhook_key=KEY, store=store)
        with pytest.raises(PermissionDenied):
            robot_update(actor=actor, robot=robot, name=robot.name, store=store)
        with pytest.raises(PermissionDenied):
            robot_delete(actor=actor, robot=robot)
    assert not AuditEvent.objects.exists()


def test_company_wide_robots_are_for_super_admins_only(grant):
    store = StoreFactory()
    manager = grant(StaffFactory(), {"settings_manage"}, stores=[store])
    with pytest.raises(PermissionDenied):
        robot_create(actor=manager, name="全公司-运营部-日报", webhook_key=KEY)
    robot = robot_create(actor=SuperuserFactory(), name="全公司-运营部-日报", webhook_key=KEY)
    assert robot.store is None
    # Nor can a store manager move their robot out of the store.
    own = RobotFactory(store=store)
    with pytest.raises(PermissionDenied):
        robot_update(actor=manager, robot=own, name=own.name, store=None)


def test_updating_without_a_key_keeps_the_saved_key():
    admin = SuperuserFactory()
    robot = robot_create(actor=admin, name="A店-客服部-新订单", webhook_key=KEY)

    robot_update(actor=admin, robot=robot, name="A店-客服部-售后", webhook_key="")

    robot.refresh_from_db()
    assert robot.webhook_key == KEY
    event = AuditEvent.objects.get(action="robot.update")
    assert event.before == {"name": "A店-客服部-新订单"}
    assert event.after == {"name": "A店-客服部-售后"}


def test_changing_the_key_is_audited_as_changed_never_as_values():
    admin = SuperuserFactory()
    robot = robot_create(actor=admin, name="A店-客服部-新订单", webhook_key=KEY)

    robot_update(actor=admin, robot=robot, name=robot.name, webhook_key=NEW_KEY)

    robot.refresh_from_db()
    assert robot.webhook_key == NEW_KEY
    event = AuditEvent.objects.get(action="robot.update")
    assert event.before == {"webhook_key": "set"}
    assert event.after == {"webhook_key": "changed"}
    text = audit_text()
    assert KEY not in text and NEW_KEY not in text


def test_deleting_a_robot_is_audited(grant):
    store = StoreFactory()
    manager = grant(StaffFactory(), {"settings_manage"}, stores=[store])
    robot = RobotFactory(store=store, name="B店-仓储部-缺货")

    robot_delete(actor=manager, robot=robot)

    assert not Robot.objects.filter(pk=robot.pk).exists()
    event = AuditEvent.objects.get(action="robot.delete")
    assert event.target_label == "B店-仓储部-缺货"
    assert event.store_id == store.pk
    assert robot.webhook_key not in audit_text()


def test_the_key_is_shown_masked():
    robot = RobotFactory(webhook_key=KEY)
    assert robot_key_masked(robot) == "••••5aaa"


def test_send_errors_are_recorded_without_the_key():
    robot = RobotFactory(webhook_key=KEY)
    robot_record_result(
        robot=robot, ok=False, error=f"POST /cgi-bin/webhook/send?key={KEY} failed: 93000 invalid webhook url {KEY}"
    )
    robot.refresh_from_db()
    assert robot.last_error_at is not None
    assert "93000" in robot.last_error
    assert KEY not in robot.last_error

    robot_record_result(robot=robot, ok=True)
    robot.refresh_from_db()
    assert robot.last_success_at >= robot.last_error_at


def test_viewers_see_only_robots_of_their_stores(grant):
    store, other = StoreFactory(), StoreFactory()
    mine, theirs, company = RobotFactory(store=store), RobotFactory(store=other), RobotFactory(store=None)
    viewer = grant(StaffFactory(), {"settings_view"}, stores=[store])

    assert list(Robot.objects.restrict(viewer, "view")) == [mine]
    assert set(Robot.objects.restrict(SuperuserFactory(), "view")) == {mine, theirs, company}
