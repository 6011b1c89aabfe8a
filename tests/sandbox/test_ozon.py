"""Ozon simulator: header checks, the per-Client-Id limiter, v3/v4 paging rules, statuses, returns, stocks."""

import base64
import json
import time
from datetime import UTC, datetime

import pytest

FBS_V4 = "/v4/posting/fbs/list"
FBS_V3 = "/v3/posting/fbs/list"
DAY = 86400


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def window(simulator, days: int = 40) -> dict:
    now = simulator.control.clock()["now"]
    return {"since": iso(now - days * DAY), "to": iso(now + 60)}


def page_v4(seller, path: str, body: dict) -> list[dict]:
    rows, cursor = [], ""
    while True:
        answer = seller.post(path, {**body, "cursor": cursor})
        assert answer.status_code == 200, answer.text
        data = answer.json()
        page = data["postings"] if "postings" in data else data["items"]
        rows += page
        # postings say has_next; stocks end on a short page (their last cursor is never empty)
        if not data["has_next"] if "has_next" in data else len(page) < body["limit"]:
            return rows
        cursor = data["cursor"]


@pytest.mark.parametrize(
    ("headers", "status", "body"),
    [
        ({"Client-Id": None}, 401, {"code": 16, "message": "Client-Id and Api-Key headers are required"}),
        ({"Api-Key": None}, 401, {"code": 16, "message": "Client-Id and Api-Key headers are required"}),
        ({"Client-Id": "abc"}, 400, {"code": 3, "message": "Client-Id header value should be positive integer"}),
        (
            {"Api-Key": "00000000-0000-0000-0000-000000000000"},
            404,
            {"code": 5, "message": "Invalid Api-Key, please check the key and try again", "details": []},
        ),
    ],
)
def test_header_errors(simulator, ozon_seller, headers, status, body):
    answer = ozon_seller.post(FBS_V4, {"filter": window(simulator), "limit": 10}, headers=headers)
    assert answer.status_code == status
    assert {k: answer.json()[k] for k in body} == body


def test_roles_deactivation_method_and_body_checks(simulator, ozon_seller):
    body = {"filter": window(simulator), "limit": 10}
    assert ozon_seller.post(FBS_V4, body).status_code == 200
    simulator.control.update_seller(ozon_seller.client_id, roles=["products"])
    denied = ozon_seller.post(FBS_V4, body)
    assert denied.status_code == 403 and denied.json()["message"] == "Api-Key is missing a required role for a method"
    assert ozon_seller.post("/v4/product/info/stocks", {"filter": {}, "limit": 10}).status_code == 200
    simulator.control.update_seller(ozon_seller.client_id, roles=["admin"], active=False)
    assert ozon_seller.post(FBS_V4, body).json()["message"].startswith("Api-key is deactivated")
    simulator.control.update_seller(ozon_seller.client_id, active=True)
    headers = {"Client-Id": str(ozon_seller.client_id), "Api-Key": ozon_seller.api_key}
    assert ozon_seller.http.get(FBS_V4, headers=headers).status_code == 405
    broken = ozon_seller.http.post(FBS_V4, content=b"{filter:", headers=headers)
    assert broken.status_code == 400 and broken.json()["code"] == 3
    assert ozon_seller.post(FBS_V4, {"limit": 10}).status_code == 400  # filter is required
    assert ozon_seller.post(FBS_V4, {"filter": {"since": "yesterday", "to": "now"}, "limit": 10}).status_code == 400
    assert ozon_seller.post("/v4/posting/fbs/lists", body).status_code == 404


def test_rate_limit_per_client_id(simulator, ozon_seller):
    other = simulator.control.create_seller()
    with simulator.control.configured(ozon={"rps_limit": 5}):
        codes = [ozon_seller.post("/v4/product/info/stocks", {"filter": {}, "limit": 1}) for _ in range(6)]
        assert [c.status_code for c in codes] == [200] * 5 + [429]
        assert codes[-1].json() == {
            "code": 8,
            "message": "You have reached request rate limit per second",
            "details": [],
        }
        neighbour = ozon_seller.post(
            "/v4/product/info/stocks",
            {"filter": {}, "limit": 1},
            headers={"Client-Id": str(other["client_id"]), "Api-Key": other["api_key"]},
        )
        assert neighbour.status_code == 200
        simulator.control.advance(1.1)
        assert ozon_seller.post("/v4/product/info/stocks", {"filter": {}, "limit": 1}).status_code == 200


