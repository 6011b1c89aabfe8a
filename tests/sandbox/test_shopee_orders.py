"""Shopee simulator: order paging and windows, order detail fields, status progression, returns, stock."""

import re
import time

import pytest

ORDER_LIST = "/api/v2/order/get_order_list"
ORDER_DETAIL = "/api/v2/order/get_order_detail"
TRACKING = "/api/v2/logistics/get_tracking_number"
RETURN_LIST = "/api/v2/returns/get_return_list"
RETURN_DETAIL = "/api/v2/returns/get_return_detail"
HOUR = 3600
DAY = 86400
WINDOW = 15 * DAY


def list_params(**overrides) -> dict:
    now = int(time.time())
    return {"time_range_field": "create_time", "time_from": now - WINDOW, "time_to": now, "page_size": 100, **overrides}


def page_through(shop, *, time_from: int, time_to: int, field: str = "create_time", **extra) -> list[dict]:
    rows, cursor = [], ""
    while True:
        answer = shop.get(
            ORDER_LIST,
            list_params(time_range_field=field, time_from=time_from, time_to=time_to, cursor=cursor, **extra),
        )
        assert answer["error"] == "", answer
        rows += answer["response"]["order_list"]
        if not answer["response"]["more"]:
            assert answer["response"]["next_cursor"] == ""
            return rows
        cursor = answer["response"]["next_cursor"]


def test_ten_thousand_orders_page_to_the_end_without_duplicates_or_gaps(simulator, shopee_shop):
    started = time.perf_counter()
    seeded = simulator.control.seed_orders(shopee_shop.shop_id, count=10_000, days=28, seed=7)
    assert time.perf_counter() - started < 2.0
    now = int(simulator.control.clock()["now"])
    start = now - 28 * DAY
    seen = page_through(shopee_shop, time_from=start - 1, time_to=start + WINDOW - 1)
    seen += page_through(shopee_shop, time_from=start + WINDOW, time_to=now)
    sns = [row["order_sn"] for row in seen]
    assert len(sns) == len(set(sns)) == 10_000
    assert set(sns) == set(seeded["order_sns"])
    assert all(re.fullmatch(r"\d{6}[0-9A-Z]{8}", sn) for sn in sns)
    assert all(set(row) == {"order_sn"} for row in seen)  # order_status only when asked for


def test_cursor_is_stable_while_new_orders_arrive(simulator, shopee_shop):
    now = int(simulator.control.clock()["now"])
    simulator.control.seed_orders(shopee_shop.shop_id, count=250, days=5, seed=3)
    first = shopee_shop.get(ORDER_LIST, list_params(time_from=now - 6 * DAY, time_to=now + HOUR, page_size=100))
    simulator.control.seed_orders(shopee_shop.shop_id, count=50, **{"from": now - 6 * DAY, "to": now - 5 * DAY})
    rows = first["response"]["order_list"]
    cursor = first["response"]["next_cursor"]
    while cursor:
        answer = shopee_shop.get(ORDER_LIST, list_params(time_from=now - 6 * DAY, time_to=now + HOUR, cursor=cursor))[
            "response"
        ]
        rows += answer["order_list"]
        cursor = answer["next_cursor"]
    sns = [row["order_sn"] for row in rows]
    assert len(sns) == len(set(sns))
    assert len(sns) == 250  # orders created before the cursor position are not spliced into later pages


@pytest.mark.parametrize(("time_from", "time_to"), [(0, WINDOW + 1), (100, 100), (200, 100)])
def test_window_longer_than_fifteen_days_or_reversed_is_rejected(shopee_shop, time_from, time_to):
    base = int(time.time()) - 20 * DAY
    answer = shopee_shop.get(ORDER_LIST, list_params(time_from=base + time_from, time_to=base + time_to))
    assert answer["error"] == "order.order_list_invalid_time"
    assert answer["message"] == "Start time must be earlier than end time and diff in 15days."


@pytest.mark.parametrize(
    "overrides",
    [
        {"page_size": 0},
        {"page_size": 101},
        {"time_range_field": "pay_time"},
        {"order_status": "SOLD"},
        {"cursor": "not-a-cursor"},
    ],
)
def test_bad_list_parameters(shopee_shop, overrides):
    answer = shopee_shop.get(ORDER_LIST, list_params(**overrides))
    assert answer["error"] == "error_param" and answer["message"].startswith("Wrong parameters, detail: ")


def test_exact_window_is_accepted(shopee_shop):
    now = int(time.time())
    assert shopee_shop.get(ORDER_LIST, list_params(time_from=now - WINDOW, time_to=now))["error"] == ""


