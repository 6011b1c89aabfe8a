"""Buyer personal data: in full for people with order rights on the store, masked for everyone else."""

import pytest

from orders.models import AfterSalesCase, Order
from orders.selectors import case_list, case_public, mask_name, order_list, order_public
from orders.services import cases_upsert_page, orders_upsert_page
from tests.factories import RoleFactory, StaffFactory, StoreFactory

from .rows import case, order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "masked"), [("", ""), ("张", "张*"), ("张三", "张*"), ("王小明", "王*明"), ("buyer1234", "b*******4")]
)
def test_mask_name_keeps_only_the_ends(name, masked):
    assert mask_name(name) == masked


def test_after_sales_colleagues_see_cases_but_not_who_bought(grant):
    store, other = StoreFactory(), StoreFactory()
    orders_upsert_page(store=store, rows=[order(1, "delivered")])
    cases_upsert_page(store=store, rows=[case(1)])
    cases_upsert_page(store=other, rows=[case(2)])
    after_sales, clerk = StaffFactory(), StaffFactory()
    grant(after_sales, RoleFactory(permissions=["after_sales_view"]), store=store)
    grant(clerk, RoleFactory(permissions=["orders_view", "after_sales_view"]), store=store)

    assert list(order_list(viewer=after_sales)) == []
    cases = list(case_list(viewer=after_sales))
    assert [c.case_id for c in cases] == ["RET000001"]
    assert case_public(cases[0], viewer=after_sales)["buyer_name"] == "b*****2"
    assert case_public(AfterSalesCase.objects.get(case_id="RET000001"), viewer=clerk)["buyer_name"] == "buyer42"

    seen = order_public(Order.objects.get(), viewer=clerk)
    assert seen["buyer_name"] == "买家1号"
    assert order_public(Order.objects.get(), viewer=after_sales)["buyer_name"] == "买**号"
    assert [o.order_id for o in order_list(viewer=clerk)] == [order(1).order_id]
