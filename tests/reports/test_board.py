"""The board: its numbers per store and in total, filters and sorting, only the viewer's stores, a fixed number
of queries however many stores, exports (CSV with a BOM, Excel) audited."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from core.testing import verified_login
from reports.rollup import storeday_rollup
from reports.selectors import BoardFilters, board_rows
from tests.factories import StoreFactory

from .conftest import NOW, TODAY, YESTERDAY

PERIOD = {"period": "custom", "start": str(YESTERDAY), "end": str(TODAY)}


@pytest.fixture
def rolled(world):
    storeday_rollup(now=NOW)
    return world


def by_name(rows):
    return {r.store.name: r for r in rows}


def test_board_figures_per_store_and_in_total(rolled, sa):
    rows, total = board_rows(viewer=sa, filters=BoardFilters(start=YESTERDAY, end=TODAY))
    a, b = by_name(rows)["A店"], by_name(rows)["B店"]
    assert (a.orders, a.sales, a.sales_converted) == (3, {"SGD": Decimal("140.00")}, Decimal("700.00"))
    assert (a.cost, a.margin, a.uncosted_lines) == (Decimal("16.00"), Decimal("684.00"), 1)
    assert a.cancel_pct == 33.3 and a.return_pct == 100.0  # 1 of 3 cancelled; 3 returns for 3 orders
    assert a.out_of_stock_pct == 25.0 and a.low_stock_skus == 1 and a.open_cases_past_due == 1
    assert a.checklist_pct == 50.0 and a.sync_ok is True
    assert b.on_time_pct == 50.0 and b.sync_ok is False
    assert total.orders == 6 and total.sales == {"SGD": Decimal("170.00")}
    assert total.sales_converted == Decimal("850.00") and total.sync_ok is False
    assert total.low_stock_skus == 2  # A's one and C's one


def test_a_period_of_one_day_reads_only_that_day(rolled, sa):
    rows, _total = board_rows(viewer=sa, filters=BoardFilters(start=YESTERDAY, end=YESTERDAY))
    a = by_name(rows)["A店"]
    assert (a.orders, a.sales_converted) == (2, Decimal("500.00"))
    assert a.skus == 4  # yesterday's row was written today, with today's snapshot


def test_filters_and_sorting(rolled, sa):
    f = BoardFilters(start=YESTERDAY, end=TODAY)
    assert [r.store.name for r in board_rows(viewer=sa, filters=f, sort="-orders")[0]] == ["A店", "B店", "C店"]
    assert [r.store.name for r in board_rows(viewer=sa, filters=f, sort="orders")[0]] == ["C店", "A店", "B店"]
    # a rate nobody has (no orders: no cancellation rate) goes last, whichever the direction
    assert [r.store.name for r in board_rows(viewer=sa, filters=f, sort="cancel")[0]][-1] == "C店"
    site = BoardFilters(start=YESTERDAY, end=TODAY, site="MY")
    assert [r.store.name for r in board_rows(viewer=sa, filters=site)[0]] == ["C店"]
    group = BoardFilters(start=YESTERDAY, end=TODAY, group=rolled["group"].pk)
    assert sorted(r.store.name for r in board_rows(viewer=sa, filters=group)[0]) == ["A店", "C店"]
    owner = BoardFilters(start=YESTERDAY, end=TODAY, owner=rolled["other_owner"].pk)
    assert [r.store.name for r in board_rows(viewer=sa, filters=owner)[0]] == ["C店"]
    platform = BoardFilters(start=YESTERDAY, end=TODAY, platform="ozon")
    assert board_rows(viewer=sa, filters=platform)[0] == []


def test_the_page_shows_only_the_viewers_stores(rolled, viewer_of, client):
    viewer = viewer_of(rolled["a"])
    verified_login(client, viewer)
    response = client.get(reverse("reports:board"), PERIOD)
    assert response.status_code == 200
    body = response.content.decode()
    assert "A店" in body and "B店" not in body and "C店" not in body
    assert "<svg" in body and "@media print" not in body  # inline charts; print CSS in the stylesheet
    assert response.context["total"].orders == 3


def test_the_page_sorts_and_filters_by_query(rolled, sa, client):
    verified_login(client, sa)
    response = client.get(reverse("reports:board"), {**PERIOD, "sort": "store"})
    assert [r.store.name for r in response.context["rows"]] == ["A店", "B店", "C店"]
    response = client.get(reverse("reports:board"), {**PERIOD, "group": rolled["group"].pk, "sort": "-store"})
    assert [r.store.name for r in response.context["rows"]] == ["C店", "A店"]


def test_an_invalid_period_falls_back_to_the_last_seven_days_and_says_why(rolled, sa, client):
    verified_login(client, sa)
    response = client.get(reverse("reports:board"), {"period": "custom", "start": str(TODAY), "end": str(YESTERDAY)})
    assert response.status_code == 200
    assert "开始晚于结束" in response.content.decode()
    assert response.context["filters"].days == 7


def test_no_reports_right_is_refused(rolled, client):
    from tests.factories import StaffFactory

    verified_login(client, StaffFactory())
    assert client.get(reverse("reports:board")).status_code == 403


@pytest.mark.parametrize("count", [5, 200])
def test_a_fixed_number_of_queries_whatever_the_number_of_stores(
    world, sa, viewer_of, client, count, django_assert_max_num_queries
):
    stores = [StoreFactory() for _ in range(count)]
    storeday_rollup(now=NOW)
    viewer = viewer_of(world["a"], *stores[:3])
    for person in (sa, viewer):
        verified_login(client, person)
        with django_assert_max_num_queries(14):
            response = client.get(reverse("reports:board"), PERIOD)
        assert response.status_code == 200


def test_csv_export_has_a_bom_and_the_shown_rows_and_is_audited(rolled, viewer_of, client):
    viewer = viewer_of(rolled["a"], rolled["b"])
    verified_login(client, viewer)
    before = AuditEvent.objects.filter(action="report.export").count()
    response = client.get(reverse("reports:board_export"), {**PERIOD, "format": "csv"})
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in table[1:]] == ["A店", "B店", "合计"]
    assert table[-1][3] == "6"
    event = AuditEvent.objects.filter(action="report.export").latest("id")
    assert AuditEvent.objects.filter(action="report.export").count() == before + 1
    assert event.after["rows"] == 2 and event.after["format"] == "csv"


def test_xlsx_export(rolled, sa, client):
    verified_login(client, sa)
    response = client.get(reverse("reports:board_export"), {**PERIOD, "format": "xlsx", "sort": "store"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["A店", "B店", "C店", "合计"]
    assert sheet.cell(row=2, column=4).value == 3
    assert sheet.cell(row=2, column=9).value == 97.7  # A's margin %: a number, not text


def test_the_period_presets(rolled, sa, client):
    verified_login(client, sa)
    for period, days in (("today", 1), ("7", 7), ("30", 30)):
        response = client.get(reverse("reports:board"), {"period": period})
        filters = response.context["filters"]
        assert filters.days == days and filters.end - filters.start == timedelta(days=days - 1)


@pytest.mark.parametrize("query", [{}, {"sort": "store"}])
def test_the_period_chooser_shows_the_period_the_board_reads(rolled, sa, client, query):
    """Without a period (first visit, or filtered by a link) the board reads the last 7 days and says so."""
    verified_login(client, sa)
    response = client.get(reverse("reports:board"), query)
    assert response.context["filters"].days == 7
    assert '<option value="7" selected>' in response.content.decode()


def test_the_export_holds_only_stores_where_the_viewer_may_also_export(rolled, viewer_of, super_admins, client):
    from rbac import services as rbac_services
    from tests.factories import RoleFactory

    viewer = viewer_of(rolled["a"])
    read_only = RoleFactory(name="只读报表", permissions=["reports_view"])
    rbac_services.binding_grant(actor=super_admins[0], staff=viewer, role=read_only, store=rolled["b"], reason="t")
    verified_login(client, viewer)
    board = client.get(reverse("reports:board"), PERIOD)
    assert [r.store.name for r in board.context["rows"]] == ["A店", "B店"]
    response = client.get(reverse("reports:board_export"), {**PERIOD, "format": "csv"})
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in table[1:]] == ["A店", "合计"]


def test_the_board_links_to_costs_and_rates_for_those_who_may_set_them(rolled, sa, viewer_of, client):
    verified_login(client, sa)
    assert reverse("reports:rate_list") in client.get(reverse("reports:board")).content.decode()
    verified_login(client, viewer_of(rolled["a"]))
    assert reverse("reports:rate_list") not in client.get(reverse("reports:board")).content.decode()
