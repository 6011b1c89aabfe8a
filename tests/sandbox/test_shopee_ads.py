"""Shopee simulator, Ads (read-only v2 `ads`): shapes, one consistent model (day = Σ hours, shop = Σ campaigns,
balance falls with spend), the date rules with their exact errors, campaign id lists, the permission switch,
the ads rate limits, the common signature checks, and the control API's spend spike and campaign changes."""

import calendar
import time
from datetime import date, datetime, timedelta

import pytest

from sandbox.shopee_ads import build
from sandbox.state import Shop

ADS = "/api/v2/ads/"
DAILY = ADS + "get_all_cpc_ads_daily_performance"
HOURLY = ADS + "get_all_cpc_ads_hourly_performance"
IDS = ADS + "get_product_level_campaign_id_list"
SETTINGS = ADS + "get_product_level_campaign_setting_info"
CAMPAIGN_DAILY = ADS + "get_product_campaign_daily_performance"
CAMPAIGN_HOURLY = ADS + "get_product_campaign_hourly_performance"
SHOP_FIELDS = {
    "date", "impression", "clicks", "ctr", "direct_order", "broad_order", "direct_conversions", "broad_conversions",
    "direct_item_sold", "broad_item_sold", "direct_gmv", "broad_gmv", "expense", "cost_per_conversion",
    "direct_roas", "broad_roas",
}  # fmt: skip
CAMPAIGN_FIELDS = {
    "date", "impression", "clicks", "ctr", "expense", "broad_gmv", "broad_order", "broad_order_amount", "broad_roi",
    "broad_cir", "cr", "cpc", "direct_order", "direct_order_amount", "direct_gmv", "direct_roi", "direct_cir",
    "direct_cr", "cpdc",
}  # fmt: skip
ERRORS = {
    "future": ("ads.performance.error_date_in_future", "The date must be today or earlier than today up to 6 months ago."),
    "old": ("ads.performance.error_date_too_old", "The date can't be earlier than 6 months ago."),
    "long": ("ads.performance.error_date_range_too_long", "Date range can't be longer than 1 month."),
    "same": (
        "ads.performance.error_same_start_end_dates",
        "Start date can't be equal to end date. For single date's hourly performance data, please query hourly api.",
    ),
    "reversed": ("ads.performance.error_start_later_than_end", "The start date can't be later than the end date."),
}  # fmt: skip


