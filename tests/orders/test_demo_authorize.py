"""Demo: the simulated Shopee shops are authorized for the demo app the way a seller would (a code from the
simulator, exchanged through the real client), at start and again after the in-console simulators forgot."""

import json

import pytest

from audit.models import AuditEvent
from orders.choices import SyncHealth
from orders.demo import shopee_authorize_demo_shops
from orders.models import SyncState
from orders.polling import store_poll, sync_states_ensure
from stores.models import ShopeeCredential
from tests.factories import ShopeeAppFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(simulator, settings, tmp_path):
    from core import seeding

    control = simulator.control
    partner = control.create_partner()
    shop_id = control.create_shop(partner_id=partner["partner_id"], region="SG")["shop_id"]
    world = {
        "shopee_partner": {"partner_id": partner["partner_id"], "partner_key": partner["partner_key"]},
        "stores": [{"platform": "shopee", "site": "SG", "shop_id": str(shop_id)}],
        "robots": [],
    }
    path = tmp_path / "world.json"
    path.write_text(json.dumps(world))
    settings.SHOPCREW_DEMO_WORLD = str(path)
    settings.SHOPEE_BASE_URL = simulator.shopee_url
    settings.SHOPCREW_SANDBOX_CONTROL_URL = f"{simulator.base_url}/control"
    seeding._load.cache_clear()
    app = ShopeeAppFactory(partner_id=partner["partner_id"], partner_key=partner["partner_key"])
    StaffFactory(is_superuser=True)
    store = StoreFactory(platform="shopee", site="SG", shop_id=str(shop_id))
    yield store, app, control
    seeding._load.cache_clear()


def test_unauthorized_demo_shops_are_authorized_once_and_polled(demo):
    store, _app, control = demo
    assert shopee_authorize_demo_shops() == [store.pk]
    credential = ShopeeCredential.objects.get(store=store)
    assert credential.refresh_token and not credential.reauthorize_required
    assert AuditEvent.objects.filter(action="store.authorize", store=store).count() == 1
    assert shopee_authorize_demo_shops() == []  # authorized: left alone
    sync_states_ensure()
    assert store_poll(store_id=store.pk).outcome == "ok"


def test_a_shop_whose_sync_paused_for_its_authorization_is_authorized_again(demo, django_capture_on_commit_callbacks):
    store, _app, control = demo
    shopee_authorize_demo_shops()
    sync_states_ensure()
    SyncState.objects.filter(store=store).update(health=SyncHealth.PAUSED)
    with django_capture_on_commit_callbacks(execute=True):
        assert shopee_authorize_demo_shops() == [store.pk]
    assert SyncState.objects.get(store=store).health != SyncHealth.PAUSED  # authorizing resumes the sync
