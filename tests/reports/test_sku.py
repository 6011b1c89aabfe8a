"""One SKU across every store the viewer may see: shortage and surplus side by side, a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from core.testing import verified_login
from tests.factories import StoreFactory

from .conftest import order, stock


def test_one_sku_in_every_store_with_shortage_and_surplus(world, sa, client):
    recent = timezone.now() - timedelta(days=2)
    order(world["a"], at=recent, amount=Decimal(10), items=[("SKU-1", 30)])  # A sells 1 a day: 50 is 50 days
    verified_login(client, sa)
    response = client.get(reverse("reports:sku_stock"), {"sku": "SKU-1"})
    assert response.status_code == 200
    lines = {s.store.name: s for s in response.context["lines"]}
    assert set(lines) == {"A店", "B店", "C店"}
    assert [s.store.name for s in response.context["shortages"]] == ["C店"]
    assert [s.store.name for s in response.context["surpluses"]] == ["B店"]  # 300 and nothing sold
    assert lines["A店"].days_of_cover == 50.0 and not lines["A店"].surplus
    assert response.context["total"] == 351


def test_only_visible_stores_and_a_search_by_part_of_the_sku(world, viewer_of, client):
    verified_login(client, viewer_of(world["a"]))
    response = client.get(reverse("reports:sku_stock"), {"sku": "SKU-1"})
    assert [s.store.name for s in response.context["lines"]] == ["A店"]
    response = client.get(reverse("reports:sku_stock"), {"sku": "SKU"})
    assert response.context["matches"] == ["SKU-1", "SKU-2", "SKU-3", "SKU-4"]


def test_a_fixed_number_of_queries_whatever_the_number_of_stores(world, sa, client, django_assert_max_num_queries):
    verified_login(client, sa)
    for count in (5, 50):
        for _ in range(count):
            stock(StoreFactory(), "SKU-1", 7, "ok")
        with django_assert_max_num_queries(14):
            assert client.get(reverse("reports:sku_stock"), {"sku": "SKU-1"}).status_code == 200
