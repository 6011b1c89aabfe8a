"""OzonClient against the running Ozon simulator over HTTP: postings (v4 and v3), returns, stocks, errors."""

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from stores.clients.errors import (
    InvalidCredentials,
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
    TransportError,
)
from stores.clients.http import NO_RETRY

from .conftest import SHORT_TIMEOUT

UNFULFILLED = {
    "awaiting_registration",
    "acceptance_in_progress",
    "awaiting_approve",
    "awaiting_packaging",
    "awaiting_deliver",
}


def window(days=31):
    now = datetime.now(UTC)
    return {"since": now - timedelta(days=days), "to": now + timedelta(days=1)}


def test_fbs_postings_page_through_the_v4_cursor_list_without_duplicate_or_gap(make_ozon, simulator, request_log):
    seller, client = make_ozon()
    seeded = simulator.control.seed_postings(seller["client_id"], count=1_000, days=30)["posting_numbers"]
    log = request_log("ozon")
    numbers = [p.posting_number for p in client.iter_fbs_postings(**window())]
    assert len(numbers) == len(set(numbers)) == 1_000 and set(numbers) == set(seeded)
    calls = log.calls()
    assert {c["path"] for c in calls} == {"/v4/posting/fbs/list"} and len(calls) == 10
    assert all(c["body"]["limit"] == 100 for c in calls)


def test_the_legacy_v3_offset_list_behind_the_flag_gives_the_same_postings_and_money(make_ozon, simulator, request_log):
    seller, v4 = make_ozon()
    _, v3 = make_ozon(seller, fbs_list_version="v3")
    simulator.control.seed_postings(seller["client_id"], count=250, days=30)
    log = request_log("ozon")
    old = {p.posting_number: p for p in v3.iter_fbs_postings(**window(), limit=40)}
    assert {c["path"] for c in log.calls()} == {"/v3/posting/fbs/list"}
    new = {p.posting_number: p for p in v4.iter_fbs_postings(**window())}
    assert old.keys() == new.keys() and len(old) == 250
    for number, posting in new.items():
        assert [p.price for p in posting.products] == [p.price for p in old[number].products]  # normalized Money
        assert posting.products[0].price.currency == "RUB"


def test_v3_switched_off_is_not_found_rather_than_bad_keys(make_ozon, simulator):
    seller, v3 = make_ozon(fbs_list_version="v3")
    with simulator.control.configured(ozon={"v3_fbs_enabled": False}), pytest.raises(NotFound):
        list(v3.iter_fbs_postings(**window()))


def test_statuses_filter_and_the_unfulfilled_list(make_ozon, simulator):
    seller, client = make_ozon()
    simulator.control.seed_postings(seller["client_id"], count=300, days=10)
    delivered = list(client.iter_fbs_postings(**window(), statuses=["delivered"]))
    assert delivered and {p.status for p in delivered} == {"delivered"}
    now = datetime.now(UTC)
    unfulfilled = list(
        client.iter_unfulfilled_fbs_postings(
            cutoff_from=now - timedelta(days=30), cutoff_to=now + timedelta(days=30), limit=20
        )
    )
    assert unfulfilled and {p.status for p in unfulfilled} <= UNFULFILLED
    assert len({p.posting_number for p in unfulfilled}) == len(unfulfilled)


def test_posting_detail_matches_the_simulated_state_and_moves_with_the_clock(make_ozon, simulator):
    seller, client = make_ozon()
    numbers = simulator.control.seed_postings(seller["client_id"], count=20, days=0.02, cancel_ratio=0)[
        "posting_numbers"
    ]
    posting = client.get_fbs_posting(numbers[0])
    truth = simulator.control.posting(seller["client_id"], numbers[0])
    assigned = truth["tracking_at"] is not None and truth["tracking_at"] <= time.time()
    assert posting.status == truth["status"]
    assert posting.tracking_number == (truth["tracking_number"] if assigned else "")
    assert posting.products and posting.in_process_at is not None
    simulator.control.advance(20 * 86400)
    later = client.get_fbs_posting(numbers[0])
    assert later.tracking_number == truth["tracking_number"] != ""
    assert later.status == simulator.control.posting(seller["client_id"], numbers[0])["status"] != truth["status"]
    with pytest.raises(NotFound):
        client.get_fbs_posting("00000000-0000-1")


def test_fbo_postings_come_from_the_v3_cursor_list(make_ozon, simulator, request_log):
    seller, client = make_ozon()
    seeded = simulator.control.seed_postings(seller["client_id"], count=230, days=20, scheme="fbo")["posting_numbers"]
    log = request_log("ozon")
    postings = list(client.iter_fbo_postings(**window()))
    assert sorted(p.posting_number for p in postings) == sorted(seeded)
    assert {p.scheme for p in postings} == {"fbo"} and {c["path"] for c in log.calls()} == {"/v3/posting/fbo/list"}
    assert all(product.price is not None for p in postings for product in p.products)


def test_returns_page_by_last_id(make_ozon, simulator):
    seller, client = make_ozon()
    seeded = simulator.control.seed_ozon_returns(seller["client_id"], count=33)["return_ids"]
    returns = list(client.iter_returns(limit=10))
    assert sorted(r.id for r in returns) == sorted(seeded)
    assert all(r.status and r.posting_number for r in returns)
    now = datetime.now(UTC)
    dated = list(
        client.iter_returns(
            time_from=now - timedelta(days=120),
            time_to=now + timedelta(days=1),
            date_field="visual_status_change_moment",
        )
    )
    assert {r.id for r in dated} <= set(seeded)