def d(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def control(simulator, method: str, path: str, body: dict | None = None):
    return simulator.control.http.request(method, path, json=body)


def ads_summary(simulator, shop) -> dict:
    return control(simulator, "GET", f"shopee/shops/{shop.shop_id}/ads").json()


def today_of(simulator, shop) -> date:
    return datetime.strptime(ads_summary(simulator, shop)["today"], "%d-%m-%Y").date()


def ok(answer: dict):
    assert answer["error"] == "", answer
    return answer["response"]


def campaign_ids(shop) -> list[int]:
    return [row["campaign_id"] for row in ok(shop.get(IDS))["campaign_list"]]


def joined(ids) -> str:
    return ",".join(map(str, ids))


def cents(value: float) -> int:
    return round(value * 100)


def retoken(simulator, shop) -> None:
    """Fresh tokens after the simulated clock moved past the access token's life."""
    shop.access_token = simulator.control.issue_tokens(shop.shop_id)["access_token"]


def advance_to_local(simulator, shop, hour: int, minute: int) -> None:
    """Move the simulated clock forward to the shop's next local hour:minute (VN, UTC+7, no DST)."""
    now = simulator.control.clock()["now"]
    local = (now + 7 * 3600) % 86400
    simulator.control.advance((hour * 3600 + minute * 60 - local) % 86400)
    retoken(simulator, shop)


# --- shapes ---------------------------------------------------------------------------------------------


def test_balance_and_toggles(shopee_shop):
    balance = ok(shopee_shop.get(ADS + "get_total_balance"))
    assert set(balance) == {"data_timestamp", "total_balance"}
    assert isinstance(balance["total_balance"], float) and balance["total_balance"] > 0
    assert abs(balance["data_timestamp"] - time.time()) < 5
    toggles = ok(shopee_shop.get(ADS + "get_shop_toggle_info"))
    assert set(toggles) == {"data_timestamp", "auto_top_up", "campaign_surge"}
    assert isinstance(toggles["auto_top_up"], bool) and isinstance(toggles["campaign_surge"], bool)


def test_campaigns_are_three_to_eight_drawn_from_the_shop_id(simulator, shopee_shop):
    answer = ok(shopee_shop.get(IDS))
    assert set(answer) == {"shop_id", "region", "has_next_page", "campaign_list"}
    assert (answer["shop_id"], answer["region"], answer["has_next_page"]) == (shopee_shop.shop_id, "VN", False)
    assert 3 <= len(answer["campaign_list"]) <= 8
    assert all(set(row) == {"ad_type", "campaign_id"} for row in answer["campaign_list"])
    now = simulator.control.clock()["now"]
    first, again = build(Shop(shop_id=77, region="TH", name="x"), now), build(Shop(77, "TH", "y"), now)
    assert [(c.campaign_id, c.ad_type, c.plan, c.hourly_cents) for c in first.campaigns.values()] == [
        (c.campaign_id, c.ad_type, c.plan, c.hourly_cents) for c in again.campaigns.values()
    ]
    assert build(Shop(78, "TH", "z"), now).campaigns.keys() != first.campaigns.keys()


def test_campaign_list_filters_by_ad_type_and_pages(shopee_shop):
    every = ok(shopee_shop.get(IDS, {"ad_type": "all"}))["campaign_list"]
    auto = ok(shopee_shop.get(IDS, {"ad_type": "auto"}))["campaign_list"]
    manual = ok(shopee_shop.get(IDS, {"ad_type": "manual"}))["campaign_list"]
    assert {r["ad_type"] for r in auto} == {"auto"} and {r["ad_type"] for r in manual} == {"manual"}
    assert sorted(r["campaign_id"] for r in auto + manual) == sorted(r["campaign_id"] for r in every)
    first = ok(shopee_shop.get(IDS, {"offset": 0, "limit": 2}))
    rest = ok(shopee_shop.get(IDS, {"offset": 2, "limit": 5000}))
    assert first["has_next_page"] is True and rest["has_next_page"] is False
    assert first["campaign_list"] + rest["campaign_list"] == every
    assert shopee_shop.get(IDS, {"ad_type": "video"})["error"] == "error_param"


def test_setting_info_has_every_field_and_the_statuses_and_budgets(shopee_shop):
    ids = campaign_ids(shopee_shop)
    answer = ok(shopee_shop.get(SETTINGS, {"info_type_list": "1,2,3,4", "campaign_id_list": joined(ids)}))
    assert (answer["shop_id"], answer["region"]) == (shopee_shop.shop_id, "VN")
    rows = answer["campaign_list"]
    assert [r["campaign_id"] for r in rows] == ids
    for row in rows:
        assert set(row) == {"campaign_id", "common_info", "manual_bidding_info", "auto_bidding_info",
                            "auto_product_ads_info"}  # fmt: skip
        info = row["common_info"]
        assert set(info) == {"ad_type", "ad_name", "campaign_status", "bidding_method", "campaign_placement",
                             "campaign_budget", "campaign_duration", "item_id_list"}  # fmt: skip
        assert info["campaign_status"] in {"ongoing", "scheduled", "ended", "paused", "deleted", "closed"}
        assert info["campaign_placement"] in {"search", "discovery", "all"}
        assert set(info["campaign_duration"]) == {"start_time", "end_time"}
        assert set(row["auto_bidding_info"]) == {"roas_target"}
    budgets = [r["common_info"]["campaign_budget"] for r in rows]
    assert 0 in budgets and any(b > 0 for b in budgets)  # unlimited and limited campaigns
    assert rows[0]["common_info"]["campaign_status"] == "ongoing"
    only_common = ok(shopee_shop.get(SETTINGS, {"info_type_list": "1", "campaign_id_list": str(ids[0])}))
    assert set(only_common["campaign_list"][0]) == {"campaign_id", "common_info"}


# --- one model ------------------------------------------------------------------------------------------


def test_a_closed_day_is_the_sum_of_its_hours_and_the_shop_the_sum_of_its_campaigns(simulator, shopee_shop):
    today = today_of(simulator, shopee_shop)
    yesterday = today - timedelta(days=1)
    days = ok(shopee_shop.get(DAILY, {"start_date": d(yesterday - timedelta(days=2)), "end_date": d(yesterday)}))
    assert [row["date"] for row in days] == [d(yesterday - timedelta(days=n)) for n in (2, 1, 0)]
    assert all(set(row) == SHOP_FIELDS for row in days)
    day = days[-1]
    hours = ok(shopee_shop.get(HOURLY, {"performance_date": d(yesterday)}))
    assert [h["hour"] for h in hours] == list(range(24))
    assert all(set(h) == SHOP_FIELDS | {"hour"} for h in hours)
    assert cents(day["expense"]) == sum(cents(h["expense"]) for h in hours) > 0
    for key in ("impression", "clicks", "broad_order", "direct_order"):
        assert day[key] == sum(h[key] for h in hours)
    assert cents(day["broad_gmv"]) == sum(cents(h["broad_gmv"]) for h in hours)
    ids = campaign_ids(shopee_shop)
    params = {"start_date": d(yesterday - timedelta(days=1)), "end_date": d(yesterday), "campaign_id_list": joined(ids)}
    per_campaign = ok(shopee_shop.get(CAMPAIGN_DAILY, params))
    assert len(per_campaign) == 1 and set(per_campaign[0]) == {"shop_id", "region", "campaign_list"}
    campaigns = per_campaign[0]["campaign_list"]
    assert all(set(c) == {"campaign_id", "ad_type", "campaign_placement", "ad_name", "metrics_list"} for c in campaigns)
    assert all(set(m) == CAMPAIGN_FIELDS for c in campaigns for m in c["metrics_list"])
    assert sum(cents(c["metrics_list"][-1]["expense"]) for c in campaigns) == cents(day["expense"])
    assert sum(c["metrics_list"][-1]["clicks"] for c in campaigns) == day["clicks"]
    hourly = ok(shopee_shop.get(CAMPAIGN_HOURLY, {"performance_date": d(yesterday), "campaign_id_list": joined(ids)}))
    for campaign in hourly[0]["campaign_list"]:
        assert [m["hour"] for m in campaign["metrics_list"]] == list(range(24))
        daily = next(c for c in campaigns if c["campaign_id"] == campaign["campaign_id"])["metrics_list"][-1]
        assert sum(cents(m["expense"]) for m in campaign["metrics_list"]) == cents(daily["expense"])


def test_today_has_the_hours_so_far_and_the_balance_falls_with_spend(simulator, shopee_shop):
    advance_to_local(simulator, shopee_shop, 15, 30)
    today = today_of(simulator, shopee_shop)
    hours = ok(shopee_shop.get(HOURLY, {"performance_date": d(today)}))
    assert [h["hour"] for h in hours] == list(range(16))
    before = ok(shopee_shop.get(ADS + "get_total_balance"))["total_balance"]
    simulator.control.advance(2 * 3600)
    retoken(simulator, shopee_shop)
    after = ok(shopee_shop.get(ADS + "get_total_balance"))["total_balance"]
    assert after < before


def test_paused_and_scheduled_campaigns_spend_nothing(simulator, shopee_shop):
    ids = campaign_ids(shopee_shop)
    settings = ok(shopee_shop.get(SETTINGS, {"info_type_list": "1", "campaign_id_list": joined(ids)}))
    statuses = {r["campaign_id"]: r["common_info"]["campaign_status"] for r in settings["campaign_list"]}
    yesterday = today_of(simulator, shopee_shop) - timedelta(days=1)
    answer = ok(shopee_shop.get(CAMPAIGN_HOURLY, {"performance_date": d(yesterday), "campaign_id_list": joined(ids)}))
    for campaign in answer[0]["campaign_list"]:
        spend = sum(m["expense"] for m in campaign["metrics_list"])
        assert (spend > 0) == (statuses[campaign["campaign_id"]] == "ongoing"), campaign["campaign_id"]


# --- date rules -----------------------------------------------------------------------------------------


def date_cases(today: date) -> list[tuple[str, dict, str]]:
    old = today - timedelta(days=200)  # over six months back
    return [
        (DAILY, {"start_date": d(today - timedelta(days=2)), "end_date": d(today + timedelta(days=1))}, "future"),
        (DAILY, {"start_date": d(old), "end_date": d(old + timedelta(days=3))}, "old"),
        (DAILY, {"start_date": d(today - timedelta(days=40)), "end_date": d(today - timedelta(days=1))}, "long"),
        (DAILY, {"start_date": d(today - timedelta(days=3)), "end_date": d(today - timedelta(days=3))}, "same"),
        (DAILY, {"start_date": d(today - timedelta(days=2)), "end_date": d(today - timedelta(days=4))}, "reversed"),
        (HOURLY, {"performance_date": d(today + timedelta(days=1))}, "future"),
        (HOURLY, {"performance_date": d(old)}, "old"),
        (CAMPAIGN_DAILY, {"start_date": d(today - timedelta(days=1)), "end_date": d(today - timedelta(days=1))}, "same"),
        (CAMPAIGN_DAILY, {"start_date": d(today - timedelta(days=1)), "end_date": d(today + timedelta(days=2))}, "future"),
        (CAMPAIGN_HOURLY, {"performance_date": d(old)}, "old"),
    ]  # fmt: skip


def test_every_date_rule_answers_its_exact_error(simulator, shopee_shop):
    today = today_of(simulator, shopee_shop)
    ids = joined(campaign_ids(shopee_shop))
    for path, params, rule in date_cases(today):
        if "campaign" in path:
            params = {**params, "campaign_id_list": ids}
        answer = shopee_shop.get(path, params)
        assert (answer["error"], answer["message"]) == ERRORS[rule], (path, params)
        assert "response" not in answer


def same_day_months_back(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def test_the_date_limits_themselves_are_accepted_and_a_day_past_them_refused(simulator, shopee_shop):
    today = today_of(simulator, shopee_shop)
    start = same_day_months_back(today, 1)  # a month's range ending today is allowed
    assert len(ok(shopee_shop.get(DAILY, {"start_date": d(start), "end_date": d(today)}))) == (today - start).days + 1
    longer = shopee_shop.get(DAILY, {"start_date": d(start - timedelta(days=1)), "end_date": d(today)})
    assert longer["error"] == ERRORS["long"][0]
    assert ok(shopee_shop.get(DAILY, {"start_date": d(today - timedelta(days=1)), "end_date": d(today)}))
    assert ok(shopee_shop.get(HOURLY, {"performance_date": d(today)})) is not None
    oldest = same_day_months_back(today, 6)
    assert len(ok(shopee_shop.get(HOURLY, {"performance_date": d(oldest)}))) == 24
    too_old = shopee_shop.get(HOURLY, {"performance_date": d(oldest - timedelta(days=1))})
    assert too_old["error"] == ERRORS["old"][0]


@pytest.mark.parametrize("value", ["2026-12-01", "32-01-2026", "", "1-1-26x"])
def test_dates_must_be_dd_mm_yyyy(shopee_shop, value):
    answer = shopee_shop.get(HOURLY, {"performance_date": value})
    assert answer["error"] == "error_param" and answer["message"].startswith("Wrong parameters, detail: ")


# --- campaign ids ---------------------------------------------------------------------------------------


def test_campaign_ids_must_be_one_to_a_hundred_of_the_shops_own(simulator, shopee_shop, shopee_http):
    today = today_of(simulator, shopee_shop)
    ids = campaign_ids(shopee_shop)
    hourly = {"performance_date": d(today)}
    too_many = ",".join(str(ids[0]) if n == 0 else str(900_000_000 + n) for n in range(101))
    for path, params in ((CAMPAIGN_HOURLY, hourly), (SETTINGS, {"info_type_list": "1"})):
        assert shopee_shop.get(path, params)["error"] == "error_param"  # none
        answer = shopee_shop.get(path, {**params, "campaign_id_list": too_many})
        assert answer["error"] == "error_param" and "100" in answer["message"]
        answer = shopee_shop.get(path, {**params, "campaign_id_list": f"{ids[0]},12345"})
        assert (answer["error"], answer["message"]) == (
            "ads.shop.campaign_not_match",
            "Invalid campaign ID for this shop.",
        )
    other = simulator.control.create_shop(partner_id=shopee_shop.partner_id, region="VN")["shop_id"]
    other_ids = [c["campaign_id"] for c in control(simulator, "GET", f"shopee/shops/{other}/ads").json()["campaigns"]]
    answer = shopee_shop.get(CAMPAIGN_HOURLY, {**hourly, "campaign_id_list": joined(other_ids)})
    assert answer["error"] == "ads.shop.campaign_not_match"
    assert ok(shopee_shop.get(CAMPAIGN_HOURLY, {**hourly, "campaign_id_list": f"[{ids[0]},{ids[1]}]"}))


# --- method, permission, limits, common checks ----------------------------------------------------------


def test_post_is_not_allowed(shopee_shop):
    path = ADS + "get_total_balance"
    answer = shopee_shop.http.post(path, params=shopee_shop.common(path, shop=True), json={}).json()
    assert answer["error"] == "ads.api.http_method_not_allowed"
    assert answer["message"] == "Only the supported HTTP method for the API is allowed."


def test_the_permission_switch(simulator, shopee_shop):
    with simulator.control.configured(shopee={"ads_permission": False}):
        answer = shopee_shop.get(ADS + "get_total_balance")
        assert (answer["error"], answer["message"]) == (
            "error_api_permission",
            "This app type has no permission to this API.",
        )
    ok(shopee_shop.get(ADS + "get_total_balance"))


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("exceed_shop_api", "Too many requests for the shop at the moment, please try again later."),
        ("exceed_partner_api", "Too many requests for the partner at the moment, please try again later."),
        ("exceed_api", "Too many requests for the API at the moment, please try again later."),
    ],
)
def test_the_ads_rate_limits(simulator, shopee_shop, which, message):
    limits = {"ads_rate_limit": 2, "ads_rate_window": 600.0, "ads_rate_limit_error": which}
    with simulator.control.configured(shopee=limits):
        ok(shopee_shop.get(ADS + "get_shop_toggle_info"))
        ok(shopee_shop.get(ADS + "get_shop_toggle_info"))
        answer = shopee_shop.get(ADS + "get_shop_toggle_info")
        assert (answer["error"], answer["message"]) == (f"ads.rate_limit.{which}", message)


