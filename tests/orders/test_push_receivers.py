"""Push receivers over real HTTP: the simulators push to the console (pytest-django's live server), the
receiver verifies and queues a fetch, and the queued task (run here from the real broker) reads the API.

A push only says "this changed": a bad signature queues nothing, a replayed push writes no second event, and
what Shopee could not deliver is recovered with get_lost_push_message and confirmed."""

import httpx
import pytest

from events.models import Event
from orders.models import Order, SyncState
from orders.polling import sync_states_ensure
from orders.tasks import poll_lost_pushes
from stores.clients.shopee import push_signature

from .intake_support import (  # noqa: F401 - fixtures
    drain,
    make_ozon_store,
    make_shopee_store,
    platforms_at,
    queued,
    queues,
    recent,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("queues")]


def shopee_callback(live_server, partner_id: int) -> str:
    return f"{live_server.url}/push/shopee/{partner_id}/"


@pytest.fixture
def shop(make_shopee_store, live_server, simulator):  # noqa: F811 - the fixture
    """A connected Shopee store whose partner pushes to our receiver (signed with the partner key)."""
    made = make_shopee_store()
    simulator.control.shopee_push(made.partner_id, callback_url=shopee_callback(live_server, made.partner_id))
    sync_states_ensure()
    return made


def test_a_signed_push_queues_a_fetch_and_the_order_arrives_with_order_new(shop, simulator):
    control = simulator.control
    (sn,) = recent(control, shop.shop_id, 1)

    answer = control.shopee_push_emit(shop.partner_id, shop_id=shop.shop_id, order_sn=sn, code=3)

    assert answer["failed"] == [] and answer["message_id"] in answer["delivered"]
    attempt = control.shopee_push(shop.partner_id)["messages"][-1]["attempts"][-1]
    assert (attempt["status"], attempt["body"]) == (200, "")  # 2xx with an empty body
    assert queued() == [("orders.tasks.intake_fetch_order", [shop.store.pk, sn])]
    assert SyncState.objects.get(store=shop.store).last_push_at is not None
    assert Order.objects.count() == 0  # the receiver wrote nothing itself

    drain()

    order = Order.objects.get(store=shop.store)
    assert (order.order_id, order.status) == (sn, "to_ship")
    assert list(Event.objects.values_list("kind", "dedupe_key")) == [("order.new", f"order.new:{shop.store.pk}:{sn}")]


def test_a_bad_signature_is_refused_and_queues_nothing(shop, simulator):
    control = simulator.control
    (sn,) = recent(control, shop.shop_id, 1)
    control.shopee_push(shop.partner_id, push_key="not-the-partner-key")

    answer = control.shopee_push_emit(shop.partner_id, shop_id=shop.shop_id, order_sn=sn)

    assert answer["delivered"] == [] and len(answer["failed"]) == 1
    attempt = control.shopee_push(shop.partner_id)["messages"][-1]["attempts"][-1]
    assert attempt["status"] == 403
    assert queued() == [] and Order.objects.count() == 0
    assert SyncState.objects.get(store=shop.store).last_push_at is None


def test_a_push_for_a_shop_we_do_not_have_is_refused(shop, simulator, live_server):
    body = b'{"code":3,"shop_id":4242,"timestamp":1,"data":{"ordersn":"X"}}'
    url = shopee_callback(live_server, shop.partner_id)
    signature = push_signature(push_key=shop.partner_key, callback_url=url, body=body)

    response = httpx.post(url, content=body, headers={"Authorization": signature})

    assert (response.status_code, response.content) == (403, b"")
    assert queued() == []


def test_a_replayed_push_writes_no_second_event(shop, simulator, live_server):
    (sn,) = recent(simulator.control, shop.shop_id, 1)
    data = f'{{"ordersn":"{sn}","status":"READY_TO_SHIP"}}'
    body = f'{{"code":3,"shop_id":{shop.shop_id},"timestamp":1,"data":{data}}}'.encode()
    url = shopee_callback(live_server, shop.partner_id)
    headers = {"Authorization": push_signature(push_key=shop.partner_key, callback_url=url, body=body)}

    for _ in range(3):
        response = httpx.post(url, content=body, headers=headers)
        assert (response.status_code, response.content) == (200, b"")
    assert len(queued()) == 3
    drain()

    assert Order.objects.filter(store=shop.store).count() == 1
    assert Event.objects.filter(kind="order.new").count() == 1


def test_a_forged_status_in_a_push_changes_nothing_the_api_does_not_say(shop, simulator):
    control = simulator.control
    (sn,) = recent(control, shop.shop_id, 1)

    control.shopee_push_emit(shop.partner_id, shop_id=shop.shop_id, order_sn=sn, code=3, status="CANCELLED")
    drain()

    assert Order.objects.get(store=shop.store).platform_status == "READY_TO_SHIP"
    assert list(Event.objects.values_list("kind", flat=True)) == ["order.new"]


