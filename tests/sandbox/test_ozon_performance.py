"""Ozon Performance simulator (platform-ads-apis.md §2, §3): token, campaigns, statistics, the report, quotas."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest

from sandbox.ozon_performance import UNAUTHENTICATED, account_secret, build
from sandbox.state import Seller

MOSCOW = ZoneInfo("Europe/Moscow")
DAILY = "/api/client/statistics/daily/json"
EXPENSE = "/api/client/statistics/expense/json"
REPORT = "/api/client/statistics/json"


class Account:
    """A seller's Performance account with helpers that send real HTTP."""

    def __init__(self, simulator, http: httpx.Client, seller: dict):
        self.simulator, self.http = simulator, http
        self.seller_id = seller["client_id"]
        self.client_id = f"{seller['client_id']}@advertising.performance.ozon.ru"
        self.client_secret = account_secret(seller["client_id"], seller["api_key"])
        self.token = ""

    def token_response(self, **changes) -> httpx.Response:
        body = {"client_id": self.client_id, "client_secret": self.client_secret, "grant_type": "client_credentials"}
        return self.http.post("/api/client/token", json={**body, **changes})

    def sign_in(self) -> str:
        answer = self.token_response()
        assert answer.status_code == 200, answer.text
        self.token = answer.json()["access_token"]
        return self.token

    def get(self, path: str, params=None, *, token: str | None = None) -> httpx.Response:
        token = self.token if token is None else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.get(path, params=params, headers=headers)

    def post(self, path: str, body: dict) -> httpx.Response:
        return self.http.post(path, json=body, headers={"Authorization": f"Bearer {self.token}"})

    def control(self, route: str = "", **body) -> dict:
        path = f"ozon-performance/{self.seller_id}" + (f"/{route}" if route else "")
        return self.simulator.control._call("POST" if route else "GET", path, body or None)

    def campaigns(self, params=None) -> list[dict]:
        answer = self.get("/api/client/campaign", params)
        assert answer.status_code == 200, answer.text
        return answer.json()["list"]


def moscow_today(simulator) -> date:
    return datetime.fromtimestamp(simulator.control.clock()["now"], MOSCOW).date()


