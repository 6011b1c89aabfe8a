"""Page upserts: idempotent, one statement per table per page, transitions announced once in the same transaction."""

from dataclasses import replace

import pytest

from events.models import Event
from orders.models import AfterSalesCase, Order, OrderItem, StockLevel, StoreSettings
from orders.services import cases_upsert_page, orders_upsert_page, stock_upsert_page
from tests.factories import StoreFactory

from .rows import case, order, page, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return StoreFactory()


def kinds(store=None):
    qs = Event.objects.filter(store=store) if store else Event.objects.all()
    return sorted(qs.values_list("dedupe_key", flat=True))


def test_a_new_paid_order_is_stored_with_its_lines_and_announced_once(store):
    result = orders_upsert_page(store=store, rows=[order(1, items=2)])
    saved = Order.objects.get()
    assert (saved.store_id, saved.order_id, saved.status, saved.previous_status) == (
        store.pk,
        order(1).order_id,
        "to_ship",
        None,
    )
    assert [(i.line, i.seller_sku, i.quantity) for i in saved.items.all()] == [(0, "SKU-1-0", 1), (1, "SKU-1-1", 2)]
    assert result.inserted == [saved.order_id] and len(result.events) == 1
    event = Event.objects.get()
    assert event.dedupe_key == f"order.new:{store.pk}:{saved.order_id}"
    assert event.payload["customer"] == "买家1号" and event.payload["quantity"] == 3
    assert [i["sku"] for i in event.payload["items"]] == ["SKU-1-0", "SKU-1-1"]


def test_re_upserting_the_same_page_changes_nothing_and_emits_nothing(store, django_assert_num_queries):
    rows = page(20)
    orders_upsert_page(store=store, rows=rows)
    before = list(Order.objects.values_list("id", "synced_at", "previous_status"))
    with django_assert_num_queries(3):  # savepoint, the orders statement (its commit relaxed), savepoint release
        result = orders_upsert_page(store=store, rows=rows)
    assert (result.inserted, result.updated, result.events) == ([], [], [])
    assert list(Order.objects.values_list("id", "synced_at", "previous_status")) == before
    assert Event.objects.count() == 20


def test_unpaid_orders_are_not_new_until_paid(store):
    orders_upsert_page(store=store, rows=[order(1, "pending", platform_status="UNPAID")])
    assert kinds() == []
    orders_upsert_page(store=store, rows=[order(1, "to_ship", minutes=5)])
    assert kinds() == [f"order.new:{store.pk}:{order(1).order_id}"]


def test_shipping_and_cancelling_are_announced_once_each(store):
    orders_upsert_page(store=store, rows=[order(1), order(2)])
    shipped = replace(order(1, "shipped", minutes=10), tracking_number="SG123456789IT")
    orders_upsert_page(store=store, rows=[shipped, order(2, "cancelled", minutes=10)])
    orders_upsert_page(store=store, rows=[order(1, "delivered", minutes=20), order(2, "cancelled", minutes=10)])
    key1, key2 = order(1).order_id, order(2).order_id
    assert kinds() == sorted(
        [
            f"order.cancelled:{store.pk}:{key2}",
            f"order.new:{store.pk}:{key1}",
            f"order.new:{store.pk}:{key2}",
            f"order.shipped:{store.pk}:{key1}",
        ]
    )
    event = Event.objects.get(kind="order.shipped")
    assert event.payload["tracking_number"] == "SG123456789IT" and event.payload["carrier"] == "SPX"
    # the tracking number learned once is kept when a later answer (Shopee's order detail) has none
    assert Order.objects.get(order_id=key1).tracking_number == "SG123456789IT"


def test_an_order_first_seen_shipped_is_announced_shipped_not_new(store):
    orders_upsert_page(store=store, rows=[order(1, "shipped")])
    assert kinds() == [f"order.shipped:{store.pk}:{order(1).order_id}"]


def test_orders_the_platform_fulfils_announce_nothing(store):
    orders_upsert_page(store=store, rows=[order(1, fulfilment="platform")])
    orders_upsert_page(store=store, rows=[order(1, "shipped", fulfilment="platform", minutes=3)])
    assert Order.objects.get().status == "shipped" and kinds() == []


def test_an_older_snapshot_never_overwrites_a_newer_one(store):
    orders_upsert_page(store=store, rows=[order(1, "shipped", minutes=30)])
    result = orders_upsert_page(store=store, rows=[order(1, "to_ship", minutes=10)])
    assert result.updated == [] and Order.objects.get().status == "shipped"
    assert kinds() == [f"order.shipped:{store.pk}:{order(1).order_id}"]


def test_changed_lines_are_rewritten_and_surplus_lines_removed(store):
    orders_upsert_page(store=store, rows=[order(1, items=3)])
    orders_upsert_page(store=store, rows=[order(1, items=1, minutes=1)])
    assert list(OrderItem.objects.values_list("line", "seller_sku")) == [(0, "SKU-1-0")]


def test_history_can_be_imported_without_announcing(store):
    orders_upsert_page(store=store, rows=page(5), announce=False)
    assert Order.objects.count() == 5 and kinds() == []


def test_a_page_with_one_order_twice_keeps_the_last(store):
    orders_upsert_page(store=store, rows=[order(1), order(1, "shipped", minutes=1)])
    assert Order.objects.get().status == "shipped"


def test_the_same_order_id_in_two_stores_is_two_orders(store):
    other = StoreFactory()
    orders_upsert_page(store=store, rows=[order(1)])
    orders_upsert_page(store=other, rows=[order(1)])
    assert Order.objects.count() == 2 and len(kinds()) == 2