def test_missed_pushes_are_recovered_from_get_lost_push_message_and_confirmed(shop, simulator):
    control = simulator.control
    first, second = recent(control, shop.shop_id, 2)
    control.shopee_push(shop.partner_id, push_key="wrong")  # our receiver refuses these: they are missed
    control.shopee_push_emit(shop.partner_id, shop_id=shop.shop_id, order_sn=first)
    control.shopee_push_emit(shop.partner_id, shop_id=shop.shop_id, order_sn=second)
    assert queued() == []

    handled = poll_lost_pushes.apply().result

    assert handled >= 2
    ran = drain()
    assert {args[1] for name, args in ran if name == "orders.tasks.intake_fetch_order"} == {first, second}
    assert set(Order.objects.filter(store=shop.store).values_list("order_id", flat=True)) == {first, second}
    states = {m["data"]["ordersn"]: m["state"] for m in control.shopee_push(shop.partner_id)["messages"]}
    assert states[first] == states[second] == "consumed"
    assert poll_lost_pushes.apply().result == 0  # confirmed: nothing comes back


# --- Ozon -------------------------------------------------------------------------------------------


@pytest.fixture
def seller(make_ozon_store, live_server, simulator):  # noqa: F811 - the fixture
    made = make_ozon_store()
    simulator.control.ozon_push(made.client_id, url=f"{live_server.url}/push/ozon/")
    sync_states_ensure()
    return made


def test_ozon_ping_is_answered_with_version_name_and_time(seller, simulator):
    answer = simulator.control.ozon_push_ping(seller.client_id)
    assert answer["ok"] is True, answer
    assert queued() == []


def test_an_ozon_posting_push_is_acknowledged_and_the_posting_fetched(seller, simulator):
    control = simulator.control
    now = int(control.clock()["now"])
    (number,) = control.seed_postings(seller.client_id, count=1, cancel_ratio=0, **{"from": now - 60, "to": now})[
        "posting_numbers"
    ]

    answer = control.ozon_push_emit(seller.client_id, posting_number=number, message_type="TYPE_NEW_POSTING")

    assert answer["failed"] == [] and len(answer["delivered"]) == 1
    log = control.ozon_push(seller.client_id)["log"][-1]
    assert log["ok"] is True and '"result":true' in log["body"].replace(" ", "")
    assert queued() == [("orders.tasks.intake_fetch_posting", [seller.store.pk, number])]
    drain()
    order = Order.objects.get(store=seller.store)
    assert (order.order_id, order.status, order.fulfilment) == (number, "to_ship", "seller")
    assert list(Event.objects.values_list("kind", flat=True)) == ["order.new"]


def test_an_ozon_push_for_an_unknown_seller_gets_ozons_error_shape(seller, live_server):
    body = {"message_type": "TYPE_STATE_CHANGED", "posting_number": "1-2-1", "seller_id": 987654321}
    response = httpx.post(f"{live_server.url}/push/ozon/", json=body)
    assert response.status_code == 403
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and error["code"] == "ERROR_UNKNOWN"
    assert queued() == []


def test_an_order_turning_to_a_return_also_fetches_the_stores_recent_returns(shop, simulator, live_server):
    (sn,) = recent(simulator.control, shop.shop_id, 1)
    data = f'{{"ordersn":"{sn}","status":"TO_RETURN"}}'
    body = f'{{"code":3,"shop_id":{shop.shop_id},"timestamp":1,"data":{data}}}'.encode()
    url = shopee_callback(live_server, shop.partner_id)
    headers = {"Authorization": push_signature(push_key=shop.partner_key, callback_url=url, body=body)}

    assert httpx.post(url, content=body, headers=headers).status_code == 200

    assert queued() == [
        ("orders.tasks.intake_fetch_order", [shop.store.pk, sn]),
        ("orders.tasks.intake_fetch_returns", [shop.store.pk]),
    ]
    assert [name for name, _ in drain()] == ["orders.tasks.intake_fetch_order", "orders.tasks.intake_fetch_returns"]


def test_an_ozon_stocks_push_makes_the_next_poll_read_the_stocks(seller, live_server):
    SyncState.objects.filter(store=seller.store).update(cursors={"fbs": 1.0, "stock": 2.0})
    body = {"message_type": "TYPE_STOCKS_CHANGED", "seller_id": seller.client_id, "items": []}

    response = httpx.post(f"{live_server.url}/push/ozon/", json=body)

    assert (response.status_code, response.json()) == (200, {"result": True})
    assert SyncState.objects.get(store=seller.store).cursors == {"fbs": 1.0}
    assert queued() == []


def test_a_push_key_issued_apart_from_the_partner_key_is_the_one_checked(shop, simulator, settings):
    control = simulator.control
    first, second = recent(control, shop.shop_id, 2)
    settings.SHOPCREW_SHOPEE_PUSH_KEYS = {str(shop.partner_id): "console-issued-push-key"}

    refused = control.shopee_push_emit(shop.partner_id, shop_id=shop.shop_id, order_sn=first)  # signed: partner key
    control.shopee_push(shop.partner_id, push_key="console-issued-push-key")
    accepted = control.shopee_push_emit(shop.partner_id, shop_id=shop.shop_id, order_sn=second)

    assert refused["message_id"] in refused["failed"]
    assert accepted["message_id"] in accepted["delivered"]
    assert ("orders.tasks.intake_fetch_order", [shop.store.pk, second]) in queued()
    assert ("orders.tasks.intake_fetch_order", [shop.store.pk, first]) in queued()  # the retry, now well signed