def test_rate_limit_can_answer_http_429(simulator, shopee_shop):
    limits = {"ads_rate_limit": 1, "ads_rate_window": 600.0, "rate_limit_http_status": 429}
    with simulator.control.configured(shopee=limits):
        ok(shopee_shop.get(ADS + "get_shop_toggle_info"))
        response = shopee_shop.get_response(ADS + "get_shop_toggle_info")
        assert response.status_code == 429 and response.json()["error"] == "ads.rate_limit.exceed_shop_api"


def test_the_common_checks_come_first(shopee_shop):
    path = ADS + "get_total_balance"
    answer = shopee_shop.http.get(path, params={**shopee_shop.common(path, shop=True), "sign": "0" * 64}).json()
    assert (answer["error"], answer["message"]) == ("error_sign", "Wrong sign.")
    answer = shopee_shop.get(path, timestamp=int(time.time()) - 600)
    assert (answer["error"], answer["message"]) == ("error_param", "Timestamp is expired.")
    answer = shopee_shop.get(path, access_token="0" * 32)
    assert (answer["error"], answer["message"]) == ("error_auth", "Invalid access_token.")
    params = shopee_shop.common(path, shop=True)
    del params["access_token"]
    answer = shopee_shop.http.get(path, params=params).json()
    assert (answer["error"], answer["message"]) == ("error_param", "There is no access_token in query.")


