"""Yes/no filters read 全部 / 是 / 否 and filter both ways (not Django's "unknown" for "all")."""

import pytest
from django.utils import translation

from orders.filtersets import OrderFilterSet
from orders.models import Order
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_yes_no_filters_offer_all_yes_no_in_chinese_and_filter(rf, django_user_model):
    from django.utils import timezone

    store = StoreFactory()
    common = {"store": store, "fulfilment": "seller", "status": "to_ship", "platform_status": "READY_TO_SHIP"}
    Order.objects.create(order_id="A", synced_at=timezone.now(), **common)
    Order.objects.create(order_id="B", synced_at=timezone.now(), handled_at=timezone.now(), **common)
    request = rf.get("/")
    request.user = django_user_model.objects.create_superuser("root", password="x-Pass-9876")
    with translation.override("zh-hans"):
        html = str(OrderFilterSet({}, queryset=Order.objects.all(), request=request).form["handled"])
    assert '<option value="" selected>全部</option>' in html and ">是<" in html and ">否<" in html
    assert "未知" not in html
    for value, expected in (("true", ["B"]), ("false", ["A"]), ("", ["A", "B"])):
        found = OrderFilterSet({"handled": value}, queryset=Order.objects.all(), request=request).qs
        assert sorted(found.values_list("order_id", flat=True)) == expected
