"""Shop authorization against the simulators over HTTP: Shopee's link, callback and token refresh
(including two concurrent refreshers), Ozon key verification, "test connection" and expiry warnings.
"""

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
import redis
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from stores import authorization
from stores.authorization import (
    RefreshBusy,
    connection_health,
    expiring_authorizations,
    ozon_verify_and_save,
    shopee_authorization_link,
    shopee_authorize_callback,
    shopee_refresh_due,
    shopee_refresh_tokens,
)
from stores.clients.errors import InvalidCredentials
from stores.models import OzonCredential, ShopeeCredential
from stores.tasks import refresh_due_shopee_tokens, refresh_shopee_tokens
from tests.factories import OzonCredentialFactory, ShopeeAppFactory, StaffFactory, StoreFactory, SuperuserFactory
from tests.stores.connection_support import authorize_through_views, local, seller_confirms

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("grant")]


def authorize(setup, simulator):
    """Authorize the store through the services (link → simulated seller → callback)."""
    admin = SuperuserFactory()
    link = shopee_authorization_link(
        actor=admin, store=setup.store, app=setup.app, redirect_url="https://console.example/cb?state=x"
    )
    callback = seller_confirms(link, shop_id=setup.store.shop_id)
    code = dict(pair.split("=", 1) for pair in callback.split("?", 1)[1].split("&"))["code"]
    return shopee_authorize_callback(
        actor=admin, store=setup.store, app=setup.app, code=code, shop_id=int(setup.store.shop_id)
    )


def token_calls(simulator, path="/api/v2/auth/access_token/get"):
    return [r for r in simulator.control.requests(service="shopee") if r["path"].endswith(path)]


# --- Shopee: link and callback ------------------------------------------------------------------------


def test_the_link_is_signed_for_the_app_and_carries_our_callback(shopee, simulator):
    link = shopee_authorization_link(
        actor=SuperuserFactory(),
        store=shopee.store,
        app=shopee.app,
        redirect_url="https://console.example/stores/auth/shopee/callback/?state=abc",
    )
    assert link.startswith(f"{simulator.shopee_url}/api/v2/shop/auth_partner?")
    assert f"partner_id={shopee.app.partner_id}" in link
    assert "redirect=https%3A%2F%2Fconsole.example%2Fstores%2Fauth%2Fshopee%2Fcallback%2F%3Fstate%3Dabc" in link
    assert shopee.partner_key not in link


def test_an_admin_authorizes_a_store_and_its_tokens_are_stored(shopee, simulator, login, grant):
    manager = grant(StaffFactory(), {"settings_manage"}, stores=[shopee.store])
    client = login(manager)

    authorize_through_views(client, shopee.store)

    credential = ShopeeCredential.objects.get(store=shopee.store)
    assert credential.app == shopee.app
    assert len(credential.access_token) == 32 and len(credential.refresh_token) == 32
    assert credential.authorized_by == manager
    now = timezone.now()
    assert abs(credential.authorization_expires_at - (now + timedelta(days=365))) < timedelta(minutes=1)
    assert abs(credential.access_expires_at - (now + timedelta(hours=4))) < timedelta(minutes=1)
    assert abs(credential.refresh_expires_at - (now + timedelta(days=30))) < timedelta(minutes=1)
    assert connection_health(store=shopee.store).state == "healthy"
    event = AuditEvent.objects.get(action="store.authorize")
    assert event.store_id == shopee.store.pk and event.actor_id == manager.pk
    assert event.after["access_token"] == "changed" and event.after["refresh_token"] == "changed"
    # The stored token works against the simulator.
    with authorization.shopee_client(shopee.app) as client_api:
        client_api.shop(shop_id=int(shopee.store.shop_id), access_token=credential.access_token).verify()


def test_a_callback_cannot_be_replayed(shopee, simulator, login):
    client = login(SuperuserFactory())
    callback = authorize_through_views(client, shopee.store)
    tokens = ShopeeCredential.objects.get(store=shopee.store).access_token

    again = client.get(callback)

    assert again.status_code == 400
    assert ShopeeCredential.objects.get(store=shopee.store).access_token == tokens
    assert AuditEvent.objects.filter(action="store.authorize").count() == 1


