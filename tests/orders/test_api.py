"""The orders API: buyers masked without order rights, nothing of another store (404), the work actions, and
lists in a fixed number of queries."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from orders.models import AfterSalesCase, Order, StockLevel
from orders.services import cases_upsert_page, orders_upsert_page, stock_upsert_page
from tests.factories import RoleBindingFactory, RoleFactory, StaffFactory, StoreFactory

from .rows import case, page, stock

pytestmark = pytest.mark.django_db


def person(store, *codes):
    someone = StaffFactory()
    RoleBindingFactory(staff=someone, store=store, role=RoleFactory(permissions=list(codes)))
    return someone


def send(client, method, url, data=None):
    return getattr(client, method)(url, data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def shops():
    a, b = StoreFactory(), StoreFactory()
    orders_upsert_page(store=a, rows=page(2))
    orders_upsert_page(store=b, rows=page(1, start=50))
    cases_upsert_page(store=a, rows=[case(1)])
    stock_upsert_page(store=a, rows=[stock(1, 1)])
    return a, b


def test_orders_show_buyers_to_order_rights_only(shops, login):
    a, b = shops
    clerk = login(person(a, "orders_view"))
    rows = send(clerk, "get", reverse("api:order-list")).json()["results"]
    assert {r["buyer_name"] for r in rows} == {"买家0号", "买家1号"}
    assert rows[0]["items"][0]["seller_sku"].startswith("SKU-")
    theirs = Order.objects.get(store=b)
    assert send(clerk, "get", reverse("api:order-detail", args=[theirs.pk])).status_code == 404

    after_sales = login(person(a, "after_sales_view"))
    cases = send(after_sales, "get", reverse("api:case-list")).json()["results"]
    assert [c["buyer_name"] for c in cases] == ["b*****2"]
    assert send(after_sales, "get", reverse("api:order-list")).status_code == 403


def test_work_actions_through_the_api(shops, login):
    a, _b = shops
    agent, colleague = person(a, "after_sales_view", "after_sales_operate"), person(a, "after_sales_operate")
    viewer = person(a, "after_sales_view")
    item = AfterSalesCase.objects.get(store=a)
    client = login(agent)

    claimed = send(client, "post", reverse("api:case-claim", args=[item.pk]), {})
    assert claimed.status_code == 200 and claimed.json()["assignee"] == agent.pk
    refused = send(client, "post", reverse("api:case-hand-over", args=[item.pk]), {"to": viewer.pk})
    assert refused.status_code == 400 and "may not handle" in refused.json()["message"] + str(refused.json())
    handed = send(client, "post", reverse("api:case-hand-over", args=[item.pk]), {"to": colleague.pk})
    assert handed.json()["assignee"] == colleague.pk
    done = send(client, "post", reverse("api:case-handle", args=[item.pk]), {})
    assert done.json()["handled_by"] == agent.pk
    assert AuditEvent.objects.filter(action__startswith="case.").count() == 3

    keeper = login(person(a, "inventory_view", "inventory_operate"))
    level = StockLevel.objects.get(store=a)
    answer = send(keeper, "post", reverse("api:stock-threshold", args=[level.pk]), {"threshold": 0})
    assert answer.json()["effective_threshold"] == 0 and answer.json()["state"] == "ok"


@pytest.mark.parametrize("name", ["api:order-list", "api:case-list", "api:stock-list"])
def test_lists_are_a_fixed_number_of_queries(name, login, django_assert_max_num_queries):
    store = StoreFactory()
    client = login(person(store, "orders_view", "after_sales_view", "inventory_view"))

    def fill(start, count):
        orders_upsert_page(store=store, rows=page(count, start=start, items=2))
        cases_upsert_page(store=store, rows=[case(n) for n in range(start, start + count)])
        stock_upsert_page(store=store, rows=[stock(n, n) for n in range(start, start + count)])

    fill(0, 2)
    send(client, "get", reverse(name))
    with django_assert_max_num_queries(20) as few:
        send(client, "get", reverse(name))
    fill(2, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert send(client, "get", reverse(name), {"page_size": 100}).json()["count"] == 42
