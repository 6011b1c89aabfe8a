"""Push emitters: Shopee push messages (signature, acknowledgement, lost messages) and Ozon push notifications."""

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

DAY = 86400
LOST = "/api/v2/push/get_lost_push_message"
CONFIRM = "/api/v2/push/confirm_consumed_lost_push_message"


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """A tiny webhook receiver: records every POST and answers (status, body, content type) as configured."""

    server: ThreadingHTTPServer
    requests: list = field(default_factory=list)
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    answer: object = None  # optional callable(Received) -> (status, body, content_type)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook?src=test"

    def reply(self, status: int = 200, body=b"", content_type: str = "application/json") -> None:
        self.status, self.content_type, self.answer = status, content_type, None
        self.body = json.dumps(body).encode() if isinstance(body, dict) else body


@pytest.fixture
def receiver():
    holder = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            recv = holder["receiver"]
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            got = Received(path=self.path, headers=dict(self.headers.items()), body=raw)
            recv.requests.append(got)
            status, body, content_type = (
                recv.answer(got) if recv.answer else (recv.status, recv.body, recv.content_type)
            )
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002 - signature of the base class
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["receiver"] = recv = Receiver(server=server)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield recv
    server.shutdown()
    server.server_close()


def expected_sign(key: str, url: str, body: bytes) -> str:
    return hmac.new(key.encode(), url.encode() + b"|" + body, hashlib.sha256).hexdigest()


def future_orders(simulator, shop_id: int, count: int = 4) -> list[str]:
    now = int(simulator.control.clock()["now"])
    answer = simulator.control.seed_orders(
        shop_id, count=count, seed=7, **{"from": now + 60, "to": now + 600}, cancel_ratio=0, return_ratio=0, cod_ratio=0
    )
    return answer["order_sns"]


# --- Shopee ---------------------------------------------------------------------------------------------


def test_shopee_clock_driven_pushes_are_signed_with_url_bar_body(simulator, shopee_unauthorized, receiver):
    shop, control = shopee_unauthorized, simulator.control
    sns = future_orders(simulator, shop.shop_id)
    control.shopee_push(shop.partner_id, callback_url=receiver.url)
    assert control.push_flush(service="shopee", target=shop.partner_id)["shopee"] == {"delivered": [], "failed": []}
    control.advance(20 * DAY)
    result = control.push_flush(service="shopee", target=shop.partner_id)["shopee"]
    assert result["failed"] == [] and len(result["delivered"]) == len(receiver.requests) > len(sns)
    codes = {}
    for got in receiver.requests:
        assert got.path == "/hook?src=test"
        assert got.headers["Authorization"] == expected_sign(shop.partner_key, receiver.url, got.body)
        message = got.json()
        assert set(message) == {"code", "shop_id", "timestamp", "data"} and message["shop_id"] == shop.shop_id
        codes.setdefault(message["code"], []).append(message["data"])
    assert {d["ordersn"] for d in codes[3]} == set(sns)
    assert all(set(d) == {"items", "ordersn", "status", "completed_scenario", "update_time"} for d in codes[3])
    assert {d["status"] for d in codes[3]} >= {"UNPAID", "READY_TO_SHIP", "PROCESSED", "SHIPPED", "COMPLETED"}
    assert codes[4] and all(
        set(d) == {"ordersn", "package_number", "tracking_no"} and d["tracking_no"] for d in codes[4]
    )
    # Nothing new happened: a second flush sends nothing.
    assert control.push_flush(service="shopee", target=shop.partner_id)["shopee"] == {"delivered": [], "failed": []}


def test_shopee_emit_signs_with_a_distinct_push_key(simulator, shopee_unauthorized, receiver):
    shop, control = shopee_unauthorized, simulator.control
    sn = control.seed_orders(shop.shop_id, count=1, days=1, seed=3)["order_sns"][0]
    control.shopee_push(shop.partner_id, callback_url=receiver.url, push_key="push-partner-key")
    answer = control.shopee_push_emit(shop.partner_id, shop_id=shop.shop_id, order_sn=sn, status="PROCESSED")
    assert answer["delivered"] == [answer["message_id"]]
    (got,) = receiver.requests
    assert got.headers["Authorization"] == expected_sign("push-partner-key", receiver.url, got.body)
    assert got.headers["Authorization"] != expected_sign(shop.partner_key, receiver.url, got.body)
    assert got.json()["code"] == 3 and got.json()["data"]["ordersn"] == sn
    assert got.json()["data"]["status"] == "PROCESSED"
    state = control.shopee_push(shop.partner_id)
    assert state["push_key_set"] and state["messages"][0]["state"] == "delivered"