def test_a_callback_cannot_be_delivered_into_another_store_or_session(shopee, simulator, client, login):
    admin = SuperuserFactory()
    browser = login(admin)
    start = browser.get(reverse("store_auth:shopee_authorize", args=[shopee.store.pk]))
    callback = local(seller_confirms(start["Location"], shop_id=shopee.store.shop_id))

    # A tampered state (pointing at another store) fails the signature.
    other = StoreFactory(platform="shopee", shop_id="77")
    state = callback.split("state=", 1)[1].split("&", 1)[0]
    assert browser.get(callback.replace(state, state[:-2] + "xx")).status_code == 400
    # Someone else's session cannot spend it.
    intruder_client = type(client)()
    from core.testing import verified_login

    verified_login(intruder_client, SuperuserFactory())
    assert intruder_client.get(callback).status_code == 400
    assert not ShopeeCredential.objects.exists()
    # The rightful session still can, once, and only into the store it started from.
    assert browser.get(callback).status_code == 302
    assert ShopeeCredential.objects.get().store == shopee.store
    assert not ShopeeCredential.objects.filter(store=other).exists()


def test_the_authorized_shop_must_be_the_stores_shop(shopee, simulator):
    other_shop = simulator.control.create_shop(partner_id=shopee.app.partner_id)
    admin = SuperuserFactory()
    link = shopee_authorization_link(actor=admin, store=shopee.store, app=shopee.app, redirect_url="https://x/cb")
    callback = seller_confirms(link, shop_id=other_shop["shop_id"])
    code = callback.split("code=", 1)[1].split("&", 1)[0]

    with pytest.raises(ValidationError):
        shopee_authorize_callback(
            actor=admin, store=shopee.store, app=shopee.app, code=code, shop_id=other_shop["shop_id"]
        )
    assert not ShopeeCredential.objects.exists()


def test_an_invalid_code_is_refused_without_storing_anything(shopee, simulator):
    admin = SuperuserFactory()
    authorize(shopee, simulator)
    with pytest.raises(ValidationError) as excinfo:
        shopee_authorize_callback(
            actor=admin, store=shopee.store, app=shopee.app, code="0" * 32, shop_id=int(shopee.store.shop_id)
        )
    assert "code" in " ".join(excinfo.value.messages)
    assert AuditEvent.objects.filter(action="store.authorize").count() == 1


def test_only_settings_managers_may_authorize(shopee, simulator, login, grant):
    viewer = grant(StaffFactory(), {"settings_view"}, stores=[shopee.store])
    with pytest.raises(PermissionDenied):
        shopee_authorization_link(actor=viewer, store=shopee.store, app=shopee.app, redirect_url="https://x/cb")
    client = login(viewer)
    assert client.get(reverse("store_auth:shopee_authorize", args=[shopee.store.pk])).status_code == 403
    manager_elsewhere = grant(StaffFactory(), {"settings_manage"}, stores=[StoreFactory()])
    client = login(manager_elsewhere)
    assert client.get(reverse("store_auth:shopee_authorize", args=[shopee.store.pk])).status_code == 404


def test_deauthorizing_forgets_the_tokens(shopee, simulator, login):
    client = login(SuperuserFactory())
    authorize_through_views(client, shopee.store)

    response = client.post(reverse("store_auth:shopee_deauthorize", args=[shopee.store.pk]))

    assert response.status_code == 302
    credential = ShopeeCredential.objects.get(store=shopee.store)
    assert credential.access_token == "" and credential.refresh_token == ""
    assert connection_health(store=shopee.store).state == "not_connected"
    assert AuditEvent.objects.filter(action="store.deauthorize").count() == 1


# --- Shopee: refresh ----------------------------------------------------------------------------------


def make_due(credential, minutes=10):
    ShopeeCredential.objects.filter(pk=credential.pk).update(
        access_expires_at=timezone.now() + timedelta(minutes=minutes)
    )


