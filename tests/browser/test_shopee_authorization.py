"""An admin authorizes a Shopee store in a real browser: the store page → the simulated Shopee
authorization page → our callback → tokens stored, and the store page shows the connection healthy.
"""

import pytest
from django.test import Client

from core.testing import verified_login
from stores.models import ShopeeCredential
from tests.factories import ShopeeAppFactory, StoreFactory, SuperuserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(context, live_server, user):
    """Give the browser context the session of a user who passed the second factor."""
    client = Client()
    verified_login(client, user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


def test_an_admin_authorizes_a_shopee_store_through_the_simulated_flow(live_server, simulator, settings, page):
    settings.SHOPEE_BASE_URL = simulator.shopee_url
    partner = simulator.control.create_partner(name="ShopCrew")
    shop = simulator.control.create_shop(partner_id=partner["partner_id"], region="SG", name="泰国旗舰店")
    ShopeeAppFactory(partner_id=partner["partner_id"], partner_key=partner["partner_key"])
    store = StoreFactory(platform="shopee", site="SG", shop_id=str(shop["shop_id"]), name="泰国旗舰店")
    signed_in(page.context, live_server, SuperuserFactory())
    page.goto(f"{live_server.url}{store.get_absolute_url()}")
    panel = page.locator("#connection")
    assert panel.get_attribute("data-connection-state") == "not_connected"

    panel.locator(f'a[href$="/stores/auth/{store.pk}/shopee/authorize/"]').click()

    # The simulated Shopee page: choose the shop and confirm.
    page.wait_for_url(f"{simulator.shopee_url}/api/v2/shop/auth_partner?**")
    page.locator("select#shop_id").select_option(str(shop["shop_id"]))
    page.locator('button[name="decision"][value="authorize"]').click()

    # Back on the console's store page, through the callback.
    page.wait_for_url(f"{live_server.url}{store.get_absolute_url()}")
    panel = page.locator("#connection")
    assert panel.get_attribute("data-connection-state") == "healthy"
    assert page.locator(".msg.success").count() == 1
    html = page.content()

    credential = ShopeeCredential.objects.get(store=store)
    assert len(credential.access_token) == 32 and len(credential.refresh_token) == 32
    assert credential.access_token not in html and credential.refresh_token not in html
    assert "••••" + credential.access_token[-4:] in html