def test_status_filter_optional_status_and_update_time_selection(simulator, shopee_shop):
    simulator.control.seed_orders(shopee_shop.shop_id, count=300, days=12, seed=11)
    now = int(simulator.control.clock()["now"])
    rows = page_through(shopee_shop, time_from=now - 13 * DAY, time_to=now, response_optional_fields="order_status")
    statuses = {row["order_status"] for row in rows}
    assert {"COMPLETED", "SHIPPED"} <= statuses
    shipped = page_through(
        shopee_shop,
        time_from=now - 13 * DAY,
        time_to=now,
        order_status="SHIPPED",
        response_optional_fields="order_status",
    )
    assert shipped and {row["order_status"] for row in shipped} == {"SHIPPED"}
    assert len(shipped) == sum(row["order_status"] == "SHIPPED" for row in rows)
    recent = page_through(shopee_shop, field="update_time", time_from=now - DAY, time_to=now)
    detail = shopee_shop.get(ORDER_DETAIL, {"order_sn_list": ",".join(r["order_sn"] for r in recent[:50])})
    assert all(now - DAY <= o["update_time"] <= now for o in detail["response"]["order_list"])


def test_detail_returns_default_fields_unless_more_are_named(simulator, shopee_shop):
    sns = simulator.control.seed_orders(shopee_shop.shop_id, count=60, days=10, seed=5)["order_sns"]
    plain = shopee_shop.get(ORDER_DETAIL, {"order_sn_list": ",".join(sns[:50])})
    assert plain["error"] == "" and len(plain["response"]["order_list"]) == 50
    assert set(plain["response"]["order_list"][0]) == {
        "order_sn",
        "region",
        "currency",
        "cod",
        "order_status",
        "message_to_seller",
        "create_time",
        "update_time",
        "days_to_ship",
        "ship_by_date",
        "booking_sn",
    }
    rich = shopee_shop.get(
        ORDER_DETAIL,
        {
            "order_sn_list": sns[0],
            "response_optional_fields": "item_list,recipient_address,package_list,total_amount,pay_time,"
            "shipping_carrier,cancel_by",
        },
    )["response"]["order_list"][0]
    assert rich["currency"] == "VND"
    assert {"item_id", "model_id", "model_quantity_purchased", "model_discounted_price", "image_info"} <= set(
        rich["item_list"][0]
    )
    assert {"name", "phone", "full_address", "zipcode", "city"} <= set(rich["recipient_address"])
    assert rich["package_list"][0]["logistics_status"].startswith("LOGISTICS_")
    assert rich["checkout_shipping_carrier"] == rich["shipping_carrier"]
    assert isinstance(rich["total_amount"], float) and "buyer_username" not in rich


def test_detail_limits_and_unknown_orders(simulator, shopee_shop):
    sns = simulator.control.seed_orders(shopee_shop.shop_id, count=51, days=5)["order_sns"]
    too_many = shopee_shop.get(ORDER_DETAIL, {"order_sn_list": ",".join(sns)})
    assert too_many["error"] == "error_param"
    missing = shopee_shop.get(ORDER_DETAIL, {"order_sn_list": "240101NOTHERE1"})
    assert (missing["error"], missing["message"]) == (
        "error_not_found",
        "Wrong parameters, detail: the order is not found.",
    )
    partly = shopee_shop.get(ORDER_DETAIL, {"order_sn_list": f"{sns[0]},240101NOTHERE1"})
    assert len(partly["response"]["order_list"]) == 1 and partly["warning"]


def test_orders_move_forward_and_tracking_numbers_appear(simulator, shopee_shop):
    now = int(simulator.control.clock()["now"])
    sns = simulator.control.seed_orders(
        shopee_shop.shop_id, count=40, cancel_ratio=0, return_ratio=0, cod_ratio=0, **{"from": now - 10, "to": now}
    )["order_sns"]
    params = {"order_sn_list": ",".join(sns)}
    assert {o["order_status"] for o in shopee_shop.get(ORDER_DETAIL, params)["response"]["order_list"]} == {"UNPAID"}
    first = shopee_shop.get(TRACKING, {"order_sn": sns[0]})["response"]
    assert first["tracking_number"] == "" and set(first) >= {"plp_number", "first_mile_tracking_number", "hint"}
    seen = []
    for _ in range(12):
        simulator.control.advance(DAY)
        refreshed = shopee_shop.refresh()
        shopee_shop.access_token, shopee_shop.refresh_token = refreshed["access_token"], refreshed["refresh_token"]
        seen.append({o["order_status"] for o in shopee_shop.get(ORDER_DETAIL, params)["response"]["order_list"]})
    assert {"READY_TO_SHIP", "PROCESSED", "SHIPPED"} & set().union(*seen)
    assert seen[-1] == {"COMPLETED"}
    tracking = shopee_shop.get(TRACKING, {"order_sn": sns[0]})["response"]["tracking_number"]
    assert re.fullmatch(r"VN\d{12}[A-Z]{2}", tracking)
    assert shopee_shop.get(TRACKING, {"order_sn": "240101NOTHERE1"})["error"] == "logistics.invalid_error"
    assert (
        shopee_shop.get(TRACKING, {"order_sn": sns[0], "package_number": "X"})["error"] == "logistics.package_not_exist"
    )


