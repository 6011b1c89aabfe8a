"""The poller against the simulators over HTTP: every stream from its durable cursor with an overlap window,
each page upserted with its events; failures back off and alert once per episode; a refused authorization
pauses the store, alerts once, and authorizing again resumes it. Tasks run synchronously (`.apply()`)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from events.models import Event
from orders.models import AfterSalesCase, Order, StockLevel, SyncState
from orders.polling import store_poll, sync_claim_due, sync_states_ensure
from orders.tasks import poll_store
from stores.models import ShopeeCredential

from .intake_support import make_ozon_store, make_shopee_store, platforms_at, recent  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

LIST_PATH = "/api/v2/order/get_order_list"
FINISHED = ("accepted", "closed", "cancelled")


@pytest.fixture(autouse=True)
def one_attempt_per_call(settings):
    settings.SHOPCREW_INTAKE_CALL_ATTEMPTS = 1  # a failing call fails at once (the poll's backoff is tested)


@pytest.fixture
def shop(make_shopee_store):  # noqa: F811 - the fixture
    made = make_shopee_store()
    sync_states_ensure()
    return made


def sim_now(simulator) -> datetime:
    return datetime.fromtimestamp(simulator.control.clock()["now"], tz=UTC)


def poll(store):
    return poll_store.apply((store.pk,)).result


def state_of(store) -> SyncState:
    return SyncState.objects.get(store=store)


def order_list_calls(simulator, since_id):
    rows = simulator.control.requests(service="shopee", since_id=since_id, limit=10_000)
    return [r for r in rows if r["path"].endswith(LIST_PATH)]


def last_request_id(simulator) -> int:
    rows = simulator.control.requests(limit=1)
    return rows[-1]["id"] if rows else 0


def test_a_first_poll_imports_history_quietly_then_a_new_order_is_announced(shop, simulator):
    control = simulator.control
    history = recent(control, shop.shop_id, 12)
    control.seed_items(shop.shop_id, count=3, stock_min=50, stock_max=60, model_ratio=0)

    assert poll(shop.store) == "ok"

    assert set(Order.objects.filter(store=shop.store).values_list("order_id", flat=True)) == set(history)
    assert StockLevel.objects.filter(store=shop.store).count() == 3
    assert Event.objects.count() == 0  # the store's history is not news
    state = state_of(shop.store)
    assert set(state.cursors) == {"orders", "returns", "stock"}
    assert (state.health, state.failures, state.last_success_at is not None) == ("ok", 0, True)

    (new,) = recent(control, shop.shop_id, 1)
    assert poll(shop.store) == "ok"
    assert list(Event.objects.values_list("dedupe_key", flat=True)) == [f"order.new:{shop.store.pk}:{new}"]
    assert poll(shop.store) == "ok"  # nothing new: nothing written
    assert Event.objects.count() == 1


def test_each_poll_continues_from_the_cursor_minus_the_overlap(shop, simulator, settings):
    settings.SHOPCREW_POLL_OVERLAP = 600
    poll(shop.store)
    cursor = state_of(shop.store).cursors["orders"]
    since = last_request_id(simulator)

    poll(shop.store)

    (call,) = order_list_calls(simulator, since)
    assert call["query"]["time_from"] == str(int(cursor) - 600)
    assert state_of(shop.store).cursors["orders"] > cursor


def test_a_late_update_inside_the_overlap_window_is_picked_up(shop, simulator, settings):
    """An order whose update_time lies just behind the cursor (it reached the platform's index late) is read
    by the next poll because the window starts `overlap` seconds before the cursor; one further back is not."""
    settings.SHOPCREW_POLL_OVERLAP = 600
    control = simulator.control
    now = int(control.clock()["now"])
    (late,) = control.seed_orders(
        shop.shop_id, count=1, cod_ratio=1, cancel_ratio=0, return_ratio=0, **{"from": now - 300, "to": now - 300}
    )["order_sns"]
    (old,) = control.seed_orders(
        shop.shop_id, count=1, cod_ratio=1, cancel_ratio=0, return_ratio=0, **{"from": now - 900, "to": now - 900}
    )["order_sns"]
    state = state_of(shop.store)
    state.cursors = {"orders": now - 120, "returns": now - 120, "stock": now - 120}  # a poll already went past both
    state.save()

    poll(shop.store)

    assert list(Order.objects.filter(store=shop.store).values_list("order_id", flat=True)) == [late]
    assert old != late
    assert Event.objects.filter(kind="order.new").count() == 1  # a known store: the late order is news


def test_shipping_seen_by_a_later_poll_is_announced_once(shop, simulator):
    control = simulator.control
    (sn,) = recent(control, shop.shop_id, 1)
    state = state_of(shop.store)
    state.cursors = {"orders": int(control.clock()["now"]) - 120}
    state.save()
    poll(shop.store)
    control.advance(3 * 86400)  # the simulated order ships; the access token (4 h) expires on the way

    # the poll's clock is the platform's (the simulated one, three days on)
    assert store_poll(store_id=shop.store.pk, now=sim_now(simulator)).outcome == "ok"  # the token refreshed
    order = Order.objects.get(store=shop.store)
    assert order.status in ("shipped", "delivered") and order.tracking_number
    assert sorted(Event.objects.values_list("kind", flat=True)) == ["order.new", "order.shipped"]
    shipped = Event.objects.get(kind="order.shipped")
    assert shipped.payload["tracking_number"] == order.tracking_number


def test_ozon_postings_returns_and_stocks_are_polled_from_their_cursors(make_ozon_store, simulator):  # noqa: F811
    seller = make_ozon_store()
    sync_states_ensure()
    control = simulator.control
    now = int(control.clock()["now"])
    window = {"from": now - 3600, "to": now - 60}
    fbs = control.seed_postings(seller.client_id, count=5, cancel_ratio=0, return_ratio=0, **window)["posting_numbers"]
    fbo = control.seed_postings(seller.client_id, count=3, scheme="fbo", **window)["posting_numbers"]
    control.seed_products(seller.client_id, count=4, stock_min=100, stock_max=120)

    assert poll(seller.store) == "ok"

    orders = dict(Order.objects.filter(store=seller.store).values_list("order_id", "fulfilment"))
    assert orders == {**dict.fromkeys(fbs, "seller"), **dict.fromkeys(fbo, "platform")}
    assert StockLevel.objects.filter(store=seller.store).exists()
    assert set(state_of(seller.store).cursors) == {"fbs", "fbo", "returns", "stock"}

    (late,) = control.seed_postings(
        seller.client_id, count=1, cancel_ratio=0, return_ratio=0, **{"from": now - 30, "to": now - 30}
    )["posting_numbers"]
    assert poll(seller.store) == "ok"
    assert list(Event.objects.values_list("dedupe_key", flat=True)) == [f"order.new:{seller.store.pk}:{late}"]


def test_shopee_returns_are_polled_into_after_sales_cases(shop, simulator):
    control = simulator.control
    returned = control.seed_returns(shop.shop_id, count=2)["return_sns"]
    state = state_of(shop.store)
    state.cursors = {"returns": int(control.clock()["now"]) - 30 * 86400}  # a known store, long unpolled
    state.save()

    assert poll(shop.store) == "ok"

    cases = AfterSalesCase.objects.filter(store=shop.store)
    assert set(cases.values_list("case_id", flat=True)) == set(returned)
    assert Event.objects.filter(kind="aftersales.new").count() == cases.exclude(status__in=FINISHED).count()


# --- failures -----------------------------------------------------------------------------------------


def test_a_failing_store_backs_off_and_alerts_once_per_episode(shop, simulator, settings):
    settings.SHOPCREW_POLL_ALERT_AFTER = 3
    simulator.control.inject("shopee", "http_error", target=shop.shop_id, status=502, count=100, path=LIST_PATH)
    delays = []
    for _ in range(5):
        before = timezone.now()
        assert poll(shop.store) == "failing"
        state = state_of(shop.store)
        delays.append(round((state.next_poll_at - before).total_seconds() / 60))
    assert delays == [1, 2, 4, 8, 16]  # minutes: exponential
    assert (state.health, state.failures, state.failure_episode) == ("failing", 5, 1)
    assert "502" in state.last_error
    alerts = list(Event.objects.filter(kind="store.sync_failing").values_list("dedupe_key", "payload"))
    assert len(alerts) == 1 and alerts[0][0] == f"store.sync_failing:{shop.store.pk}:1"
    assert alerts[0][1]["reason"] == "failing"

    simulator.control.clear_faults("shopee")
    assert poll(shop.store) == "ok"
    assert (state_of(shop.store).health, state_of(shop.store).failures) == ("ok", 0)

    simulator.control.inject("shopee", "http_error", target=shop.shop_id, status=500, count=100, path=LIST_PATH)
    for _ in range(3):
        poll(shop.store)
    assert Event.objects.filter(kind="store.sync_failing").count() == 2  # a new episode, alerted once more


def test_backoff_is_capped(shop, simulator, settings):
    settings.SHOPCREW_POLL_BACKOFF_CAP = 300
    simulator.control.inject("shopee", "http_error", target=shop.shop_id, status=500, count=100, path=LIST_PATH)
    for _ in range(6):
        poll(shop.store)
    state = state_of(shop.store)
    assert state.next_poll_at - state.last_error_at == timedelta(seconds=300)


def test_a_malformed_answer_is_a_failure_not_a_crash(shop, simulator):
    simulator.control.inject("shopee", "malformed_json", target=shop.shop_id, count=5, path=LIST_PATH)
    assert poll(shop.store) == "failing"
    assert state_of(shop.store).failures == 1


def test_a_revoked_authorization_pauses_the_store_alerts_once_and_authorizing_again_resumes(
    shop, simulator, django_capture_on_commit_callbacks
):
    simulator.control.deauthorize(shop.shop_id, partner_id=shop.partner_id)

    assert poll(shop.store) == "paused"  # the token refused, a forced refresh refused too

    state = state_of(shop.store)
    assert state.health == "paused"
    assert shop.partner_key not in state.last_error
    alerts = Event.objects.filter(kind="store.sync_failing")
    assert [a.payload["reason"] for a in alerts] == ["authorization"]
    assert poll(shop.store) == "skipped"  # not polled again, not alerted again
    assert shop.store.pk not in sync_claim_due(now=timezone.now() + timedelta(days=1))
    assert alerts.count() == 1

    tokens = simulator.control.issue_tokens(shop.shop_id, partner_id=shop.partner_id)  # the seller authorizes again
    credential = ShopeeCredential.objects.get(store=shop.store)
    credential.access_token, credential.refresh_token = tokens["access_token"], tokens["refresh_token"]
    credential.reauthorize_required = False
    credential.access_expires_at = timezone.now() + timedelta(hours=4)
    with django_capture_on_commit_callbacks(execute=True):
        credential.save()  # what stores.authorization.shopee_authorize_callback does

    assert state_of(shop.store).health == "ok"
    assert poll(shop.store) == "ok"


def test_an_ozon_key_refused_pauses_the_store(make_ozon_store, simulator):  # noqa: F811
    seller = make_ozon_store()
    sync_states_ensure()
    simulator.control.update_seller(seller.client_id, active=False)
    outcome = poll(seller.store)
    assert outcome == "paused", state_of(seller.store).last_error
    assert seller.api_key not in state_of(seller.store).last_error
    assert Event.objects.filter(kind="store.sync_failing").count() == 1


def test_a_store_never_connected_is_skipped_quietly(db):
    from tests.factories import StoreFactory

    store = StoreFactory()
    sync_states_ensure()
    assert poll(store) == "not_connected"
    assert (state_of(store).health, Event.objects.count()) == ("ok", 0)


def test_authorizations_ending_within_seven_days_are_announced_once_per_store_and_date(shop, make_shopee_store):  # noqa: F811
    from orders.tasks import poll_auth_expiring

    credential = ShopeeCredential.objects.get(store=shop.store)
    credential.authorization_expires_at = timezone.now() + timedelta(days=5)
    credential.save(update_fields=["authorization_expires_at"])
    far = make_shopee_store()  # ends in a year: not yet

    assert poll_auth_expiring.apply().result == 1
    assert poll_auth_expiring.apply().result == 0  # the next day's run: the same date, no second warning
    event = Event.objects.get(kind="store.auth_expiring")
    assert event.store_id == shop.store.pk and event.payload["days_left"] in (4, 5)
    assert not Event.objects.filter(store=far.store).exists()

    credential.authorization_expires_at = timezone.now() + timedelta(days=6)  # authorized again meanwhile
    credential.save(update_fields=["authorization_expires_at"])
    assert poll_auth_expiring.apply().result == 1


def test_the_store_page_shows_the_sync_health_and_why_it_is_paused(shop, simulator, login):
    from django.utils.html import escape

    from tests.factories import SuperuserFactory

    client = login(SuperuserFactory())
    page = client.get(shop.store.get_absolute_url())
    assert page.status_code == 200 and b'data-sync-health="ok"' in page.content

    simulator.control.deauthorize(shop.shop_id, partner_id=shop.partner_id)
    poll(shop.store)

    page = client.get(shop.store.get_absolute_url()).content.decode()
    assert 'data-sync-health="paused"' in page
    assert escape(state_of(shop.store).last_error) in page and "Invalid" in page
    assert shop.partner_key not in page
    credential = ShopeeCredential.objects.get(store=shop.store)
    assert credential.access_token not in page and credential.refresh_token not in page


def test_rows_of_the_wrong_shape_are_skipped_and_logged_and_the_poll_goes_on(shop, simulator, caplog):
    control = simulator.control
    recent(control, shop.shop_id, 3)
    state = state_of(shop.store)
    state.cursors = {"orders": int(control.clock()["now"]) - 120}
    state.save()
    # every order row of the next detail answer has numbers where objects and strings belong, the page is intact
    control.inject("shopee", "wrong_types", target=shop.shop_id, count=1, path="/api/v2/order/get_order_detail")

    assert poll(shop.store) == "ok"

    assert Order.objects.filter(store=shop.store).count() == 0
    assert "skipped 3 malformed rows" in caplog.text
    assert state_of(shop.store).health == "ok"


def test_a_failing_store_whose_authorization_is_then_revoked_is_alerted_for_that_too(shop, simulator, settings):
    settings.SHOPCREW_POLL_ALERT_AFTER = 1
    simulator.control.inject("shopee", "http_error", target=shop.shop_id, status=500, count=1, path=LIST_PATH)
    assert poll(shop.store) == "failing"
    simulator.control.deauthorize(shop.shop_id, partner_id=shop.partner_id)
    SyncState.objects.filter(store=shop.store).update(next_poll_at=timezone.now())

    assert poll(shop.store) == "paused"

    reasons = list(Event.objects.filter(kind="store.sync_failing").order_by("id").values_list("payload", flat=True))
    assert [r["reason"] for r in reasons] == ["failing", "authorization"]