def test_v4_cursor_pages_every_posting_once(simulator, ozon_seller):
    seeded = simulator.control.seed_postings(ozon_seller.client_id, count=730, days=30, seed=9)
    for direction in ("ASC", "desc"):
        rows = page_v4(ozon_seller, FBS_V4, {"filter": window(simulator), "limit": 100, "sort_dir": direction})
        numbers = [p["posting_number"] for p in rows]
        assert len(numbers) == len(set(numbers)) == 730 and set(numbers) == set(seeded["posting_numbers"])
        stamps = [p["in_process_at"] for p in rows]
        assert stamps == sorted(stamps, reverse=direction == "desc")
    posting = rows[0]
    assert isinstance(posting["products"][0]["price"], dict) and posting["analytics_data"] is None
    assert {"delivery_schema", "cancellation", "delivery_method", "tracking_number", "substatus"} <= set(posting)


def test_v4_rejects_big_limits_and_bad_cursors(simulator, ozon_seller):
    simulator.control.seed_postings(ozon_seller.client_id, count=30, days=5)
    body = {"filter": window(simulator), "limit": 10}
    assert ozon_seller.post(FBS_V4, {**body, "limit": 101}).status_code == 400
    first = ozon_seller.post(FBS_V4, body).json()
    assert first["has_next"] and first["cursor"]
    garbage = ozon_seller.post(FBS_V4, {**body, "cursor": "bm90LWEtY3Vyc29y"})
    assert garbage.status_code == 400 and garbage.json()["code"] == 3
    other_filter = {**body, "filter": {**body["filter"], "statuses": ["delivered"]}, "cursor": first["cursor"]}
    assert ozon_seller.post(FBS_V4, other_filter).status_code == 400
    decoded = json.loads(base64.b64decode(first["cursor"]))
    assert decoded["fields"][1]["name"] == "osp.id"
    with simulator.control.configured(ozon={"cursor_ttl": 60}):
        simulator.control.advance(61)
        assert ozon_seller.post(FBS_V4, {**body, "cursor": first["cursor"]}).status_code == 400


def test_v3_offset_paging_and_switching_it_off(simulator, ozon_seller):
    simulator.control.seed_postings(ozon_seller.client_id, count=1500, days=20, seed=1)
    body = {"dir": "ASC", "filter": window(simulator), "limit": 1000, "offset": 0}
    first = ozon_seller.post(FBS_V3, body).json()["result"]
    second = ozon_seller.post(FBS_V3, {**body, "offset": 1000}).json()["result"]
    assert first["has_next"] and not second["has_next"]
    numbers = [p["posting_number"] for p in first["postings"] + second["postings"]]
    assert len(set(numbers)) == 1500
    assert isinstance(first["postings"][0]["products"][0]["price"], str)
    assert ozon_seller.post(FBS_V3, {**body, "limit": 1001}).status_code == 400
    assert ozon_seller.post(FBS_V3, {key: v for key, v in body.items() if key != "offset"}).status_code == 400
    long_period = {**body, "filter": {"since": "2020-01-01T00:00:00Z", "to": "2022-01-01T00:00:00Z"}}
    assert ozon_seller.post(FBS_V3, long_period).status_code == 400
    with simulator.control.configured(ozon={"v3_fbs_enabled": False}):
        assert ozon_seller.post(FBS_V3, body).status_code == 404
        assert ozon_seller.post(FBS_V4, {"filter": window(simulator), "limit": 1}).status_code == 200


def test_postings_move_forward_and_tracking_appears(simulator, ozon_seller):
    now = simulator.control.clock()["now"]
    number = simulator.control.seed_postings(
        ozon_seller.client_id, count=1, cancel_ratio=0, return_ratio=0, seed=1, **{"from": int(now) - 5, "to": int(now)}
    )["posting_numbers"][0]
    get = {"posting_number": number, "with": {"analytics_data": True, "financial_data": True}}
    posting = ozon_seller.post("/v3/posting/fbs/get", get).json()["result"]
    assert (posting["status"], posting["tracking_number"]) == ("awaiting_packaging", "")
    assert posting["analytics_data"]["warehouse_id"] and posting["financial_data"]["products"]
    assert {"additional_data", "courier", "related_postings"} <= set(posting)
    statuses = []
    for _ in range(10):
        simulator.control.advance(DAY)
        statuses.append(ozon_seller.post("/v3/posting/fbs/get", get).json()["result"]["status"])
    assert statuses[-1] == "delivered" and {"awaiting_deliver", "delivering"} & set(statuses)
    assert ozon_seller.post("/v3/posting/fbs/get", get).json()["result"]["tracking_number"].isdigit()
    changed = ozon_seller.post(
        FBS_V4,
        {
            "filter": {
                **window(simulator, 20),
                "last_changed_status_date": {
                    "from": iso(simulator.control.clock()["now"] - 60),
                    "to": iso(simulator.control.clock()["now"]),
                },
            },
            "limit": 100,
        },
    ).json()
    assert changed["postings"] == []
    missing = ozon_seller.post("/v3/posting/fbs/get", {"posting_number": "1-2-3"})
    assert missing.status_code == 404