@pytest.mark.parametrize("size", [10, 50, 100])
def test_statements_per_page_do_not_grow_with_the_page(store, size, django_assert_num_queries):
    # savepoint + orders (relaxing the commit in the same round trip) + lines + events + release, for a page of
    # new orders of any size
    with django_assert_num_queries(5):
        orders_upsert_page(store=store, rows=page(size, items=2))
    # savepoint + orders + events + release, for the same orders shipped (lines unchanged)
    with django_assert_num_queries(4):
        orders_upsert_page(store=store, rows=page(size, "shipped", minutes=5, items=2))
    # a page whose lines changed adds the surplus-lines delete
    with django_assert_num_queries(5):
        orders_upsert_page(store=store, rows=page(size, "shipped", minutes=6, items=1))
    assert Event.objects.count() == 2 * size and OrderItem.objects.count() == size


# --- after-sales -----------------------------------------------------------------------------------


def test_cases_link_to_their_order_and_announce_new_then_each_new_status(store, django_assert_num_queries):
    orders_upsert_page(store=store, rows=[order(1, "delivered")])
    with django_assert_num_queries(5):  # savepoint, relaxed commit, cases, events, release
        cases_upsert_page(store=store, rows=[case(1), case(2, order_ref="UNKNOWN")])
    assert AfterSalesCase.objects.get(case_id="RET000001").order.order_id == order(1).order_id
    assert AfterSalesCase.objects.get(case_id="RET000002").order is None
    cases_upsert_page(store=store, rows=[case(1, "processing", minutes=5)])
    cases_upsert_page(store=store, rows=[case(1, "processing", minutes=5)])
    cases_upsert_page(store=store, rows=[case(1, "accepted", minutes=9)])
    assert [k for k in kinds() if k.startswith("aftersales")] == sorted(
        [
            f"aftersales.new:{store.pk}:RET000001",
            f"aftersales.new:{store.pk}:RET000002",
            f"aftersales.updated:{store.pk}:RET000001:accepted",
            f"aftersales.updated:{store.pk}:RET000001:processing",
        ]
    )
    payload = Event.objects.get(dedupe_key=f"aftersales.new:{store.pk}:RET000001").payload
    assert payload["issue"] == "ITEM_DAMAGED" and payload["due_date"].startswith("2026-03-04")


def test_a_case_that_arrives_before_its_order_is_linked_later(store):
    cases_upsert_page(store=store, rows=[case(1)])
    orders_upsert_page(store=store, rows=[order(1, "delivered")])
    cases_upsert_page(store=store, rows=[case(1)])
    assert AfterSalesCase.objects.get().order.order_id == order(1).order_id
    assert [k for k in kinds() if k.startswith("aftersales")] == [f"aftersales.new:{store.pk}:RET000001"]


def test_closed_cases_first_seen_are_history_not_news(store):
    cases_upsert_page(store=store, rows=[case(1, "closed")])
    assert kinds() == []


# --- stock ---------------------------------------------------------------------------------------


def test_stock_turning_low_and_out_is_announced_once_per_episode(store, django_assert_num_queries):
    StoreSettings.objects.create(store=store, low_stock_threshold=10)
    with django_assert_num_queries(6):  # savepoint, relaxed commit, threshold, stock, events, release
        stock_upsert_page(store=store, rows=[stock(1, 50), stock(2, 3), stock(3, 0)])
    assert dict(StockLevel.objects.values_list("sku", "state")) == {"1001": "ok", "1002": "low", "1003": "out"}
    stock_upsert_page(store=store, rows=[stock(1, 8), stock(2, 2), stock(3, 0)])  # 1 turns low; 2 stays low
    stock_upsert_page(store=store, rows=[stock(1, 0)])  # 1 runs out in the same episode
    stock_upsert_page(store=store, rows=[stock(1, 40)])  # restocked
    stock_upsert_page(store=store, rows=[stock(1, 9)])  # a second episode
    stock_upsert_page(store=store, rows=[stock(1, 9)])  # seen again: nothing
    p = store.pk
    assert kinds() == sorted(
        [
            f"stock.low:{p}::1001:1",
            f"stock.out:{p}::1001:1",
            f"stock.low:{p}::1001:2",
            f"stock.low:{p}::1002:1",
            f"stock.out:{p}::1003:1",
        ]
    )


def test_a_sku_override_beats_the_store_threshold(store, settings):
    settings.SHOPCREW_LOW_STOCK_THRESHOLD = 5
    stock_upsert_page(store=store, rows=[stock(1, 20, "fbs"), stock(1, 20, "fbo")])
    StockLevel.objects.filter(scheme="fbs").update(low_stock_threshold=25)
    stock_upsert_page(store=store, rows=[stock(1, 19, "fbs"), stock(1, 19, "fbo")])
    assert dict(StockLevel.objects.values_list("scheme", "state")) == {"fbs": "low", "fbo": "ok"}
    event = Event.objects.get()
    assert event.dedupe_key == f"stock.low:{store.pk}:fbs:1001:1" and event.payload["threshold"] == 25


@pytest.mark.django_db(transaction=True)
def test_an_order_page_commits_without_waiting_for_the_disk_and_only_that_transaction(store):
    from django.db import connection, transaction

    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    with transaction.atomic():
        orders_upsert_page(store=store, rows=page(3))
        assert setting() == "off"
    assert setting() == "on"
    assert Order.objects.filter(store=store).count() == 3