@pytest.mark.parametrize(("status", "body"), [(200, b"ok"), (500, b""), (204, b"")])
def test_shopee_failed_push_is_lost_until_confirmed(simulator, shopee_unauthorized, receiver, status, body):
    shop, control = shopee_unauthorized, simulator.control
    sn = control.seed_orders(shop.shop_id, count=1, days=1, seed=5)["order_sns"][0]
    control.shopee_push(shop.partner_id, callback_url=receiver.url)
    receiver.reply(status, body)
    answer = control.shopee_push_emit(shop.partner_id, shop_id=shop.shop_id, order_sn=sn)
    if status == 204:  # any 2xx with an empty body is an acknowledgement
        assert answer["delivered"] == [answer["message_id"]]
        lost = shop.http.get(LOST, params=shop.common(LOST, shop=False)).json()
        assert lost["error"] == "" and lost["response"]["push_message_list"] == []
        return
    assert answer["failed"] == [answer["message_id"]]
    lost = shop.http.get(LOST, params=shop.common(LOST, shop=False)).json()
    assert lost["error"] == "", lost
    page = lost["response"]
    assert page["has_next_page"] is False and page["last_message_id"] == answer["message_id"]
    (message,) = page["push_message_list"]
    assert message == {**receiver.requests[0].json()}
    assert set(message) == {"shop_id", "code", "timestamp", "data"}
    # Still failing: retried on the next flush, still lost.
    assert control.push_flush(service="shopee", target=shop.partner_id)["shopee"]["failed"] == [answer["message_id"]]
    assert len(receiver.requests) == 2
    # Confirm consumes it: no longer listed, no longer retried.
    confirmed = shop.post_public(CONFIRM, {"last_message_id": page["last_message_id"]})
    assert confirmed["error"] == "", confirmed
    lost = shop.http.get(LOST, params=shop.common(LOST, shop=False)).json()
    assert lost["response"] == {"push_message_list": [], "has_next_page": False, "last_message_id": 0}
    assert control.push_flush(service="shopee", target=shop.partner_id)["shopee"]["failed"] == []
    assert control.shopee_push(shop.partner_id)["messages"][0]["state"] == "consumed"


def test_shopee_missed_push_delivered_on_retry_and_lost_window(simulator, shopee_unauthorized, receiver):
    shop, control = shopee_unauthorized, simulator.control
    sn = control.seed_orders(shop.shop_id, count=1, days=1, seed=9)["order_sns"][0]
    control.shopee_push(shop.partner_id, callback_url=receiver.url, timeout=0.5)
    receiver.answer = lambda got: (200, b"late", "text/plain")
    first = control.shopee_push_emit(shop.partner_id, shop_id=shop.shop_id, order_sn=sn)["message_id"]
    receiver.reply(200, b"")
    assert control.push_flush(service="shopee", target=shop.partner_id)["shopee"]["delivered"] == [first]
    lost = shop.http.get(LOST, params=shop.common(LOST, shop=False)).json()["response"]
    assert lost["push_message_list"] == []
    # Missed pushes older than 3 simulated days are no longer served.
    receiver.reply(500, b"")
    control.shopee_push_emit(shop.partner_id, shop_id=shop.shop_id, order_sn=sn, code=4)
    assert len(shop.http.get(LOST, params=shop.common(LOST, shop=False)).json()["response"]["push_message_list"]) == 1
    control.advance(3 * DAY + 60)
    lost = shop.http.get(LOST, params=shop.common(LOST, shop=False)).json()["response"]
    assert lost["push_message_list"] == []


def test_shopee_lost_push_endpoints_check_the_public_signature(shopee_unauthorized):
    shop = shopee_unauthorized
    params = {**shop.common(LOST, shop=False), "sign": "0" * 64}
    assert shop.http.get(LOST, params=params).json()["error"] == "error_sign"
    bad = shop.post_public(CONFIRM, {"last_message_id": "x"})
    assert bad["error"] == "error_param"


# --- Ozon -----------------------------------------------------------------------------------------------


PING_ANSWER = {"version": "1.0.0", "name": "shopcrew", "time": "2026-01-01T00:00:00Z"}


def test_ozon_ping_handshake(simulator, ozon_seller, receiver):
    control = simulator.control
    control.ozon_push(ozon_seller.client_id, url=receiver.url)
    receiver.reply(200, PING_ANSWER)
    answer = control.ozon_push_ping(ozon_seller.client_id)
    assert answer["ok"] is True, answer
    sent = receiver.requests[-1].json()
    assert sent["message_type"] == "TYPE_PING" and sent["time"].endswith("Z")
    assert "Authorization" not in receiver.requests[-1].headers
    receiver.reply(200, {"result": True})
    assert control.ozon_push_ping(ozon_seller.client_id)["error"] == "WRONG_RESULT_FIELD"
    receiver.reply(200, json.dumps(PING_ANSWER).encode(), content_type="text/plain")
    assert control.ozon_push_ping(ozon_seller.client_id)["error"] == "INVALID_BODY"
    receiver.reply(200, {**PING_ANSWER, "time": "yesterday"})
    assert control.ozon_push_ping(ozon_seller.client_id)["error"] == "WRONG_RESULT_TIME_FIELD"
    state = control.ozon_push(ozon_seller.client_id)
    assert [row["ok"] for row in state["log"]] == [True, False, False, False]
    assert state["consecutive_failures"] == 3 and state["suspended"] is False


