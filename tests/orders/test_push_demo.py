"""Demo: the simulated platforms are subscribed to the console's push receivers through the control API."""

import json

import pytest

from core.seeding import demo_world
from orders.demo import push_subscribe
from orders.tasks import poll_demo_push_subscriptions


@pytest.fixture
def own_world(simulator, settings, tmp_path):
    """A demo world of this test's own partner and sellers: the simulator is shared by the session (and its
    world is the one the demo-mode tests mount), so the real demo ids are not created here."""
    from core import seeding

    control = simulator.control
    partner = control.create_partner()
    sellers = [control.create_seller()["client_id"] for _ in range(2)]
    world = {
        "shopee_partner": {"partner_id": partner["partner_id"], "partner_key": partner["partner_key"]},
        "stores": [{"platform": "ozon", "site": "RU", "shop_id": str(c)} for c in sellers],
        "robots": [],
    }
    path = tmp_path / "world.json"
    path.write_text(json.dumps(world))
    settings.SHOPCREW_DEMO_WORLD = str(path)
    seeding._load.cache_clear()
    yield
    seeding._load.cache_clear()


@pytest.mark.django_db
@pytest.mark.usefixtures("own_world")
def test_the_demo_partner_and_sellers_push_to_the_console(simulator, settings):
    world = demo_world()
    partner = world["shopee_partner"]
    control = simulator.control
    sellers = [int(r["shop_id"]) for r in world["stores"] if r["platform"] == "ozon"]
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
