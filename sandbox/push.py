"""Push (webhook) emitters: Shopee push messages and Ozon push notifications (platform-apis.md 1.10, 2.8, 5).

Nothing is sent in the background. Status changes are found by scanning the plans of orders/postings between
a subscription's watermark and the simulated now; the scan and the deliveries happen when the control API is
asked to (`push/flush`, `.../push/emit`, `.../push/ping`), so tests are deterministic. Deliveries run without
the world lock (a receiver may call the simulators back while it handles a push) and are recorded under it.

Shopee: a subscription per partner (callback URL, push key defaulting to the partner key, timeout). Each push
is signed `Authorization: hex(HMAC-SHA256(key, callback_url + "|" + raw_body))`; it succeeds only on a 2xx with
an empty body within the timeout. Failed pushes become "missed": retried on every later flush/emit and listed
(last 3 simulated days) by `get_lost_push_message` until confirmed or delivered.

Ozon: a subscription per seller (URL, timeout, `suspend_after`). FBS postings only (as on Ozon). TYPE_PING
expects HTTP 200 `{"version","name","time"}`, the others HTTP 200 `{"result": true}`. Failed notifications are
retried on later flushes with their attempt count; `suspend_after` consecutive failures suspend the
subscription (setting the URL again resumes it).
"""

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from . import shopee_objects
from .seed import iso, parse_iso
from .state import DAY, World

LOST_WINDOW = 3 * DAY
LOST_PAGE = 100
LOG_LIMIT = 500
OZON_CANCEL_REASON = {"id": 352, "message": "Покупатель отменил заказ"}


@dataclass
class ShopeeSubscription:
    partner_id: int
    callback_url: str
    push_key: str = ""  # "" = sign with the partner key
    timeout: float = 5.0
    watermark: float = 0.0
    created_at: float = 0.0


@dataclass
class ShopeePush:
    id: int
    partner_id: int
    shop_id: int
    code: int
    timestamp: int
    data: dict
    state: str = "pending"  # pending → delivered | missed → (delivered | consumed)
    in_flight: bool = False
    attempts: list = field(default_factory=list)

    def message(self) -> dict:
        return {"shop_id": self.shop_id, "code": self.code, "timestamp": self.timestamp, "data": self.data}

    def body(self) -> bytes:
        envelope = {"code": self.code, "shop_id": self.shop_id, "timestamp": self.timestamp, "data": self.data}
        return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()

    def as_dict(self) -> dict:
        return {
            "message_id": self.id,
            "partner_id": self.partner_id,
            **self.message(),
            "state": self.state,
            "attempts": self.attempts,
        }


@dataclass
class OzonSubscription:
    client_id: int
    url: str
    timeout: float = 5.0
    suspend_after: int = 5
    suspended: bool = False
    consecutive_failures: int = 0
    watermark: float = 0.0
    created_at: float = 0.0
    pending: list = field(default_factory=list)  # [OzonPush] not yet delivered
    log: list = field(default_factory=list)  # one row per attempt

    def as_dict(self) -> dict:
        return {
            "client_id": self.client_id,
            "url": self.url,
            "timeout": self.timeout,
            "suspend_after": self.suspend_after,
            "suspended": self.suspended,
            "consecutive_failures": self.consecutive_failures,
            "watermark": self.watermark,
            "pending": [p.as_dict() for p in self.pending],
            "log": list(self.log),
        }


@dataclass
class OzonPush:
    id: int
    payload: dict
    attempts: int = 0
    in_flight: bool = False

    def as_dict(self) -> dict:
        return {"id": self.id, "message_type": self.payload["message_type"], "attempts": self.attempts}


def shopee_sign(key: str, url: str, body: bytes) -> str:
    return hmac.new(key.encode(), url.encode() + b"|" + body, hashlib.sha256).hexdigest()


def _state(world: World):
    """The push tables, created on first use (World.forget drops them with everything else)."""
    if not hasattr(world, "push_ids"):
        world.push_ids = itertools.count(1)
        world.shopee_push = {}
        world.shopee_push_messages = []
        world.ozon_push = {}
    return world


def _send(url: str, body: bytes, headers: dict, timeout: float) -> dict:
    """POST and describe the answer; never raises."""
    started = time.time()
    row = {"time": started, "status": None, "body": "", "content_type": "", "error": ""}
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout)
        row.update(status=response.status_code, body=response.text[:2000])
        row["content_type"] = response.headers.get("Content-Type", "")
    except httpx.TimeoutException:
        row["error"] = "REQUEST_TIMEOUT"
    except httpx.HTTPError as exc:
        row["error"] = f"REQUEST_ERROR: {exc.__class__.__name__}"
    row["duration"] = round(time.time() - started, 4)
    if not row["error"] and row["duration"] > timeout:
        row["error"] = "REQUEST_TIMEOUT"
    return row