def test_stocks_page_by_cursor_and_report_present_and_reserved(make_ozon, simulator):
    seller, client = make_ozon()
    products = simulator.control.seed_products(seller["client_id"], count=25)["products"]
    simulator.control.set_ozon_stock(
        seller["client_id"], offer_id=products[0]["offer_id"], fbs_present=7, fbs_reserved=2
    )
    items = list(client.iter_stocks(limit=10))
    assert sorted(i.product_id for i in items) == sorted(p["product_id"] for p in products)
    first = next(i for i in items if i.offer_id == products[0]["offer_id"])
    fbs = next(s for s in first.stocks if s.type == "fbs")
    assert (fbs.present, fbs.reserved, fbs.available) == (7, 2, 5)
    only = list(client.iter_stocks(offer_ids=[products[1]["offer_id"]]))
    assert [i.offer_id for i in only] == [products[1]["offer_id"]]


# --- credentials and limits ----------------------------------------------------------------------------


def test_wrong_deactivated_or_underprivileged_keys_are_invalid_credentials(make_ozon, simulator):
    seller, _ = make_ozon()
    _, wrong = make_ozon({**seller, "api_key": "not-the-key"})
    with pytest.raises(InvalidCredentials) as unknown:
        wrong.verify()
    assert unknown.value.status == 404 and unknown.value.code == "5"
    _, client = make_ozon(seller)
    client.verify()
    simulator.control.update_seller(seller["client_id"], roles=["orders"])
    with pytest.raises(InvalidCredentials) as role:
        client.verify()
    simulator.control.update_seller(seller["client_id"], roles=["admin"], active=False)
    with pytest.raises(InvalidCredentials) as inactive:
        client.verify()
    assert role.value.status == inactive.value.status == 403


def test_the_per_second_limit_is_rate_limited_with_a_hint(make_ozon, simulator):
    seller, client = make_ozon(retry=NO_RETRY)
    with simulator.control.configured(ozon={"rps_limit": 2}), pytest.raises(RateLimited) as caught:
        for _ in range(10):
            client.verify()
    assert caught.value.status == 429 and caught.value.retry_after >= 1


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("http_error", {"status": 500}),
        ("http_error", {"status": 502}),
        ("malformed_json", {}),
        ("wrong_types", {}),
        ("rate_limit", {}),
        ("timeout", {"delay": 0.6}),
    ],
)
def test_a_passing_fault_is_retried_to_success(make_ozon, simulator, inject, sleeps, kind, options):
    seller, client = make_ozon(timeout=SHORT_TIMEOUT)
    simulator.control.seed_postings(seller["client_id"], count=5, days=3)
    inject("ozon", kind, target=seller["client_id"], path="/v4/posting/fbs/list", **options)
    assert len(list(client.iter_fbs_postings(**window()))) == 5
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    ("kind", "options", "expected"),
    [
        ("http_error", {"status": 500}, ServerError),
        ("http_error", {"status": 504}, ServerError),
        ("malformed_json", {}, MalformedResponse),
        ("wrong_types", {}, MalformedResponse),
        ("rate_limit", {}, RateLimited),
        ("timeout", {"delay": 0.6}, TransportError),
    ],
)
def test_a_lasting_fault_gives_a_typed_error(make_ozon, simulator, inject, sleeps, kind, options, expected):
    seller, client = make_ozon(timeout=SHORT_TIMEOUT)
    simulator.control.seed_postings(seller["client_id"], count=5, days=3)
    inject("ozon", kind, target=seller["client_id"], count=3, **options)
    with pytest.raises(expected) as caught:
        list(client.iter_fbs_postings(**window()))
    assert caught.value.retryable and caught.value.platform == "ozon" and len(sleeps) == 2


def test_the_get_answer_decodes_dimensions_tariffs_and_no_loading_option(make_ozon, simulator):
    """The corrected v3 get shapes (platform-apis.md 2.4): products' dimensions as four decimal strings, the
    tariffication array, prr_option null — all decoded by the client, which refuses the old object shape."""
    seller, client = make_ozon()
    number = simulator.control.seed_postings(seller["client_id"], count=1, days=0.01, seed=21)["posting_numbers"][0]
    posting = client.get_fbs_posting(number)
    dims = posting.products[0].dimensions
    assert dims is not None and all(v > 0 for v in (dims.height, dims.length, dims.weight, dims.width))
    assert len(posting.tariffication) == 1 and posting.tariffication[0].current_rate == 0
    assert posting.prr_option is None
    listed = next(
        iter(client.iter_fbs_postings(since=posting.in_process_at - timedelta(hours=1), to=posting.in_process_at))
    )
    assert listed.products[0].dimensions is None and listed.tariffication


def test_legacy_shapes_of_tariffication_and_prr_option(make_ozon):
    from stores.clients.ozon import _posting

    base = {"posting_number": "1-2-3", "status": "awaiting_packaging", "products": []}
    assert _posting({**base, "prr_option": ""}, "fbs", "p").prr_option is None
    option = {"code": "lift", "price": "150.00", "currency_code": "RUB", "floor": "3"}
    assert _posting({**base, "prr_option": option}, "fbs", "p").prr_option.price == Decimal("150.00")
    with pytest.raises(MalformedResponse):
        _posting({**base, "tariffication": {"current_tariff_rate": 0}}, "fbs", "p")


def test_stocks_paging_ends_when_the_last_page_is_exactly_full(make_ozon, simulator, request_log):
    """The last page hands back a non-empty cursor; with 20 products and pages of 10 the client asks once more,
    gets no items, and stops — never looping on a cursor that does not run out."""
    seller, client = make_ozon()
    simulator.control.seed_products(seller["client_id"], count=20, seed=22)
    log = request_log("ozon")
    assert len(list(client.iter_stocks(limit=10))) == 20
    assert len(log.calls("/v4/product/info/stocks")) == 3