# --- control --------------------------------------------------------------------------------------------


def test_a_spend_spike_multiplies_the_current_hour_and_leaves_earlier_hours(simulator, shopee_shop):
    advance_to_local(simulator, shopee_shop, 10, 40)
    today = today_of(simulator, shopee_shop)
    first = campaign_ids(shopee_shop)[0]  # always ongoing and unlimited
    params = {"performance_date": d(today), "campaign_id_list": str(first)}

    def hours():
        return ok(shopee_shop.get(CAMPAIGN_HOURLY, params))[0]["campaign_list"][0]["metrics_list"]

    before = hours()
    answer = control(simulator, "POST", f"shopee/shops/{shopee_shop.shop_id}/ads/spike", {"factor": 4})
    assert answer.status_code == 200 and answer.json()["factor"] == 4
    after = hours()
    assert [h["expense"] for h in after[:10]] == [h["expense"] for h in before[:10]]
    assert before[10]["expense"] > 0
    assert 4 * before[10]["expense"] * 0.99 - 0.05 <= after[10]["expense"] <= 4 * before[10]["expense"] * 1.01 + 0.05
    assert after[10]["clicks"] >= 3 * before[10]["clicks"]
    assert (
        control(simulator, "POST", f"shopee/shops/{shopee_shop.shop_id}/ads/spike", {"factor": "x"}).status_code == 400
    )