def test_a_due_token_is_refreshed_and_the_new_refresh_token_stored(shopee, simulator):
    first = authorize(shopee, simulator)
    make_due(first)

    refreshed = shopee_refresh_tokens(store=shopee.store)

    assert refreshed.refresh_token != first.refresh_token
    assert refreshed.access_token != first.access_token
    stored = ShopeeCredential.objects.get(pk=first.pk)
    assert stored.refresh_token == refreshed.refresh_token
    assert stored.access_expires_at > timezone.now() + timedelta(hours=3)
    # The old refresh token is spent; the stored one works.
    with authorization.shopee_client(shopee.app) as client:
        with pytest.raises(InvalidCredentials):
            client.refresh_access_token(first.refresh_token, int(shopee.store.shop_id))
    make_due(stored)
    assert shopee_refresh_tokens(store=shopee.store).refresh_token != stored.refresh_token


def test_a_token_that_is_not_due_is_left_alone(shopee, simulator):
    first = authorize(shopee, simulator)
    before = len(token_calls(simulator))
    assert shopee_refresh_tokens(store=shopee.store).refresh_token == first.refresh_token
    assert len(token_calls(simulator)) == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("runtime", ["redis", "database"])
def test_two_concurrent_refreshers_spend_the_refresh_token_once(shopee, simulator, settings, runtime):
    # "database": bin/run on a machine without Redis, where the credential's row lock serializes alone
    settings.SHOPCREW_RATE_LIMITER = runtime
    credential = authorize(shopee, simulator)
    make_due(credential)
    before = len(token_calls(simulator))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(shopee_refresh_tokens(store=shopee.store).refresh_token)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(token_calls(simulator)) - before == 1
    stored = ShopeeCredential.objects.get(pk=credential.pk)
    assert results == [stored.refresh_token, stored.refresh_token]
    assert stored.refresh_token != credential.refresh_token and not stored.reauthorize_required
    make_due(stored)
    shopee_refresh_tokens(store=shopee.store)  # the stored token is the live one


def test_a_refresher_that_cannot_get_the_lock_gives_up_without_spending(shopee, simulator, settings, monkeypatch):
    credential = authorize(shopee, simulator)
    make_due(credential)
    monkeypatch.setattr(authorization, "LOCK_WAIT", 0.2)
    held = redis.Redis.from_url(settings.REDIS_URL).lock(authorization.refresh_lock_name(shopee.store.pk), timeout=5)
    assert held.acquire()
    try:
        with pytest.raises(RefreshBusy) as excinfo:
            shopee_refresh_tokens(store=shopee.store)
        assert excinfo.value.retryable
    finally:
        held.release()
    assert ShopeeCredential.objects.get(pk=credential.pk).refresh_token == credential.refresh_token


def test_a_refused_refresh_token_flags_the_store_for_reauthorization(shopee, simulator):
    credential = authorize(shopee, simulator)
    simulator.control.deauthorize(int(shopee.store.shop_id), partner_id=shopee.app.partner_id)
    make_due(credential)

    with pytest.raises(InvalidCredentials):
        shopee_refresh_tokens(store=shopee.store)

    stored = ShopeeCredential.objects.get(pk=credential.pk)
    assert stored.reauthorize_required
    assert stored.last_error and stored.last_error_at
    assert credential.refresh_token not in stored.last_error
    health = connection_health(store=shopee.store)
    assert health.state == "reauthorize"
    assert list(expiring_authorizations()) == [stored]
    assert shopee.store.pk not in shopee_refresh_due().values_list("store_id", flat=True)


def test_the_refresh_task_refreshes_a_due_shop(shopee, simulator):
    credential = authorize(shopee, simulator)
    make_due(credential)
    assert list(shopee_refresh_due().values_list("store_id", flat=True)) == [shopee.store.pk]

    refresh_shopee_tokens.apply(args=[shopee.store.pk]).get()

    assert ShopeeCredential.objects.get(pk=credential.pk).refresh_token != credential.refresh_token
    assert not shopee_refresh_due().exists()