def test_unfulfilled_lists(simulator, ozon_seller):
    now = simulator.control.clock()["now"]
    simulator.control.seed_postings(
        ozon_seller.client_id, count=40, cancel_ratio=0, **{"from": int(now) - 600, "to": int(now)}
    )
    cutoff = {"cutoff_from": iso(now), "cutoff_to": iso(now + 3 * DAY)}
    v4 = ozon_seller.post("/v4/posting/fbs/unfulfilled/list", {"filter": cutoff, "limit": 100}).json()
    assert v4["count"] == 40 and len(v4["postings"]) == 40 and not v4["has_next"]
    both = {**cutoff, "delivering_date_from": iso(now), "delivering_date_to": iso(now + DAY)}
    assert ozon_seller.post("/v4/posting/fbs/unfulfilled/list", {"filter": both, "limit": 10}).status_code == 400
    v3 = ozon_seller.post("/v3/posting/fbs/unfulfilled/list", {"filter": cutoff, "limit": 30, "offset": 0}).json()
    assert v3["result"]["count"] == 40 and len(v3["result"]["postings"]) == 30


def test_fbo_lists(simulator, ozon_seller):
    simulator.control.seed_postings(ozon_seller.client_id, count=150, scheme="fbo", days=10, seed=5)
    rows = page_v4(ozon_seller, "/v3/posting/fbo/list", {"filter": window(simulator), "limit": 100})
    assert len({p["posting_number"] for p in rows}) == 150 and "substatus" in rows[0]
    legacy = ozon_seller.post("/v2/posting/fbo/list", {"filter": window(simulator), "limit": 100, "offset": 100})
    assert isinstance(legacy.json()["result"], list) and len(legacy.json()["result"]) == 50
    too_far = ozon_seller.post("/v2/posting/fbo/list", {"filter": window(simulator), "limit": 10, "offset": 20001})
    assert too_far.status_code == 400 and too_far.json()["message"] == "MAX_OFFSET_EXCEEDED"
    long_period = {"filter": {"since": "2020-01-01T00:00:00Z", "to": "2022-01-01T00:00:00Z"}, "limit": 10}
    assert ozon_seller.post("/v2/posting/fbo/list", long_period).json()["message"] == "PERIOD_IS_TOO_LONG"
    with simulator.control.configured(ozon={"v2_fbo_enabled": False}):
        assert ozon_seller.post("/v2/posting/fbo/list", {"filter": window(simulator), "limit": 1}).status_code == 404


def test_returns_last_id_paging_and_single_date_filter(simulator, ozon_seller):
    seeded = simulator.control.seed_ozon_returns(ozon_seller.client_id, count=120, seed=8)
    rows, last_id = [], 0
    while True:
        data = ozon_seller.post("/v1/returns/list", {"filter": {}, "limit": 50, "last_id": last_id}).json()
        rows += data["returns"]
        if not data["has_next"]:
            break
        last_id = data["returns"][-1]["id"]
    ids = [r["id"] for r in rows]
    assert ids == sorted(set(ids)) and set(ids) <= set(seeded["return_ids"]) and len(ids) > 60
    assert {"visual", "product", "logistic", "storage", "posting_number"} <= set(rows[0])
    two_dates = {
        "logistic_return_date": {"time_from": iso(0), "time_to": iso(time.time())},
        "visual_status_change_moment": {"time_from": iso(0), "time_to": iso(time.time())},
    }
    assert ozon_seller.post("/v1/returns/list", {"filter": two_dates, "limit": 10}).status_code == 400
    assert ozon_seller.post("/v1/returns/list", {"filter": {}, "limit": 501}).status_code == 400
    by_posting = ozon_seller.post(
        "/v1/returns/list", {"filter": {"posting_numbers": [rows[0]["posting_number"]]}, "limit": 10}
    ).json()["returns"]
    assert [r["id"] for r in by_posting] == [rows[0]["id"]]


