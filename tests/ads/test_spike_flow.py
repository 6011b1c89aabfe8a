"""The issue's Done-when, end to end over real HTTP: a connected Shopee shop's ads are polled (14 closed days and
today), a spend spike is made in the simulator, the next poll sees it, and the store's 广告 robot receives
【广告花费异常】 mentioning the store's ads manager — once, however many polls follow."""

from datetime import UTC, datetime

import pytest

from ads.polling import ads_dispatch, ads_poll
from events.models import Event
from notifications import tasks
from notifications.limiter import get_limiter
from notifications.models import Route
from rbac.models import Role
from tests.ads.test_shopee_ads_client import advance_to_local
from tests.factories import RobotFactory, RoleBindingFactory, StaffFactory
from tests.orders import intake_support

make_shopee_store, platforms_at = intake_support.make_shopee_store, intake_support.platforms_at

pytestmark = pytest.mark.django_db


def test_a_spend_spike_reaches_the_stores_ads_robot_mentioning_its_ads_manager(simulator, make_shopee_store, settings):
    settings.WECOM_BASE_URL = simulator.wecom_url
    settings.SHOPCREW_EVENTS_KICK = False
    shop = make_shopee_store()
    store = shop.store
    manager = StaffFactory(name="周婷", wecom_userid="ZhouTing")
    RoleBindingFactory(staff=manager, role=Role.objects.get(key="ads"), store=store)
    key = simulator.control.create_robot()["key"]
    robot = RobotFactory(store=store, webhook_key=key, name="新加坡店-广告与市场-广告")
    get_limiter().reset(robot.pk)
    Route.objects.create(
        name="广告", robot=robot, store=store, event_kinds=["ads.spend_spike"], mention_permission="ads_operate",
        mention_assignee=False,
    )  # fmt: skip
    advance_to_local(simulator, 15, 40, 8)  # 15:40 in Singapore on the simulator's clock, and so for the poll
    now = datetime.fromtimestamp(simulator.control.clock()["now"], UTC)
    ads_dispatch(queue=lambda ids: None, now=now)
    assert ads_poll(store_id=store.pk, now=now).outcome == "ok"  # the usual: 14 closed days
    assert not Event.objects.filter(kind="ads.spend_spike").exists()

    spiked = simulator.control.http.post(f"shopee/shops/{shop.shop_id}/ads/spike", json={"factor": 20})
    assert spiked.status_code == 200
    assert ads_poll(store_id=store.pk, now=now).outcome == "ok"
    assert ads_poll(store_id=store.pk, now=now).outcome == "ok"  # polled again: still one alert
    assert Event.objects.filter(kind="ads.spend_spike", store=store).count() == 1

    tasks.deliver_events.apply().get()
    tasks.deliver_robot.apply((robot.pk,)).get()
    [message] = simulator.control.messages(key)
    assert message["content"].startswith(f"【广告花费异常】{store.name} 15:00–15:40 花费:")
    assert message["mentioned_list"] == ["ZhouTing"]
