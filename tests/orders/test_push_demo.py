"""Demo: the simulated platforms are subscribed to the console's push receivers through the control API."""

import pytest

from core.seeding import demo_world
from orders.demo import push_subscribe
from orders.tasks import poll_demo_push_subscriptions


@pytest.mark.django_db
def test_the_demo_partner_and_sellers_push_to_the_console(simulator, settings):
    world = demo_world()
    partner = world["shopee_partner"]
    control = simulator.control
    control.create_partner(partner_id=partner["partner_id"], partner_key=partner["partner_key"])
    sellers = [int(r["shop_id"]) for r in world["stores"] if r["platform"] == "ozon"]
    for client_id in sellers:
        control.create_seller(client_id=client_id)
    settings.SHOPCREW_SANDBOX_CONTROL_URL = f"{simulator.base_url}/control"
    settings.SHOPCREW_PUSH_BASE_URL = "http://console.example:8000"

    done = push_subscribe()

    assert done == {"shopee": [partner["partner_id"]], "ozon": sellers}
    assert control.shopee_push(partner["partner_id"])["callback_url"] == (
        f"http://console.example:8000/push/shopee/{partner['partner_id']}/"
    )
    assert {control.ozon_push(c)["url"] for c in sellers} == {"http://console.example:8000/push/ozon/"}
    settings.SHOPCREW_DEMO = True
    # beat's re-registration: the same, no error (no demo Shopee app here: nothing to authorize)
    assert poll_demo_push_subscriptions.apply().result == {**done, "authorized": []}


def test_outside_demo_mode_the_beat_task_does_nothing(settings):
    settings.SHOPCREW_DEMO, settings.SHOPCREW_SANDBOX_CONTROL_URL = False, "http://127.0.0.1:9/control"
    assert poll_demo_push_subscriptions.apply().result is None