def test_returns_page_and_detail(simulator, shopee_shop):
    seeded = simulator.control.seed_returns(shopee_shop.shop_id, count=130, seed=2)
    now = int(simulator.control.clock()["now"])
    rows, page = [], 0
    while True:
        answer = shopee_shop.get(
            RETURN_LIST, {"page_no": page, "page_size": 50, "create_time_from": now - 15 * DAY, "create_time_to": now}
        )
        assert answer["error"] == "", answer
        rows += answer["response"]["return"]
        if not answer["response"]["more"]:
            break
        page += 1
    visible = {r["return_sn"] for r in rows}
    assert len(visible) == len(rows) and visible <= set(seeded["return_sns"]) and len(visible) > 50
    sample = rows[0]
    assert {
        "return_sn",
        "order_sn",
        "status",
        "refund_amount",
        "item",
        "user",
        "negotiation_status",
        "due_date",
        "tracking_number",
    } <= set(sample)
    detail = shopee_shop.get(RETURN_DETAIL, {"return_sn": sample["return_sn"]})["response"]
    assert detail["return_sn"] == sample["return_sn"] and "negotiation" in detail and "seller_proof" in detail
    missing = shopee_shop.get(RETURN_DETAIL, {"return_sn": "1"})
    assert (missing["error"], missing["message"]) == ("error_param", "Return SN or ID is invalid.")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"create_time_from": 0, "create_time_to": 16 * DAY},
            "The period between create_time_from and created_time_of must not more than 15 days.",
        ),
        (
            {"update_time_from": 0, "update_time_to": 16 * DAY},
            "The period between update_time_from and update_time_to must not more than 15 days.",
        ),
        ({"create_time_from": 100, "create_time_to": 50}, "The create_time_to should be later than create_time_from."),
    ],
)
def test_return_windows(shopee_shop, params, message):
    answer = shopee_shop.get(RETURN_LIST, {"page_no": 0, "page_size": 10, **params})
    assert (answer["error"], answer["message"]) == ("error_param", message)
    assert shopee_shop.get(RETURN_LIST, {"page_no": 0, "page_size": 101})["error"] == "error_param"


def test_items_models_and_stock(simulator, shopee_shop):
    seeded = simulator.control.seed_items(shopee_shop.shop_id, count=120, model_ratio=0.5, seed=4)["items"]
    ids, offset = [], 0
    while True:
        answer = shopee_shop.http.get(
            "/api/v2/product/get_item_list",
            params=[
                *shopee_shop.common("/api/v2/product/get_item_list", shop=True).items(),
                ("offset", offset),
                ("page_size", 50),
                ("item_status", "NORMAL"),
                ("item_status", "UNLIST"),
            ],
        ).json()["response"]
        ids += [row["item_id"] for row in answer["item"]]
        if not answer["has_next_page"]:
            break
        offset = answer["next_offset"]
    assert ids == sorted(i["item_id"] for i in seeded) and answer["total_count"] == 120

    plain = next(i for i in seeded if not i["has_model"])
    variant = next(i for i in seeded if i["has_model"])
    simulator.control.set_stock(shopee_shop.shop_id, item_id=plain["item_id"], stock=3)
    simulator.control.set_stock(
        shopee_shop.shop_id, item_id=variant["item_id"], model_id=variant["model_ids"][0], stock=1
    )
    for id_list in (f"{plain['item_id']},{variant['item_id']}", f"[{plain['item_id']},{variant['item_id']}]"):
        info = shopee_shop.get("/api/v2/product/get_item_base_info", {"item_id_list": id_list})["response"]
        by_id = {row["item_id"]: row for row in info["item_list"]}
        assert by_id[plain["item_id"]]["stock_info_v2"]["summary_info"]["total_available_stock"] == 3
        assert "price_info" in by_id[plain["item_id"]] and "price_info" not in by_id[variant["item_id"]]
        assert by_id[variant["item_id"]]["has_model"] is True
    models = shopee_shop.get("/api/v2/product/get_model_list", {"item_id": variant["item_id"]})["response"]
    first = next(m for m in models["model"] if m["model_id"] == variant["model_ids"][0])
    assert first["stock_info_v2"]["summary_info"]["total_available_stock"] == 1
    assert models["tier_variation"][0]["option_list"]