# --- Shopee ---------------------------------------------------------------------------------------------


def shopee_subscribe(world: World, partner_id: int, body: dict) -> dict:
    _state(world)
    sub = world.shopee_push.get(partner_id)
    url = str(body.get("callback_url", sub.callback_url if sub else ""))
    if sub is None or sub.callback_url != url:
        sub = ShopeeSubscription(partner_id=partner_id, callback_url=url, watermark=world.now(), created_at=world.now())
        previous = world.shopee_push.get(partner_id)
        if previous is not None:
            sub.push_key, sub.timeout = previous.push_key, previous.timeout
        world.shopee_push[partner_id] = sub
    if "push_key" in body:
        sub.push_key = str(body.get("push_key") or "")
    if "timeout" in body:
        sub.timeout = float(body["timeout"])
    return shopee_summary(world, partner_id)


def shopee_summary(world: World, partner_id: int) -> dict:
    _state(world)
    sub = world.shopee_push.get(partner_id)
    messages = [m.as_dict() for m in world.shopee_push_messages if m.partner_id == partner_id][-LOG_LIMIT:]
    return {
        "partner_id": partner_id,
        "callback_url": sub.callback_url if sub else "",
        "push_key_set": bool(sub and sub.push_key),
        "timeout": sub.timeout if sub else 5.0,
        "watermark": sub.watermark if sub else None,
        "messages": messages,
    }


def _partner_shops(world: World, partner_id: int) -> list:
    linked = {sid for (pid, sid), a in world.authorizations.items() if pid == partner_id and not a.cancelled}
    return [s for s in world.shops.values() if s.partner_id == partner_id or s.shop_id in linked]


def shopee_add(world: World, partner_id: int, shop_id: int, code: int, timestamp: int, data: dict) -> ShopeePush:
    _state(world)
    push = ShopeePush(next(world.push_ids), partner_id, shop_id, code, int(timestamp), data)
    world.shopee_push_messages.append(push)
    return push


def order_status_data(order, status: str, update_time: int) -> dict:
    return {"items": [], "ordersn": order.sn, "status": status, "completed_scenario": "", "update_time": update_time}


def tracking_data(order) -> dict:
    return {
        "ordersn": order.sn,
        "package_number": shopee_objects.package_number(order),
        "tracking_no": order.tracking_number,
    }


def shopee_scan(world: World, sub: ShopeeSubscription) -> int:
    """Queue code 3/4 pushes for plan steps in (watermark, now]; a rewound clock only moves the watermark."""
    now = world.now()
    start, sub.watermark = sub.watermark, now
    if now <= start:
        return 0
    events = []
    for shop in _partner_shops(world, sub.partner_id):
        for order in shop.orders:
            if order.create_time > now:
                continue
            for stamp, status in order.plan:
                if start < stamp <= now:
                    events.append((stamp, 3, shop.shop_id, order.sn, order_status_data(order, status, int(stamp))))
            if order.tracking_at is not None and start < order.tracking_at <= now:
                events.append((order.tracking_at, 4, shop.shop_id, order.sn, tracking_data(order)))
    events.sort(key=lambda e: (e[0], e[3], e[1]))
    for stamp, code, shop_id, _, data in events:
        shopee_add(world, sub.partner_id, shop_id, code, int(stamp), data)
    return len(events)


def _shopee_outcome(row: dict) -> bool:
    if row["error"]:
        return False
    if not 200 <= row["status"] < 300:
        row["error"] = "STATUS_CODE_NOT_2XX"
        return False
    if row["body"] != "":
        row["error"] = "BODY_NOT_EMPTY"
        return False
    return True


def shopee_flush(world: World, partner_ids=None) -> dict:
    """Scan the clock, then (without the lock) deliver every pending or missed push of the partners."""
    jobs = []
    with world.lock:
        _state(world)
        targets = [p for p in world.shopee_push if partner_ids is None or p in partner_ids]
        for partner_id in targets:
            sub = world.shopee_push[partner_id]
            if not sub.callback_url:
                continue
            shopee_scan(world, sub)
            partner = world.partners.get(partner_id)
            key = sub.push_key or (partner.partner_key if partner else "")
            for push in world.shopee_push_messages:
                if push.partner_id == partner_id and push.state in ("pending", "missed") and not push.in_flight:
                    push.in_flight = True
                    jobs.append((push, sub.callback_url, key, sub.timeout))
    delivered, failed = [], []
    for push, url, key, timeout in jobs:
        body = push.body()
        headers = {"Content-Type": "application/json", "Authorization": shopee_sign(key, url, body)}
        row = _send(url, body, headers, timeout)
        ok = _shopee_outcome(row)
        with world.lock:
            push.in_flight = False
            row["sim_time"] = world.now()
            push.attempts.append(row)
            if push.state != "consumed":
                push.state = "delivered" if ok else "missed"
        (delivered if ok else failed).append(push.id)
    return {"delivered": delivered, "failed": failed}


