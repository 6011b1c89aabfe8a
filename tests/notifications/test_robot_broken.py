"""A broken robot (WeCom refused it for good) shows why on its pages and API; saving a new key clears it; a
robot name that is not 店名-部门-用途 is refused saying what is wrong."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from notifications import services
from notifications.models import Robot
from tests.factories import RobotFactory, StoreFactory, SuperuserFactory

pytestmark = pytest.mark.django_db


def test_broken_state_is_shown_and_a_new_key_clears_it(login):
    admin = SuperuserFactory()
    robot = RobotFactory(
        store=StoreFactory(), broken_at=timezone.now(), broken_reason="InvalidCredentials: 93000 invalid webhook url"
    )
    client = login(admin)
    page = client.get(reverse("notifications:robot_detail", args=[robot.pk])).content.decode()
    assert 'data-testid="broken"' in page and "93000 invalid webhook url" in page
    assert client.get(reverse("api:robot-detail", args=[robot.pk])).json()["broken_reason"].startswith("Invalid")
    services.robot_update(actor=admin, robot=robot, name=robot.name, store=robot.store, webhook_key="new-key-0001")
    robot.refresh_from_db()
    assert (robot.broken_at, robot.broken_reason) == (None, "")


@pytest.mark.parametrize(("name", "count"), [("泰国店新订单", 1), ("泰国店-新订单", 2), ("泰国店--新订单", 2)])
def test_a_name_error_says_what_is_wrong(name, count):
    with pytest.raises(ValidationError) as refused:
        services.robot_create(actor=SuperuserFactory(), name=name, webhook_key="k-1", store=None)
    message = " ".join(refused.value.messages)
    assert name in message and f"{count}" in message and "泰国店-客服部-新订单" in message
    assert not Robot.objects.exists()