def test_ozon_posting_notifications_expect_result_true(simulator, ozon_seller, receiver):
    control = simulator.control
    now = int(control.clock()["now"])
    numbers = control.seed_postings(
        ozon_seller.client_id, count=6, seed=11, cancel_ratio=0.5, **{"from": now + 60, "to": now + 600}
    )["posting_numbers"]
    control.seed_postings(ozon_seller.client_id, count=2, scheme="fbo", **{"from": now + 60, "to": now + 600})
    control.ozon_push(ozon_seller.client_id, url=receiver.url)
    receiver.reply(200, {"result": True})
    control.advance(10 * DAY)
    result = control.push_flush(service="ozon", target=ozon_seller.client_id)["ozon"]
    assert result["failed"] == [] and len(result["delivered"]) == len(receiver.requests)
    by_type = {}
    for got in receiver.requests:
        payload = got.json()
        by_type.setdefault(payload["message_type"], []).append(payload)
        assert payload["seller_id"] == ozon_seller.client_id and payload["posting_number"] in numbers
    new = by_type["TYPE_NEW_POSTING"]
    assert {p["posting_number"] for p in new} == set(numbers)  # FBS only
    assert set(new[0]) == {
        "message_type",
        "posting_number",
        "products",
        "in_process_at",
        "warehouse_id",
        "seller_id",
    }
    assert set(new[0]["products"][0]) == {"sku", "quantity"}
    changed = by_type["TYPE_STATE_CHANGED"]
    assert set(changed[0]) == {
        "message_type",
        "posting_number",
        "new_state",
        "changed_state_date",
        "warehouse_id",
        "seller_id",
    }
    assert "posting_delivered" in {p["new_state"] for p in changed}
    for cancelled in by_type.get("TYPE_POSTING_CANCELLED", []):
        assert cancelled["new_state"] == "posting_canceled" and cancelled["old_state"] == "posting_created"
        assert set(cancelled["reason"]) == {"id", "message"}
    state = control.ozon_push(ozon_seller.client_id)
    assert state["pending"] == [] and all(row["ok"] for row in state["log"])


def test_ozon_failures_are_retried_then_suspend_the_subscription(simulator, ozon_seller, receiver):
    control = simulator.control
    number = control.seed_postings(ozon_seller.client_id, count=1, days=2, seed=4)["posting_numbers"][0]
    control.ozon_push(ozon_seller.client_id, url=receiver.url, suspend_after=3)
    receiver.reply(500, {"error": {"code": "ERROR_UNKNOWN", "message": "down", "details": None}})
    first = control.ozon_push_emit(ozon_seller.client_id, posting_number=number)
    assert first["failed"] == [first["id"]]
    receiver.reply(200, {"result": False})
    assert control.push_flush(service="ozon", target=ozon_seller.client_id)["ozon"]["failed"] == [first["id"]]
    state = control.ozon_push(ozon_seller.client_id)
    assert state["pending"][0]["attempts"] == 2 and not state["suspended"]
    assert [row["error"] for row in state["log"]] == ["SERVER_FAULT", "WRONG_RESULT_FIELD"]
    receiver.reply(200, b"")
    control.push_flush(service="ozon", target=ozon_seller.client_id)
    state = control.ozon_push(ozon_seller.client_id)
    assert state["suspended"] is True and state["consecutive_failures"] == 3
    assert state["log"][-1]["error"] == "EMPTY_BODY" and state["log"][-1]["attempt"] == 3
    # Suspended: nothing is sent any more.
    sent = len(receiver.requests)
    receiver.reply(200, {"result": True})
    assert control.push_flush(service="ozon", target=ozon_seller.client_id)["ozon"] == {"delivered": [], "failed": []}
    assert len(receiver.requests) == sent
    # Re-confirming the URL resumes; the queued notification goes out with its fourth attempt.
    control.ozon_push(ozon_seller.client_id, url=receiver.url)
    assert control.push_flush(service="ozon", target=ozon_seller.client_id)["ozon"]["delivered"] == [first["id"]]
    state = control.ozon_push(ozon_seller.client_id)
    assert state["pending"] == [] and state["log"][-1]["attempt"] == 4 and state["log"][-1]["ok"]
    assert receiver.requests[-1].json()["message_type"] == "TYPE_STATE_CHANGED"