def test_stocks_cursor_and_totals(simulator, ozon_seller):
    simulator.control.seed_products(ozon_seller.client_id, count=230, seed=6)
    rows = page_v4(ozon_seller, "/v4/product/info/stocks", {"filter": {"visibility": "ALL"}, "limit": 100})
    assert len({r["product_id"] for r in rows}) == 230
    first = ozon_seller.post("/v4/product/info/stocks", {"filter": {}, "limit": 100}).json()
    assert first["total"] == first["total_items"] == 230
    stock = rows[0]["stocks"][0]
    assert {"present", "reserved", "sku", "type", "shipment_type", "warehouse_ids"} <= set(stock)
    simulator.control.set_ozon_stock(ozon_seller.client_id, offer_id=rows[0]["offer_id"], fbs_present=2, fbs_reserved=1)
    one = ozon_seller.post(
        "/v4/product/info/stocks", {"filter": {"offer_id": [rows[0]["offer_id"]]}, "limit": 10}
    ).json()["items"][0]
    fbs = next(s for s in one["stocks"] if s["type"] == "fbs")
    assert (fbs["present"], fbs["reserved"]) == (2, 1)
    assert ozon_seller.post("/v4/product/info/stocks", {"limit": 10}).status_code == 400


def test_the_stocks_cursor_is_never_empty_and_past_the_last_page_answers_no_items(simulator, ozon_seller):
    """platform-apis.md 2.7 (corrected 2026-12): an empty request cursor means the first page, so the last page
    hands back a non-empty cursor, and a request with it answers `items: []`."""
    simulator.control.seed_products(ozon_seller.client_id, count=20, seed=8)
    body = {"filter": {"visibility": "ALL"}, "limit": 10}
    cursor, pages = "", []
    for _ in range(3):
        data = ozon_seller.post("/v4/product/info/stocks", {**body, "cursor": cursor}).json()
        assert data["cursor"], "a cursor is never empty"
        pages.append(len(data["items"]))
        cursor = data["cursor"]
    assert pages == [10, 10, 0]
    again = ozon_seller.post("/v4/product/info/stocks", {**body, "cursor": cursor}).json()
    assert (again["items"], again["cursor"]) == ([], cursor)
    stock = ozon_seller.post("/v4/product/info/stocks", body).json()["items"][0]["stocks"][0]
    assert all(isinstance(w, str) for w in stock["warehouse_ids"]) and stock["warehouse_ids"]


def test_postings_carry_the_corrected_shapes(simulator, ozon_seller):
    """platform-apis.md 2.4 (corrected 2026-12): tariffication is an array, prr_option an object or null,
    `optional` and `pickup_code_verified_at` on every posting, `is_blr_traceable` on every product row,
    `commissions_currency_code` on financial rows, and the get's products carry `jw_uin` and `dimensions`."""
    number = simulator.control.seed_postings(ozon_seller.client_id, count=1, days=0.01, seed=12)["posting_numbers"][0]
    with_ = {"financial_data": True, "analytics_data": True}
    detail = ozon_seller.post("/v3/posting/fbs/get", {"posting_number": number, "with": with_}).json()["result"]
    v3_row = ozon_seller.post(
        "/v3/posting/fbs/list", {"filter": window(simulator), "limit": 10, "offset": 0, "with": with_}
    ).json()["result"]["postings"][0]
    v4_row = ozon_seller.post(FBS_V4, {"filter": window(simulator), "limit": 10, "with": with_}).json()["postings"][0]
    for posting in (detail, v3_row, v4_row):
        assert isinstance(posting["tariffication"], list) and posting["tariffication"]
        step = posting["tariffication"][0]
        assert isinstance(step["current_tariff_rate"], float) and isinstance(step["next_tariff_rate"], float)
        assert posting["prr_option"] is None or isinstance(posting["prr_option"], dict)
        assert posting["optional"] == {"products_with_possible_mandatory_mark": []}
        assert "pickup_code_verified_at" in posting
        assert all(p["is_blr_traceable"] is False for p in posting["products"])
        assert "products_requiring_change_country" in posting["requirements"]
    assert all("commissions_currency_code" in p for p in v3_row["financial_data"]["products"])
    product = detail["products"][0]
    assert {"sku", "name", "offer_id", "price", "currency_code", "quantity", "is_marketplace_buyout",
            "mandatory_mark", "jw_uin", "is_blr_traceable", "dimensions"} <= set(product)  # fmt: skip
    assert set(product["dimensions"]) == {"height", "length", "weight", "width"}
    assert all(isinstance(v, str) and float(v) > 0 for v in product["dimensions"].values())
    assert "dimensions" not in v3_row["products"][0]  # list rows stay lean