def test_the_beat_task_refreshes_every_due_shop_and_only_those(shopee, simulator, monkeypatch):
    credential = authorize(shopee, simulator)
    make_due(credential)
    other_shop = simulator.control.create_shop(partner_id=shopee.app.partner_id)
    other = replace(shopee, store=StoreFactory(platform="shopee", shop_id=str(other_shop["shop_id"])))
    fresh = authorize(other, simulator)
    # Run the queued per-shop tasks in this process instead of sending them to a broker.
    monkeypatch.setattr(refresh_due_shopee_tokens.app.conf, "task_always_eager", True)

    assert refresh_due_shopee_tokens.apply().get() == 1

    assert ShopeeCredential.objects.get(pk=credential.pk).refresh_token != credential.refresh_token
    assert ShopeeCredential.objects.get(pk=fresh.pk).refresh_token == fresh.refresh_token


# --- test connection ----------------------------------------------------------------------------------


def test_test_connection_records_success_and_refreshes_an_expired_token(shopee, simulator, login):
    credential = authorize(shopee, simulator)
    # The platform no longer accepts the stored access token although we think it valid.
    ShopeeCredential.objects.filter(pk=credential.pk).update(access_token="f" * 32)
    client = login(SuperuserFactory())

    response = client.post(reverse("store_auth:connection_test", args=[shopee.store.pk]), follow=True)

    assert response.status_code == 200
    stored = ShopeeCredential.objects.get(pk=credential.pk)
    assert stored.access_token != "f" * 32
    assert stored.last_success_at >= credential.last_success_at
    event = AuditEvent.objects.get(action="store.connection_test")
    assert event.after == {"ok": True}


def test_test_connection_records_a_failure(shopee, simulator):
    credential = authorize(shopee, simulator)
    simulator.control.inject("shopee", "http_error", target=shopee.store.shop_id, status=503, count=10)

    ok = authorization.test_connection(actor=SuperuserFactory(), store=shopee.store)

    assert ok is False
    stored = ShopeeCredential.objects.get(pk=credential.pk)
    assert stored.last_error_at and stored.last_call_failed
    assert connection_health(store=shopee.store).state == "error"
    assert AuditEvent.objects.get(action="store.connection_test").after == {"ok": False}


# --- Ozon keys ----------------------------------------------------------------------------------------


@pytest.fixture
def ozon_seller(simulator, settings):
    settings.OZON_BASE_URL = simulator.ozon_url
    return simulator.control.create_seller(name="Ozon test seller")


def test_ozon_keys_are_verified_with_one_call_then_saved(ozon_seller, simulator):
    store = StoreFactory(platform="ozon", site="RU")
    before = len(simulator.control.requests(service="ozon"))

    credential = ozon_verify_and_save(
        actor=SuperuserFactory(), store=store, client_id=ozon_seller["client_id"], api_key=ozon_seller["api_key"]
    )

    assert len(simulator.control.requests(service="ozon")) - before == 1
    assert OzonCredential.objects.get(pk=credential.pk).api_key == ozon_seller["api_key"]
    assert credential.verified_at and credential.last_success_at
    assert connection_health(store=store).state == "healthy"
    assert AuditEvent.objects.filter(action="store.credentials_change").count() == 1


def test_ozon_keys_that_ozon_refuses_are_not_saved(ozon_seller, simulator, login):
    store = StoreFactory(platform="ozon", site="RU")
    client = login(SuperuserFactory())
    wrong_key = "00000000-dead-beef-0000-000000000000"

    response = client.post(
        reverse("store_auth:ozon_keys", args=[store.pk]), {"client_id": ozon_seller["client_id"], "api_key": wrong_key}
    )

    assert response.status_code == 200
    assert "Invalid Api-Key" in response.content.decode()
    assert wrong_key not in response.content.decode()
    assert not OzonCredential.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="store.").exists()


def test_the_ozon_form_saves_and_returns_to_the_store(ozon_seller, simulator, login):
    store = StoreFactory(platform="ozon", site="RU")
    client = login(SuperuserFactory())
    page = client.get(reverse("store_auth:ozon_keys", args=[store.pk]))
    assert page.status_code == 200

    response = client.post(
        reverse("store_auth:ozon_keys", args=[store.pk]),
        {"client_id": ozon_seller["client_id"], "api_key": ozon_seller["api_key"]},
    )

    assert response.status_code == 302 and response["Location"] == store.get_absolute_url()
    assert OzonCredential.objects.get(store=store).client_id == ozon_seller["client_id"]
    again = client.get(reverse("store_auth:ozon_keys", args=[store.pk])).content.decode()
    assert ozon_seller["api_key"] not in again
    assert "••••" + ozon_seller["api_key"][-4:] in again