def lost_messages(world: World, partner_id: int, now: float) -> dict:
    _state(world)
    missed = [
        m
        for m in world.shopee_push_messages
        if m.partner_id == partner_id and m.state == "missed" and m.timestamp >= now - LOST_WINDOW
    ]
    page = missed[:LOST_PAGE]
    return {
        "push_message_list": [m.message() for m in page],
        "has_next_page": len(missed) > LOST_PAGE,
        "last_message_id": page[-1].id if page else 0,
    }


def confirm_consumed(world: World, partner_id: int, last_message_id: int) -> int:
    _state(world)
    count = 0
    for m in world.shopee_push_messages:
        if m.partner_id == partner_id and m.state == "missed" and m.id <= last_message_id:
            m.state = "consumed"
            count += 1
    return count


# --- Ozon -----------------------------------------------------------------------------------------------


def ozon_subscribe(world: World, seller, body: dict) -> dict:
    """Set (or re-confirm) the URL: clears suspension and the failure count; keeps queued notifications."""
    _state(world)
    sub = world.ozon_push.get(seller.client_id)
    if sub is None:
        sub = OzonSubscription(client_id=seller.client_id, url="", watermark=world.now(), created_at=world.now())
        world.ozon_push[seller.client_id] = sub
    sub.url = str(body.get("url", sub.url))
    if "timeout" in body:
        sub.timeout = float(body["timeout"])
    if "suspend_after" in body:
        sub.suspend_after = int(body["suspend_after"])
    sub.suspended, sub.consecutive_failures = False, 0
    return sub.as_dict()


def ozon_summary(world: World, client_id: int) -> dict:
    _state(world)
    sub = world.ozon_push.get(client_id)
    return sub.as_dict() if sub else {"client_id": client_id, "url": "", "suspended": False, "pending": [], "log": []}


def ozon_products(posting) -> list:
    return [{"sku": sku, "quantity": quantity} for sku, _, _, quantity, _ in posting.products]


def ozon_payload(seller, posting, message_type: str, *, when: float, old_state: str = "", new_state: str = "") -> dict:
    base = {"message_type": message_type, "posting_number": posting.posting_number}
    tail = {"warehouse_id": posting.warehouse_id, "seller_id": seller.client_id}
    if message_type == "TYPE_NEW_POSTING":
        return {**base, "products": ozon_products(posting), "in_process_at": iso(posting.in_process_at), **tail}
    if message_type == "TYPE_POSTING_CANCELLED":
        return {
            **base,
            "products": ozon_products(posting),
            "old_state": old_state,
            "new_state": "posting_canceled",
            "changed_state_date": iso(when),
            "reason": dict(OZON_CANCEL_REASON),
            **tail,
        }
    return {**base, "new_state": new_state, "changed_state_date": iso(when), **tail}


def ozon_queue(world: World, sub: OzonSubscription, payload: dict) -> OzonPush:
    push = OzonPush(next(_state(world).push_ids), payload)
    sub.pending.append(push)
    return push


def ozon_scan(world: World, sub: OzonSubscription) -> int:
    now = world.now()
    start, sub.watermark = sub.watermark, now
    seller = world.sellers.get(sub.client_id)
    if seller is None or now <= start:
        return 0
    events = []
    for posting in seller.postings:
        if posting.scheme != "fbs":
            continue
        previous = None
        for index, (stamp, status, substatus) in enumerate(posting.plan):
            if start < stamp <= now:
                if index == 0:
                    kind, extra = "TYPE_NEW_POSTING", {}
                elif status == "cancelled":
                    kind, extra = "TYPE_POSTING_CANCELLED", {"old_state": previous}
                else:
                    kind, extra = "TYPE_STATE_CHANGED", {"new_state": substatus}
                events.append(
                    (stamp, posting.posting_number, index, ozon_payload(seller, posting, kind, when=stamp, **extra))
                )
            previous = substatus
    events.sort(key=lambda e: e[:3])
    for *_, payload in events:
        ozon_queue(world, sub, payload)
    return len(events)


