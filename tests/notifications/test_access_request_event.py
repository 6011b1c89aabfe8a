"""An access request announces itself through the outbox (access.request_opened), naming its approvers, so the
fan-out can @-mention them in the route's group."""

import pytest

from events.models import Event
from notifications.fanout import fan_out_events
from notifications.models import Delivery, Route
from rbac import services
from tests.factories import RobotFactory, RoleFactory, StaffFactory, StoreFactory
from tests.rbac_fixtures import grant, roles, sa, super_admins  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_request_emits_one_event_naming_its_approvers_and_reaches_the_route(grant, roles, super_admins):  # noqa: F811
    store = StoreFactory(name="泰国店")
    manager = StaffFactory(wecom_userid="manager1")
    grant(manager, roles["store_admin"], store)
    clerk = StaffFactory(name="赵磊")
    grant(clerk, RoleFactory(permissions=["orders_view"]), store)
    robot = RobotFactory()
    Route.objects.create(name="审批", robot=robot, event_kinds=["access.request_opened"], store=store)

    req = services.access_request_create(
        actor=clerk, staff=clerk, role=roles["customer_service"], store=store, reason="大促代班"
    )

    event = Event.objects.get(dedupe_key=f"access.request_opened:{req.pk}")
    assert event.kind == "access.request_opened" and event.store_id == store.pk
    approvers = set(event.payload["approver_ids"])
    assert manager.pk in approvers and clerk.pk not in approvers
    assert {p.pk for p in super_admins} <= approvers
    assert event.payload["what"] == roles["customer_service"].name

    assert fan_out_events([event]) == 1
    delivery = Delivery.objects.get(event=event)
    assert "manager1" in delivery.mentioned_userids
    assert delivery.content.startswith("【权限申请待审批】泰国店 申请人:赵磊")
    assert "理由:大促代班" in delivery.content
