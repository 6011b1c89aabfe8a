"""Daily and weekly digests per store and per department: the figures of a small fixture, each store's day in
its own time zone, written once, in a number of queries that does not grow with the stores."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.choices import EventKind
from events.models import Event
from orders.digests import digests_emit_due
from orders.services import cases_upsert_page, orders_upsert_page, stock_upsert_page
from tests.factories import DepartmentFactory, StaffFactory, StoreFactory

from .rows import T0, case, order, stock

pytestmark = pytest.mark.django_db

MORNING_SG = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Singapore and Shanghai, 05:00 in Moscow
MORNING_RU = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # 10:00 in Moscow


@pytest.fixture
def stores():
    owner = StaffFactory(department=DepartmentFactory(name="店铺管理"))
    sg = StoreFactory(site="SG", primary_owner=owner)
    ru = StoreFactory(platform="ozon", site="RU", primary_owner=owner)
    orders_upsert_page(store=sg, rows=[order(1), order(2), order(3, "pending"), order(4, "cancelled")])
    orders_upsert_page(store=sg, rows=[order(1, "shipped", minutes=60), order(2, "shipped", minutes=60, ship_by=T0)])
    orders_upsert_page(store=ru, rows=[order(5, currency="RUB")])
    orders_upsert_page(store=sg, rows=[order(6, platform_created_at=T0 - timedelta(days=1))])  # the day before
    cases_upsert_page(store=sg, rows=[case(1), case(2, status="closed")])
    stock_upsert_page(store=sg, rows=[stock(1, 0), stock(2, 3), stock(3, 50)])
    return sg, ru


def digests(kind=EventKind.DIGEST_DAILY):
    return {e.dedupe_key: e.payload for e in Event.objects.filter(kind=kind)}


def test_daily_figures_per_store_and_department(stores):
    sg, ru = stores

    digests_emit_due(now=MORNING_SG)

    found = digests()
    department = next(k for k in found if ":department:" in k)
    assert set(found) == {f"digest.daily:store:{sg.pk}:2026-03-01", department}  # Moscow's morning is later
    mine = found[f"digest.daily:store:{sg.pk}:2026-03-01"]
    assert mine["period"] == "03-01"
    assert mine["orders"] == 3  # the unpaid one is not counted, the cancelled one is
    assert mine["sales"] == "28.00 SGD" and mine["sales_by_currency"] == {"SGD": "28.00"}
    assert (mine["shipped"], mine["shipped_on_time_count"], mine["shipped_on_time"]) == (2, 1, "50%")
    assert (mine["open_cases"], mine["low_stock"]) == (1, 2)
    whole = found[department]
    assert whole["department"] == "店铺管理" and whole["stores"] == 2
    assert whole["orders"] == 4 and whole["sales"] == "17.50 RUB; 28.00 SGD"

    digests_emit_due(now=MORNING_RU)
    digests_emit_due(now=MORNING_RU + timedelta(hours=1))

    found = digests()
    assert len(found) == 3
    theirs = found[f"digest.daily:store:{ru.pk}:2026-03-01"]
    assert (theirs["orders"], theirs["sales"], theirs["shipped_on_time"]) == (1, "17.50 RUB", "-")


def test_weekly_digest_covers_last_monday_to_sunday(stores):
    sg, _ru = stores

    digests_emit_due(now=MORNING_SG + timedelta(days=7))  # Monday 9 March: the week of 2 to 8 March is over

    weekly = digests(EventKind.DIGEST_WEEKLY)
    mine = weekly[f"digest.weekly:store:{sg.pk}:2026-W10"]
    assert mine["period"] == "03-02~03-08" and mine["orders"] == 0
    digests_emit_due(now=MORNING_SG + timedelta(days=8))
    assert len(digests(EventKind.DIGEST_WEEKLY)) == len(weekly)


def test_queries_do_not_grow_with_the_stores(stores):
    with CaptureQueriesContext(connection) as few:
        digests_emit_due(now=MORNING_SG)
    Event.objects.filter(kind__startswith="digest.").delete()
    owner = StaffFactory(department=DepartmentFactory())
    for n in range(8):
        orders_upsert_page(store=StoreFactory(site="SG", primary_owner=owner), rows=[order(100 + n)])
    with CaptureQueriesContext(connection) as many:
        digests_emit_due(now=MORNING_SG)
    assert len(digests()) == 2 + 8 + 1
    assert len(many) == len(few)