def _ozon_outcome(row: dict, ping: bool) -> bool:
    if row["error"]:
        return False
    if row["status"] >= 500:
        row["error"] = "SERVER_FAULT"
        return False
    if row["status"] != 200:
        row["error"] = "STATUS_CODE_NOT_OK"
        return False
    if row["body"] == "":
        row["error"] = "EMPTY_BODY"
        return False
    if "application/json" not in row["content_type"].lower():
        row["error"] = "INVALID_BODY"
        return False
    try:
        answer = json.loads(row["body"])
    except ValueError:
        row["error"] = "INVALID_JSON"
        return False
    if not isinstance(answer, dict):
        row["error"] = "INVALID_JSON"
        return False
    if ping:
        if not all(isinstance(answer.get(k), str) and answer.get(k) for k in ("version", "name")):
            row["error"] = "WRONG_RESULT_FIELD"
            return False
        try:
            parse_iso(answer.get("time"))
        except ValueError:
            row["error"] = "WRONG_RESULT_TIME_FIELD"
            return False
        return True
    if answer.get("result") is not True:
        row["error"] = "WRONG_RESULT_FIELD"
        return False
    return True


def _ozon_record(world: World, sub: OzonSubscription, row: dict, ok: bool) -> None:
    row["sim_time"] = world.now()
    row["ok"] = ok
    sub.log.append(row)
    del sub.log[:-LOG_LIMIT]
    if ok:
        sub.consecutive_failures = 0
    else:
        sub.consecutive_failures += 1
        if sub.suspend_after > 0 and sub.consecutive_failures >= sub.suspend_after:
            sub.suspended = True


def _ozon_post(sub: OzonSubscription, payload: dict) -> dict:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return _send(sub.url, body, {"Content-Type": "application/json"}, sub.timeout)


def ozon_ping(world: World, client_id: int) -> dict:
    with world.lock:
        sub = _state(world).ozon_push.get(client_id)
        if sub is None or not sub.url:
            raise LookupError(f"seller {client_id} has no push subscription")
        payload = {
            "message_type": "TYPE_PING",
            "time": datetime.fromtimestamp(world.now(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    row = _ozon_post(sub, payload)
    ok = _ozon_outcome(row, ping=True)
    with world.lock:
        row.update(message_type="TYPE_PING", id=0, attempt=1)
        _ozon_record(world, sub, row, ok)
    return {"ok": ok, "error": row["error"], "status": row["status"], "body": row["body"], "suspended": sub.suspended}


def ozon_flush(world: World, client_ids=None) -> dict:
    delivered, failed = [], []
    with world.lock:
        _state(world)
        subs = [s for c, s in world.ozon_push.items() if client_ids is None or c in client_ids]
        for sub in subs:
            ozon_scan(world, sub)
    for sub in subs:
        while True:
            with world.lock:
                if sub.suspended or not sub.url:
                    break
                push = next((p for p in sub.pending if not p.in_flight and p.id not in delivered + failed), None)
                if push is None:
                    break
                push.in_flight = True
            row = _ozon_post(sub, push.payload)
            ok = _ozon_outcome(row, ping=False)
            with world.lock:
                push.in_flight = False
                push.attempts += 1
                row.update(message_type=push.payload["message_type"], id=push.id, attempt=push.attempts)
                row["posting_number"] = push.payload.get("posting_number", "")
                _ozon_record(world, sub, row, ok)
                if ok:
                    sub.pending = [p for p in sub.pending if p is not push]
            (delivered if ok else failed).append(push.id)
    return {"delivered": delivered, "failed": failed}


def ozon_emit(world: World, seller, body: dict) -> OzonPush:
    """Queue one notification for a posting as it stands now (message_type defaults to TYPE_STATE_CHANGED)."""
    sub = _state(world).ozon_push.get(seller.client_id)
    if sub is None:
        raise LookupError(f"seller {seller.client_id} has no push subscription")
    posting = seller.postings_by_number.get(body.get("posting_number"))
    if posting is None:
        raise KeyError(f"unknown posting {body.get('posting_number')}")
    kind = body.get("message_type", "TYPE_STATE_CHANGED")
    if kind not in ("TYPE_NEW_POSTING", "TYPE_STATE_CHANGED", "TYPE_POSTING_CANCELLED"):
        raise ValueError("message_type must be TYPE_NEW_POSTING, TYPE_STATE_CHANGED or TYPE_POSTING_CANCELLED")
    now = world.now()
    changed, _, substatus = posting.step(now)
    previous = next((s for t, _, s in reversed(posting.plan) if t < changed), substatus)
    payload = ozon_payload(
        seller,
        posting,
        kind,
        when=changed,
        old_state=body.get("old_state", previous),
        new_state=body.get("new_state", substatus),
    )
    return ozon_queue(world, sub, payload)
