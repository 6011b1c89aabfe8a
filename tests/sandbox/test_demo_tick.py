"""POST /control/demo/tick: the demo shops keep producing orders, shipments and returns, and push them.

Every test names its own shops and sellers (the simulator is shared by the session) and a seed, and moves
the simulated clock through the control API instead of waiting.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from sandbox.control import ControlError

MINUTE = 60
SHIPPED_OR_LATER = {"SHIPPED", "TO_RETURN", "COMPLETED"}


@pytest.fixture
def shop(simulator, shopee_shop):
    made = simulator.control.seed_items(shopee_shop.shop_id, count=5, model_ratio=0, stock_min=40, stock_max=40, seed=1)
    shopee_shop.item_ids = [i["item_id"] for i in made["items"]]
    return shopee_shop


@pytest.fixture
def seller(simulator, ozon_seller):
    simulator.control.seed_products(ozon_seller.client_id, count=3, stock_min=50, stock_max=50, seed=2)
    return ozon_seller


def tick(simulator, shop=None, seller=None, **body):
    return simulator.control.demo_tick(
        shops=[shop.shop_id] if shop else [], sellers=[seller.client_id] if seller else [], **body
    )


def shopee_status(simulator, shop, sn: str) -> str:
    return simulator.control.order(shop.shop_id, sn)["status"]


def ozon_status(simulator, seller, number: str) -> str:
    return simulator.control.posting(seller.client_id, number)["status"]


def test_new_orders_are_paid_within_the_minute_then_ship_within_the_half_hour(simulator, shop, seller):
    made = tick(simulator, shop, seller, orders=6, returns=0, within=60, seed=11)
    sns = made["shopee"][str(shop.shop_id)]["orders"]
    postings = made["ozon"][str(seller.client_id)]["postings"]
    assert len(sns) == 6 and len(postings) == 6

    simulator.control.advance(60)
    assert {shopee_status(simulator, shop, sn) for sn in sns} == {"READY_TO_SHIP"}
    assert {ozon_status(simulator, seller, n) for n in postings} == {"awaiting_packaging"}

    simulator.control.advance(30 * MINUTE)
    shipped = [sn for sn in sns if shopee_status(simulator, shop, sn) in SHIPPED_OR_LATER]
    cancelled = [sn for sn in sns if shopee_status(simulator, shop, sn) == "CANCELLED"]
    assert len(shipped) + len(cancelled) == 6 and shipped
    tracked = [simulator.control.order(shop.shop_id, sn)["tracking_number"] for sn in shipped]
    assert all(tracked)
    ozon_moved = {ozon_status(simulator, seller, n) for n in postings}
    assert ozon_moved <= {"delivering", "cancelled"} and "delivering" in ozon_moved


def test_new_orders_appear_in_the_platform_api_only_when_their_time_comes(simulator, shop):
    made = tick(simulator, shop, orders=3, returns=0, within=60, seed=12)
    sns = set(made["shopee"][str(shop.shop_id)]["orders"])
    now = int(simulator.control.clock()["now"])
    listed = lambda: {  # noqa: E731 - a short query repeated
        o["order_sn"]
        for o in shop.get(
            "/api/v2/order/get_order_list",
            {"time_range_field": "create_time", "time_from": now - 3600, "time_to": now + 3600, "page_size": 100},
        )["response"]["order_list"]
    }
    before = listed() & sns
    simulator.control.advance(60)
    assert listed() & sns == sns
    assert before < sns  # at least one was still in the future at the tick


def test_returns_are_requested_within_the_minute(simulator, shop, seller):
    made = tick(simulator, shop, seller, orders=0, returns=2, within=60, seed=13)
    shopee = made["shopee"][str(shop.shop_id)]
    ozon = made["ozon"][str(seller.client_id)]
    assert len(shopee["returns"]) == 2 and len(ozon["returns"]) == 2

    assert {shopee_status(simulator, shop, sn) for sn in shopee["returned_orders"]} == {"SHIPPED"}
    assert {ozon_status(simulator, seller, n) for n in ozon["returned_postings"]} == {"delivered"}
    simulator.control.advance(60)
    assert {shopee_status(simulator, shop, sn) for sn in shopee["returned_orders"]} == {"TO_RETURN"}
    for return_sn in shopee["returns"]:
        detail = shop.get("/api/v2/returns/get_return_detail", {"return_sn": return_sn})
        assert detail["error"] == "", detail
        assert detail["response"]["status"] == "REQUESTED"
    listed = seller.post("/v1/returns/list", {"filter": {}, "limit": 500}).json()["returns"]
    mine = {r["id"]: r for r in listed if r["id"] in ozon["returns"]}
    assert set(mine) == set(ozon["returns"])


def test_orders_take_stock_and_sold_out_items_are_restocked(simulator, shop):
    items = shop.item_ids

    def stock() -> dict:
        rows = shop.get("/api/v2/product/get_item_base_info", {"item_id_list": ",".join(map(str, items))})
        return {
            r["item_id"]: r["stock_info_v2"]["summary_info"]["total_available_stock"]
            for r in rows["response"]["item_list"]
        }

    assert set(stock().values()) == {40}
    tick(simulator, shop, orders=10, returns=0, restock=0, seed=14)
    after = stock()
    assert sum(after.values()) < 5 * 40

    for item_id in items:
        simulator.control.set_stock(shop.shop_id, item_id=item_id, stock=0)
    restocked = tick(simulator, shop, orders=0, returns=0, restock=2, seed=15)["shopee"][str(shop.shop_id)]["restocked"]
    assert len(restocked) == 2
    assert {item_id for item_id, units in stock().items() if units > 0} == set(restocked)


class Receiver:
    """A webhook receiver that acknowledges as each platform expects and records what it got."""

    def __init__(self):
        self.bodies: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                receiver.bodies.append(body)
                answer = b"" if "shop_id" in body else b'{"result": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/push"


@pytest.fixture
def receiver(simulator, shop, seller):
    """The shop's partner and the seller push to a receiver here; afterwards the subscriptions are emptied (the
    simulator keeps them, and other tests flush every partner)."""
    got = Receiver()
    simulator.control.shopee_push(shop.partner_id, callback_url=got.url)
    simulator.control.ozon_push(seller.client_id, url=got.url)
    yield got
    simulator.control.shopee_push(shop.partner_id, callback_url="")
    simulator.control.ozon_push(seller.client_id, url="")
    got.server.shutdown()
    got.server.server_close()


def test_each_tick_pushes_what_changed_since_the_last(simulator, shop, seller, receiver):
    made = tick(simulator, shop, seller, orders=3, returns=0, within=60, seed=16)
    sns = set(made["shopee"][str(shop.shop_id)]["orders"])
    postings = set(made["ozon"][str(seller.client_id)]["postings"])

    simulator.control.advance(60)
    pushed = tick(simulator, shop, seller, orders=0, returns=0)["push"]

    assert pushed["shopee"]["failed"] == [] and pushed["ozon"]["failed"] == []
    paid = {
        b["data"]["ordersn"] for b in receiver.bodies if b.get("code") == 3 and b["data"]["status"] == "READY_TO_SHIP"
    }
    assert sns <= paid
    new_postings = {b["posting_number"] for b in receiver.bodies if b.get("message_type") == "TYPE_NEW_POSTING"}
    assert new_postings == postings


@pytest.mark.parametrize(
    "body, error",
    [
        ({"orders": -1}, "orders must be between"),
        ({"within": 5}, "within must be between"),
        ({"shops": "all"}, "shops and sellers must be lists of ids"),
        ({"shops": [1]}, "unknown shop 1"),
        ({"sellers": ["x"]}, "shops and sellers must be lists of ids"),
    ],
)
def test_refused_bodies(simulator, body, error):
    with pytest.raises(ControlError) as refused:
        simulator.control.demo_tick(**body)
    assert error in str(refused.value)


def test_only_post(simulator):
    answer = httpx.get(f"{simulator.base_url}/control/demo/tick")
    assert answer.status_code == 405