def test_the_ozon_form_is_for_ozon_stores_only(login):
    client = login(SuperuserFactory())
    assert client.get(reverse("store_auth:ozon_keys", args=[StoreFactory(platform="shopee").pk])).status_code == 404


def test_ozon_test_connection_reports_revoked_keys(ozon_seller, simulator):
    store = StoreFactory(platform="ozon", site="RU")
    OzonCredentialFactory(store=store, client_id=ozon_seller["client_id"], api_key=ozon_seller["api_key"])
    assert authorization.test_connection(actor=SuperuserFactory(), store=store) is True

    simulator.control.update_seller(ozon_seller["client_id"], active=False)
    assert authorization.test_connection(actor=SuperuserFactory(), store=store) is False
    credential = OzonCredential.objects.get(store=store)
    assert credential.last_call_failed
    assert ozon_seller["api_key"] not in credential.last_error


# --- expiry warnings and the health panel -------------------------------------------------------------


def test_expiring_authorizations_are_flagged_ahead_of_time():
    now = timezone.now()
    app = ShopeeAppFactory()

    def credential(**fields):
        values = {
            "access_token": "a" * 32,
            "refresh_token": "r" * 32,
            "refresh_issued_at": now - timedelta(days=1),
            "authorization_expires_at": now + timedelta(days=200),
            **fields,
        }
        return ShopeeCredential.objects.create(store=StoreFactory(), app=app, **values)

    healthy = credential()
    ending = credential(authorization_expires_at=now + timedelta(days=13))
    unused = credential(refresh_issued_at=now - timedelta(days=26))
    credential(refresh_token="", authorization_expires_at=now + timedelta(days=1))  # not authorized: nothing to warn

    assert set(expiring_authorizations()) == {ending, unused}
    assert healthy not in expiring_authorizations()
    with translation.override("en"):
        assert "ends on" in connection_health(store=ending.store).warnings[0]
        assert "26 days" in connection_health(store=unused.store).warnings[0]
    with translation.override("zh-hans"):
        assert "到期" in connection_health(store=ending.store).warnings[0]
    assert connection_health(store=unused.store).state == "expiring"


def test_expiring_authorizations_are_scoped_to_the_viewer(grant):
    now = timezone.now()
    app = ShopeeAppFactory()
    mine, theirs = StoreFactory(), StoreFactory()
    for store in (mine, theirs):
        ShopeeCredential.objects.create(
            store=store, app=app, refresh_token="r" * 32, authorization_expires_at=now + timedelta(days=3)
        )
    viewer = grant(StaffFactory(), {"settings_view"}, stores=[mine])
    assert [c.store for c in expiring_authorizations(viewer=viewer)] == [mine]


def render_panel(store, user):
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("stores/_connection.html", {"store": store}, request=request)


def test_the_panel_shows_health_and_masked_tokens_and_actions_only_to_managers(shopee, simulator, grant):
    credential = authorize(shopee, simulator)
    manager = grant(StaffFactory(), {"settings_manage"}, stores=[shopee.store])
    viewer = grant(StaffFactory(), {"settings_view"}, stores=[shopee.store])

    html = render_panel(shopee.store, manager)
    assert 'data-connection-state="healthy"' in html
    assert "••••" + credential.access_token[-4:] in html
    assert credential.access_token not in html and credential.refresh_token not in html
    assert reverse("store_auth:connection_test", args=[shopee.store.pk]) in html
    assert reverse("store_auth:shopee_authorize", args=[shopee.store.pk]) in html

    html = render_panel(shopee.store, viewer)
    assert 'data-connection-state="healthy"' in html
    assert reverse("store_auth:connection_test", args=[shopee.store.pk]) not in html


def test_the_panel_of_a_store_never_connected():
    store = StoreFactory(platform="ozon", site="RU")
    html = render_panel(store, SuperuserFactory())
    assert 'data-connection-state="not_connected"' in html
    assert reverse("store_auth:ozon_keys", args=[store.pk]) in html