def rub(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


@pytest.fixture(scope="session")
def perf_http(simulator):
    with httpx.Client(base_url=f"{simulator.base_url}/ozon-performance", timeout=10) as client:
        yield client


@pytest.fixture
def account(simulator, perf_http):
    account = Account(simulator, perf_http, simulator.control.create_seller(name="Ozon ads seller"))
    account.sign_in()
    return account


# --- token ----------------------------------------------------------------------------------------------


def test_token_shape_and_errors(simulator, perf_http):
    account = Account(simulator, perf_http, simulator.control.create_seller(name="Ozon token seller"))
    answer = account.token_response()
    assert answer.status_code == 200
    data = answer.json()
    assert data["expires_in"] == 1800 and data["token_type"] == "Bearer" and data["access_token"]
    wrong = account.token_response(client_secret="not-the-secret")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    unknown = account.token_response(client_id="999999999@advertising.performance.ozon.ru")
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_client"
    grant = account.token_response(grant_type="password")
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    form = perf_http.post(
        "/api/client/token",
        data={
            "client_id": account.client_id,
            "client_secret": account.client_secret,
            "grant_type": "client_credentials",
        },
    )
    assert form.status_code == 400
    assert perf_http.get("/api/client/token").status_code == 405
    # the secret never reaches the request log
    logged = simulator.control.requests(service="ozon_performance")[-6:]
    assert all(account.client_secret not in str(entry) for entry in logged)


def test_bad_and_expired_tokens_by_the_clock(simulator, account):
    assert account.get("/api/client/campaign").status_code == 200
    for token in ("garbage", ""):
        answer = account.get("/api/client/campaign", token=token)
        assert answer.status_code == 401 and answer.json() == {"error": UNAUTHENTICATED}
    simulator.control.advance(1799)
    assert account.get("/api/client/campaign").status_code == 200
    simulator.control.advance(2)
    answer = account.get("/api/client/campaign")
    assert answer.status_code == 401 and answer.json() == {"error": UNAUTHENTICATED}
    account.sign_in()
    assert account.get("/api/client/campaign").status_code == 200


# --- campaigns ------------------------------------------------------------------------------------------

LIVE_FIELDS = {
    "id", "title", "state", "advObjectType", "fromDate", "toDate", "budget", "dailyBudget", "weeklyBudget",
    "budgetType", "startWeekDay", "endWeekDay", "expenseStrategy", "PaymentType", "placement",
    "productAutopilotStrategy", "productCampaignMode", "autopilot", "autoIncrease", "isAutocreated",
    "autostopStatus", "createdAt", "updatedAt",
}  # fmt: skip


def test_campaigns_are_deterministic_and_live_shaped(account):
    rows = account.campaigns()
    assert 3 <= len(rows) <= 8
    for row in rows:
        assert set(row) == LIVE_FIELDS
        assert isinstance(row["id"], str) and row["id"].isdigit()
        assert row["PaymentType"] in ("CPC", "CPM", "CPO")
        assert row["budgetType"] in ("PRODUCT_CAMPAIGN_BUDGET_TYPE_WEEKLY", "PRODUCT_CAMPAIGN_BUDGET_TYPE_DAILY")
        for name in ("budget", "dailyBudget", "weeklyBudget"):
            assert row[name].isdigit() and int(row[name]) % 10_000 == 0  # millionths of whole kopecks
    assert any(int(r["weeklyBudget"]) or int(r["budget"]) for r in rows)
    # the campaigns are a function of the seller's id: the same in every run
    first, second = (build(Seller(client_id=account.seller_id, api_key="", roles=[]), 0.0) for _ in range(2))
    assert [(c.id, c.title, c.plan, c.hourly_kop) for c in first.campaigns.values()] == [
        (c.id, c.title, c.plan, c.hourly_kop) for c in second.campaigns.values()
    ]
    assert [str(c) for c in first.campaigns] == [r["id"] for r in rows]


def test_campaign_filters_and_paging(account):
    rows = account.campaigns()
    first, second = rows[0]["id"], rows[1]["id"]
    assert [r["id"] for r in account.campaigns([("campaignIds", first), ("campaignIds", second)])] == [first, second]
    assert [r["id"] for r in account.campaigns({"advObjectType": rows[0]["advObjectType"]})] == [
        r["id"] for r in rows if r["advObjectType"] == rows[0]["advObjectType"]
    ]
    running = account.campaigns({"state": "CAMPAIGN_STATE_RUNNING"})
    assert all(r["state"] == "CAMPAIGN_STATE_RUNNING" for r in running)
    assert len(account.campaigns({"state": "CAMPAIGN_STATE_UNKNOWN"})) == len(rows)
    assert [r["id"] for r in account.campaigns({"page": 2, "pageSize": 2})] == [r["id"] for r in rows[2:4]]
    comma = account.get("/api/client/campaign", {"campaignIds": f"{first},{second}"})
    assert comma.status_code == 400
    assert comma.json()["error"] == (
        f'parsing list "campaign_ids": strconv.ParseUint: parsing "{first},{second}": invalid syntax'
    )


def test_spent_budget_reads_stopped_and_is_configurable(simulator, account):
    campaign = account.campaigns()[0]
    changed = account.control(f"campaigns/{campaign['id']}", state="RUNNING", budget="1", budgetType="DAILY")
    assert changed["budget"] == "1000000"  # millionths of a rouble
    simulator.control.advance(3600)
    account.sign_in()
    state = {r["id"]: r["state"] for r in account.campaigns()}
    assert state[campaign["id"]] == "CAMPAIGN_STATE_STOPPED"
    with simulator.control.configured(ozon={"performance_stop_on_budget": False}):
        assert {r["id"]: r["state"] for r in account.campaigns()}[campaign["id"]] == "CAMPAIGN_STATE_RUNNING"
    account.control(f"campaigns/{campaign['id']}", state="CAMPAIGN_STATE_INACTIVE", budget="0")
    row = next(r for r in account.campaigns() if r["id"] == campaign["id"])
    assert row["state"] == "CAMPAIGN_STATE_INACTIVE" and row["budget"] == "0"


# --- statistics -----------------------------------------------------------------------------------------


def test_daily_and_expense_agree_and_default_to_seven_days(simulator, account):
    today = moscow_today(simulator)
    answer = account.get(DAILY)
    assert answer.status_code == 200
    rows = answer.json()["rows"]
    days = {r["date"] for r in rows}
    assert days <= {(today - timedelta(days=n)).isoformat() for n in range(7)} and len(days) >= 6
    for row in rows:
        assert set(row) == {"id", "title", "date", "views", "clicks", "moneySpent", "orders", "ordersMoney"}
        assert row["views"].isdigit() and "," in row["moneySpent"] and "." not in row["moneySpent"]
    expense = account.get(EXPENSE).json()["rows"]
    today_ = today.isoformat()  # today's spend grows between the two calls as the simulator's clock runs
    assert {(r["id"], r["date"]): r["moneySpent"] for r in expense if r["date"] != today_} == {
        (r["id"], r["date"]): r["moneySpent"] for r in rows if r["date"] != today_
    }
    assert {(r["id"], r["date"]) for r in expense} == {(r["id"], r["date"]) for r in rows}
    assert set(expense[0]) == {"id", "date", "title", "moneySpent", "bonusSpent", "prepaymentSpent"}


def test_statistics_query_names_ranges_and_closed_days(simulator, account):
    today = moscow_today(simulator)
    campaign = account.campaigns()[0]["id"]
    start, end = (today - timedelta(days=10)).isoformat(), (today - timedelta(days=1)).isoformat()
    schema = account.get(DAILY, {"campaignIds": campaign, "dateFrom": start, "dateTo": end}).json()["rows"]
    third = account.get(DAILY, {"campaign_ids": campaign, "date_from": start, "date_to": end}).json()["rows"]
    sample = account.get(DAILY, {"campaigns": campaign, "dateFrom": start, "dateTo": end}).json()["rows"]
    assert schema == third == sample and {r["id"] for r in schema} == {campaign}
    assert all(start <= r["date"] <= end for r in schema)
    simulator.control.advance(6 * 3600)  # closed days never change; today grows
    account.sign_in()
    assert account.get(DAILY, {"campaignIds": campaign, "dateFrom": start, "dateTo": end}).json()["rows"] == schema
    bad = account.get(DAILY, {"dateFrom": "05.12.2026"})
    assert bad.status_code == 400 and "parsing time" in bad.json()["error"]
    assert account.get(DAILY, {"dateFrom": end, "dateTo": start}).status_code == 400
    comma = account.get(EXPENSE, {"campaignIds": f"{campaign},1"})
    assert comma.status_code == 400 and comma.json()["error"].startswith('parsing list "campaign_ids"')


def test_today_is_partial_and_a_spike_multiplies_it(simulator, account):
    today = moscow_today(simulator).isoformat()

    def spent() -> Decimal:
        rows = account.get(DAILY, {"dateFrom": today, "dateTo": today}).json()["rows"]
        return sum((rub(r["moneySpent"]) for r in rows), Decimal(0))

    for campaign in account.campaigns():  # no budget gets in the way
        account.control(f"campaigns/{campaign['id']}", state="RUNNING", budget="0")
    before = spent()
    simulator.control.advance(600)
    account.sign_in()
    later = spent()
    assert later >= before
    account.control("spike", factor=4)
    simulator.control.advance(1200)
    account.sign_in()
    assert spent() - later > (later - before) * 2


def test_post_to_daily_is_405_and_unknown_path_404(account):
    assert account.post(DAILY, {}).status_code == 405
    assert account.post(EXPENSE, {}).status_code == 405
    assert account.get("/api/client/nothing").status_code == 404


# --- the asynchronous report ----------------------------------------------------------------------------


def order(account, campaigns, start: date, end: date, **extra) -> httpx.Response:
    body = {"campaigns": campaigns, "dateFrom": start.isoformat(), "dateTo": end.isoformat(), "groupBy": "DATE"}
    return account.post(REPORT, {**body, **extra})


def test_report_states_one_in_flight_and_the_json_shape(simulator, account):
    today = moscow_today(simulator)
    ids = [r["id"] for r in account.campaigns()]
    answer = order(account, ids[:2], today - timedelta(days=7), today - timedelta(days=1))
    assert answer.status_code == 200
    data = answer.json()
    assert set(data) == {"UUID", "vendor"} and data["vendor"] is False
    uuid = data["UUID"]
    state = account.get(f"/api/client/statistics/{uuid}").json()
    assert state["state"] == "NOT_STARTED" and state["kind"] == "STATS" and "link" not in state
    assert state["request"]["campaigns"] == ids[:2]
    busy = order(account, ids[:1], today - timedelta(days=2), today - timedelta(days=1))
    assert busy.status_code == 429
    assert account.get("/api/client/statistics/report", {"UUID": uuid}).status_code == 400
    simulator.control.advance(4)
    assert account.get(f"/api/client/statistics/{uuid}").json()["state"] == "IN_PROGRESS"
    simulator.control.advance(10)
    done = account.get(f"/api/client/statistics/{uuid}").json()
    assert done["state"] == "OK" and done["link"].endswith(uuid)
    report = account.get("/api/client/statistics/report", {"UUID": uuid}).json()
    assert set(report) == set(ids[:2])
    daily = account.get(
        DAILY,
        [("campaignIds", i) for i in ids[:2]]
        + [("dateFrom", (today - timedelta(days=7)).isoformat()), ("dateTo", (today - timedelta(days=1)).isoformat())],
    ).json()["rows"]
    for campaign_id, part in report.items():
        rows = part["report"]["rows"]
        for row in rows:
            datetime.strptime(row["date"], "%d.%m.%Y")
            assert all(value not in ("0", "0,00", "") for value in row.values())  # zero fields omitted
            assert "models" not in row
        spent = sum((rub(r.get("moneySpent", "0")) for r in rows), Decimal(0))
        assert spent == sum((rub(r["moneySpent"]) for r in daily if r["id"] == campaign_id), Decimal(0))
        assert rub(part["report"]["totals"].get("moneySpent", "0")) == spent
    # now another report may be ordered
    assert order(account, ids[:1], today - timedelta(days=2), today - timedelta(days=1)).status_code == 200


def test_report_limits_and_unknown_uuid(simulator, account):
    today = moscow_today(simulator)
    ids = [r["id"] for r in account.campaigns()]
    many = [str(int(ids[0]) + n) for n in range(11)]
    too_many = order(account, many, today - timedelta(days=2), today)
    assert too_many.status_code == 400 and "at most 10" in too_many.json()["error"]
    too_long = order(account, ids[:1], today - timedelta(days=62), today)
    assert too_long.status_code == 400 and "62 days" in too_long.json()["error"]
    assert order(account, [], today, today).status_code == 400
    missing = "00000000-0000-0000-0000-000000000000"
    for answer in (
        account.get("/api/client/statistics/report", {"UUID": missing}),
        account.get(f"/api/client/statistics/{missing}"),
    ):
        assert answer.status_code == 404 and answer.json() == {"error": "report not found"}
    ok = order(account, ids[:1], today - timedelta(days=61), today, groupBy="NO_GROUP_BY")
    assert ok.status_code == 200, ok.text


def test_daily_quota_per_account(simulator, account, perf_http):
    other = Account(simulator, perf_http, simulator.control.create_seller(name="Another ads seller"))
    other.sign_in()
    with simulator.control.configured(ozon={"performance_daily_quota": 3}):
        assert [account.get("/api/client/campaign").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert other.get("/api/client/campaign").status_code == 200
        now = simulator.control.clock()["now"]
        midnight = datetime.combine(moscow_today(simulator) + timedelta(days=1), datetime.min.time(), MOSCOW)
        simulator.control.advance(midnight.timestamp() - now + 1)
        account.sign_in()
        assert account.get("/api/client/campaign").status_code == 200


def test_faults_reach_the_performance_api(simulator, account):
    simulator.control.inject("ozon", "http_error", target=account.client_id, status=502, path="/api/client/campaign")
    assert account.get("/api/client/campaign").status_code == 502
    assert account.get("/api/client/campaign").status_code == 200