def test_a_campaign_paused_by_control_stops_spending_and_a_budget_is_set(simulator, shopee_shop):
    ids = campaign_ids(shopee_shop)
    route = f"shopee/shops/{shopee_shop.shop_id}/ads/campaigns/{ids[0]}"
    answer = control(simulator, "POST", route, {"campaign_status": "paused", "campaign_budget": 100.0})
    assert answer.json() == {"campaign_id": ids[0], "campaign_status": "paused", "campaign_budget": 100.0}
    info = ok(shopee_shop.get(SETTINGS, {"info_type_list": "1", "campaign_id_list": str(ids[0])}))["campaign_list"][0]
    assert (info["common_info"]["campaign_status"], info["common_info"]["campaign_budget"]) == ("paused", 100.0)
    simulator.control.advance(2 * 3600)
    retoken(simulator, shopee_shop)
    today = today_of(simulator, shopee_shop)
    params = {"performance_date": d(today), "campaign_id_list": str(ids[0])}
    metrics = ok(shopee_shop.get(CAMPAIGN_HOURLY, params))[0]["campaign_list"][0]["metrics_list"]
    assert metrics[-1]["expense"] == 0  # this hour started after the pause
    assert control(simulator, "POST", route, {"campaign_status": "sleeping"}).status_code == 400
    unknown = f"shopee/shops/{shopee_shop.shop_id}/ads/campaigns/1"
    assert control(simulator, "POST", unknown, {"campaign_status": "paused"}).status_code == 404


def test_a_daily_budget_caps_a_days_spend(simulator, shopee_shop):
    ids = campaign_ids(shopee_shop)
    route = f"shopee/shops/{shopee_shop.shop_id}/ads/campaigns/{ids[0]}"
    control(simulator, "POST", route, {"campaign_budget": 5.0})
    simulator.control.advance(48 * 3600)  # yesterday is then a whole day under the new budget
    retoken(simulator, shopee_shop)
    yesterday = today_of(simulator, shopee_shop) - timedelta(days=1)
    params = {"performance_date": d(yesterday), "campaign_id_list": str(ids[0])}
    metrics = ok(shopee_shop.get(CAMPAIGN_HOURLY, params))[0]["campaign_list"][0]["metrics_list"]
    assert sum(cents(m["expense"]) for m in metrics) == 500
