"""Orders, after-sales and stock pages: buyer names only with order rights, nothing of a store outside the
viewer's rights (404), a fixed number of queries, the work actions and the work settings form."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from orders.choices import AssignmentMode
from orders.models import AfterSalesCase, Order, StockLevel, StoreSettings
from orders.services import cases_upsert_page, orders_upsert_page, stock_upsert_page
from tests.factories import RoleBindingFactory, RoleFactory, StaffFactory, StoreFactory

from .rows import case, page, stock

pytestmark = pytest.mark.django_db


def person(store, *codes, **fields):
    someone = StaffFactory(**fields)
    RoleBindingFactory(staff=someone, store=store, role=RoleFactory(permissions=list(codes)))
    return someone


@pytest.fixture
def shops():
    a, b = StoreFactory(name="A店"), StoreFactory(name="B店")
    orders_upsert_page(store=a, rows=page(3))
    orders_upsert_page(store=b, rows=page(2, start=50))
    cases_upsert_page(store=a, rows=[case(1)])
    cases_upsert_page(store=b, rows=[case(50)])
    stock_upsert_page(store=a, rows=[stock(1, 0), stock(2, 2), stock(3, 40)])
    return a, b


def text(response) -> str:
    return response.content.decode()


def test_order_pages_show_the_buyer_to_order_rights_and_nothing_of_other_stores(shops, login):
    a, b = shops
    clerk = person(a, "orders_view")
    client = login(clerk)

    listing = text(client.get(reverse("orders:order_list")))
    assert "买家1号" in listing and "260301ORD00001" in listing
    assert "260301ORD00050" not in listing
    mine = Order.objects.get(store=a, order_id="260301ORD00001")
    assert "买家1号" in text(client.get(reverse("orders:order_detail", args=[mine.pk])))
    theirs = Order.objects.filter(store=b).first()
    assert client.get(reverse("orders:order_detail", args=[theirs.pk])).status_code == 404


def test_case_pages_mask_the_buyer_without_order_rights(shops, login):
    a, b = shops
    after_sales = person(a, "after_sales_view")
    both = person(a, "after_sales_view", "orders_view")
    mine = AfterSalesCase.objects.get(store=a)
    theirs = AfterSalesCase.objects.get(store=b)

    client = login(after_sales)
    assert client.get(reverse("orders:order_list")).status_code == 403
    listing = text(client.get(reverse("orders:case_list")))
    assert "b*****2" in listing and "buyer42" not in listing and "RET000050" not in listing
    detail = text(client.get(reverse("orders:case_detail", args=[mine.pk])))
    assert "b*****2" in detail and "buyer42" not in detail
    assert client.get(reverse("orders:case_detail", args=[theirs.pk])).status_code == 404

    client = login(both)
    assert "buyer42" in text(client.get(reverse("orders:case_detail", args=[mine.pk])))


@pytest.mark.parametrize(
    ("url", "codes"),
    [
        ("orders:order_list", ["orders_view", "orders_operate"]),
        ("orders:case_list", ["after_sales_view", "after_sales_operate"]),
        ("orders:stock_list", ["inventory_view", "inventory_operate"]),
    ],
)
def test_lists_are_a_fixed_number_of_queries(url, codes, login):
    store = StoreFactory()
    viewer = person(store, *codes)
    client = login(viewer)

    def fill(start, count):
        orders_upsert_page(store=store, rows=page(count, start=start))
        cases_upsert_page(store=store, rows=[case(n) for n in range(start, start + count)])
        stock_upsert_page(store=store, rows=[stock(n, n % 4) for n in range(start, start + count)])
        Order.objects.filter(store=store).update(assignee=viewer)
        AfterSalesCase.objects.filter(store=store).update(assignee=StaffFactory())

    fill(0, 2)
    client.get(reverse(url))  # the first request of a session loads what every later one has cached
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(url)).status_code == 200
    fill(2, 30)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(url))
    assert response.status_code == 200
    assert len(many) == len(few), "\n".join(q["sql"][:150] for q in many)


def test_claim_hand_over_and_handle_from_the_pages(shops, login):
    a, _b = shops
    clerk, colleague = person(a, "orders_view", "orders_operate"), person(a, "orders_view", "orders_operate")
    viewer_only = person(a, "orders_view")
    item = Order.objects.get(store=a, order_id="260301ORD00001")
    client = login(clerk)

    client.post(reverse("orders:order_claim", args=[item.pk]))
    assert Order.objects.get(pk=item.pk).assignee == clerk
    response = client.post(reverse("orders:order_hand_over", args=[item.pk]), {"to": viewer_only.pk}, follow=True)
    assert Order.objects.get(pk=item.pk).assignee == clerk
    assert "请选择一位负责本店铺工作的同事" in text(response)  # the console speaks Chinese by default
    client.post(reverse("orders:order_hand_over", args=[item.pk]), {"to": colleague.pk})
    assert Order.objects.get(pk=item.pk).assignee == colleague
    client.post(reverse("orders:order_handle", args=[item.pk]))
    assert Order.objects.get(pk=item.pk).handled_by == clerk
    actions = list(
        AuditEvent.objects.filter(action__startswith="order.").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["order.claim", "order.hand_over", "order.handle"]

    login(viewer_only)
    other = Order.objects.get(store=a, order_id="260301ORD00002")
    assert client.post(reverse("orders:order_claim", args=[other.pk])).status_code == 403


def test_work_settings_take_only_colleagues_with_the_right(shops, login):
    a, _b = shops
    manager = person(a, "settings_manage", "settings_view")
    agent = person(a, "after_sales_operate")
    stranger = person(StoreFactory(), "orders_operate")
    client = login(manager)
    url = reverse("orders:work_settings", args=[a.pk])

    page_text = text(client.get(url))
    assert agent.name in page_text and stranger.name not in page_text
    refused = client.post(url, {"assignment_mode": "round_robin", "on_duty": [stranger.pk], "escalation_hours": 6})
    assert refused.status_code == 200 and not StoreSettings.objects.filter(store=a).exists()
    client.post(url, {"assignment_mode": "round_robin", "on_duty": [agent.pk], "escalation_hours": 6})
    row = StoreSettings.objects.get(store=a)
    assert row.assignment_mode == AssignmentMode.ROUND_ROBIN and list(row.on_duty.all()) == [agent]
    assert AuditEvent.objects.filter(action="order_settings.update").count() == 1


def test_stock_filter_and_threshold_override(shops, login):
    a, _b = shops
    keeper = person(a, "inventory_view", "inventory_operate")
    client = login(keeper)

    listing = text(client.get(reverse("orders:stock_list"), {"state": "attention"}))
    assert "SKU-1" in listing and "SKU-2" in listing and "SKU-3" not in listing
    roomy = StockLevel.objects.get(store=a, seller_sku="SKU-3")
    client.post(reverse("orders:stock_threshold", args=[roomy.pk]), {"threshold": "50"})
    assert StockLevel.objects.get(pk=roomy.pk).state == "low"
    assert AuditEvent.objects.filter(action="stock.threshold").count() == 1
    client.post(reverse("orders:store_threshold", args=[a.pk]), {"threshold": "1"})
    assert StockLevel.objects.get(store=a, seller_sku="SKU-2").state == "ok"


def test_my_duties_shows_the_work_waiting_on_me(shops, login):
    a, b = shops
    clerk = person(a, "orders_view", "orders_operate", "after_sales_operate", "inventory_view")
    StoreSettings.objects.create(store=a, assignment_mode=AssignmentMode.CLAIM).on_duty.set([clerk])
    Order.objects.filter(store=a, order_id="260301ORD00002").update(assignee=StaffFactory())

    body = text(login(clerk).get(reverse("rbac:my_duties")))

    assert "my-work" in body, body[:3000]
    section = body[body.index('id="my-work"') :]
    assert re.search(r"260301ORD00000.*260301ORD00001", section, re.S)
    assert "260301ORD00002" not in section and "260301ORD00050" not in section
    assert "RET000001" in section and "RET000050" not in section
    assert "A店" in section[section.index("my-low-stock") :]


def test_the_store_page_links_to_its_work(shops, login):
    a, _b = shops
    manager = person(a, "settings_manage", "orders_view")
    body = text(login(manager).get(a.get_absolute_url()))
    assert reverse("orders:work_settings", args=[a.pk]) in body
    assert f"{reverse('orders:order_list')}?store={a.pk}" in body


def test_my_duties_costs_the_same_however_much_work_waits(login):
    store = StoreFactory()
    clerk = person(store, "orders_view", "orders_operate", "after_sales_operate", "inventory_view")
    StoreSettings.objects.create(store=store).on_duty.set([clerk])
    client = login(clerk)
    orders_upsert_page(store=store, rows=page(2))
    client.get(reverse("rbac:my_duties"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("rbac:my_duties"))
    orders_upsert_page(store=store, rows=page(40, start=10))
    cases_upsert_page(store=store, rows=[case(n) for n in range(40)])
    stock_upsert_page(store=store, rows=[stock(n, n % 3) for n in range(40)])
    with CaptureQueriesContext(connection) as many:
        body = text(client.get(reverse("rbac:my_duties")))
    assert len(many) == len(few)
    assert "260301ORD00049" not in body or body.count("/orders/cases/") <= 2 * 20 + 2  # first rows, not all


def test_filters_by_assignee_mine_and_unassigned(shops, login):
    a, _b = shops
    clerk = person(a, "orders_view", "orders_operate")
    colleague = person(a, "orders_view", "orders_operate")
    Order.objects.filter(store=a, order_id="260301ORD00000").update(assignee=clerk)
    Order.objects.filter(store=a, order_id="260301ORD00001").update(assignee=colleague)
    client = login(clerk)

    def shown(**query):
        body = text(client.get(reverse("orders:order_list"), query))
        return sorted(set(re.findall(r"260301ORD000\d\d", body)))

    assert shown(mine="true") == ["260301ORD00000"]
    assert shown(assignee=colleague.pk) == ["260301ORD00001"]
    assert shown(unassigned="true") == ["260301ORD00002"]
    assert shown(q="ORD00002") == ["260301ORD00002"]
    found = client.get(reverse("staff:staff_lookup"), {"scope": "orders_view", "q": colleague.name}).json()
    assert [r["id"] for r in found["results"]] == [colleague.pk]
