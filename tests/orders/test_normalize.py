"""Normalizers against real simulator answers fetched over HTTP by the real clients, then upserted."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from events.models import Event
from orders import normalize
from orders.models import AfterSalesCase, Order, OrderItem, StockLevel
from orders.services import cases_upsert_page, orders_upsert_page, stock_upsert_page
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

DAY = 86400


def sim_now(simulator) -> datetime:
    return datetime.fromtimestamp(simulator.control.clock()["now"], tz=UTC)


def shopee_details(shopee, simulator, days=3, shop=None):
    now = sim_now(simulator)
    shop = shop or shopee.shop
    refs = list(shop.get_order_list(time_from=now - timedelta(days=days), time_to=now, time_range_field="update_time"))
    return shop.get_order_detail([r.order_sn for r in refs])


def test_shopee_orders_normalize_to_their_platform_facts_and_move_on_with_the_clock(shopee, simulator):
    simulator.control.seed_orders(shopee.shop_id, count=40, days=1, seed=9, cod_ratio=0.2)
    details = shopee_details(shopee, simulator)
    assert len(details) == 40
    rows = [normalize.shopee_order(d) for d in details]
    for detail, row in zip(details, rows, strict=True):
        assert row.order_id == detail.order_sn and row.platform_status == detail.order_status
        assert row.status == normalize.SHOPEE_ORDER_STATUS[detail.order_status]
        assert row.amount == detail.total_amount.quantize(Decimal("0.01")) and row.currency == "SGD"
        assert row.buyer_name == detail.raw["recipient_address"]["name"] != ""
        assert row.ship_by == detail.ship_by_date and row.platform_updated_at == detail.update_time
        assert [(i.sku, i.quantity) for i in row.items] == [
            (f"{i.item_id}:{i.model_id}" if i.model_id else str(i.item_id), i.quantity) for i in detail.items
        ]
        assert row.carrier and row.fulfilment == "seller"
    store = StoreFactory()
    orders_upsert_page(store=store, rows=rows)
    to_ship = {r.order_id for r in rows if r.status == "to_ship"}
    assert set(Event.objects.filter(kind="order.new").values_list("payload__order_id", flat=True)) == to_ship
    assert OrderItem.objects.count() == sum(len(r.items) for r in rows)

    simulator.control.advance(3 * DAY)  # everything paid has shipped by now (the access token expired too)
    token = shopee.client.refresh_access_token(shopee.token.refresh_token, shopee.shop_id)
    shop = shopee.shop_with(token.access_token)
    later = [normalize.shopee_order(d) for d in shopee_details(shopee, simulator, days=5, shop=shop)]
    orders_upsert_page(store=store, rows=later)
    assert orders_upsert_page(store=store, rows=later).events == []  # the same answer twice: nothing new
    shipped = {r.order_id for r in later if r.status in ("shipped", "delivered")}
    assert shipped and shipped <= set(
        Event.objects.filter(kind="order.shipped").values_list("payload__order_id", flat=True)
    )
    assert dict(Order.objects.values_list("order_id", "status")) == {r.order_id: r.status for r in later}


def test_shopee_returns_become_cases_linked_to_their_orders(shopee, simulator):
    seeded = simulator.control.seed_returns(shopee.shop_id, count=6, seed=4)
    now = sim_now(simulator)
    store = StoreFactory()
    orders_upsert_page(
        store=store, rows=[normalize.shopee_order(d) for d in shopee.shop.get_order_detail(seeded["order_sns"])]
    )
    returns = list(shopee.shop.get_return_list(time_from=now - timedelta(days=25), time_to=now))
    rows = [normalize.shopee_case(r) for r in returns]
    assert {r.case_id for r in rows} == set(seeded["return_sns"])
    for ret, row in zip(returns, rows, strict=True):
        assert (row.order_ref, row.platform_status, row.due_at) == (ret.order_sn, ret.status, ret.due_date)
        assert row.status == normalize.SHOPEE_RETURN_STATUS[ret.status] and row.reason == ret.reason
        assert row.buyer_name == ret.raw["user"]["username"]
    cases_upsert_page(store=store, rows=rows)
    assert AfterSalesCase.objects.filter(order__isnull=False).count() == 6


def test_shopee_stock_rows_judge_low_and_out(shopee, simulator):
    seeded = simulator.control.seed_items(shopee.shop_id, count=8, model_ratio=0.5, stock_min=50, stock_max=90, seed=3)[
        "items"
    ]
    plain = next(i for i in seeded if not i["has_model"])
    variant = next(i for i in seeded if i["has_model"])
    simulator.control.set_stock(shopee.shop_id, item_id=plain["item_id"], stock=2)
    simulator.control.set_stock(shopee.shop_id, item_id=variant["item_id"], model_id=variant["model_ids"][0], stock=0)
    stock = shopee.shop.get_stock([r.item_id for r in shopee.shop.get_item_list()])
    rows = [normalize.shopee_stock(r) for r in stock]
    store = StoreFactory()
    stock_upsert_page(store=store, rows=rows)
    states = dict(StockLevel.objects.values_list("sku", "state"))
    assert states.pop(str(plain["item_id"])) == "low"
    assert states.pop(f"{variant['item_id']}:{variant['model_ids'][0]}") == "out"
    assert set(states.values()) == {"ok"}
    assert sorted(Event.objects.values_list("kind", flat=True)) == ["stock.low", "stock.out"]


def test_ozon_fbs_and_fbo_postings_normalize_from_lists_and_the_get(make_ozon, simulator):
    seller, client = make_ozon()
    simulator.control.seed_products(seller["client_id"], count=5, seed=1)
    simulator.control.seed_postings(seller["client_id"], count=25, days=1, seed=2)
    simulator.control.seed_postings(seller["client_id"], count=5, days=1, seed=3, scheme="fbo")
    now = sim_now(simulator)
    fbs = list(client.iter_fbs_postings(since=now - timedelta(days=2), to=now))
    fbo = list(client.iter_fbo_postings(since=now - timedelta(days=2), to=now))
    assert (len(fbs), len(fbo)) == (25, 5)
    rows = [normalize.ozon_order(p) for p in fbs + fbo]
    for posting, row in zip(fbs + fbo, rows, strict=True):
        assert row.order_id == posting.posting_number and row.order_number == posting.order_number
        assert row.status == normalize.OZON_POSTING_STATUS[posting.status]
        assert row.fulfilment == ("seller" if posting.scheme == "fbs" else "platform")
        assert row.amount == sum(p.price.amount * p.quantity for p in posting.products) and row.currency == "RUB"
        assert [(i.sku, i.seller_sku, i.quantity) for i in row.items] == [
            (str(p.sku), p.offer_id, p.quantity) for p in posting.products
        ]
    detail = client.get_fbs_posting(fbs[0].posting_number)
    assert normalize.ozon_order(detail) == rows[0]  # the get answer normalizes like the list row
    store = StoreFactory(platform="ozon", site="RU")
    orders_upsert_page(store=store, rows=rows)
    new = set(Event.objects.filter(kind="order.new").values_list("payload__order_id", flat=True))
    assert new == {r.order_id for r in rows if r.status == "to_ship" and r.fulfilment == "seller"}

    simulator.control.advance(3 * DAY)
    later = [normalize.ozon_order(p) for p in client.iter_fbs_postings(since=now - timedelta(days=2), to=now)]
    assert any(r.tracking_number for r in later)
    orders_upsert_page(store=store, rows=later)
    shipped = set(Event.objects.filter(kind="order.shipped").values_list("payload__order_id", flat=True))
    assert shipped == {r.order_id for r in later if r.status in ("shipped", "delivered")}


def test_ozon_returns_and_stocks_normalize(make_ozon, simulator):
    seller, client = make_ozon()
    seeded = simulator.control.seed_ozon_returns(seller["client_id"], count=4, seed=5)
    simulator.control.seed_products(seller["client_id"], count=6, seed=6, stock_min=20, stock_max=40)
    returns = list(client.iter_returns())
    rows = [normalize.ozon_case(r) for r in returns]
    assert {r.case_id for r in rows} == {str(i) for i in seeded["return_ids"]}
    for ret, row in zip(returns, rows, strict=True):
        assert row.order_ref == ret.posting_number and row.platform_status == ret.status
        assert row.status == normalize.OZON_RETURN_STATUS[ret.status] and row.kind == "return"
        assert row.due_at is not None and row.amount == ret.price.amount.quantize(Decimal("0.01"))
    store = StoreFactory(platform="ozon", site="RU")
    cases_upsert_page(store=store, rows=rows)
    assert AfterSalesCase.objects.count() == 4

    items = list(client.iter_stocks())
    stock_rows = [row for item in items for row in normalize.ozon_stocks(item)]
    assert {r.scheme for r in stock_rows} == {"fbs", "fbo"} and len(stock_rows) == 12
    for item in items:
        for stock, row in zip(item.stocks, normalize.ozon_stocks(item), strict=True):
            assert (row.sku, row.quantity, row.seller_sku) == (
                str(stock.sku),
                stock.present - stock.reserved,
                item.offer_id,
            )
    stock_upsert_page(store=store, rows=stock_rows)
    assert StockLevel.objects.count() == 12 and not Event.objects.filter(kind__startswith="stock").exists()
