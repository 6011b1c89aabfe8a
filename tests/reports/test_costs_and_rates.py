"""SKU costs from a spreadsheet (all rows or none, errors per row in Chinese, audited) and exchange rates."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from audit.models import AuditEvent
from core.testing import verified_login
from reports.models import ExchangeRate, SkuCost
from tests.factories import StaffFactory


def csv_file(text: str, name="costs.csv"):
    return SimpleUploadedFile(name, ("\ufeff" + text).encode("utf-8"), content_type="text/csv")


def xlsx_file(rows, name="costs.xlsx"):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def signed_in(client, sa):
    verified_login(client, sa)
    return client


def test_an_xlsx_sheet_imports_every_row_and_is_audited_once(signed_in):
    SkuCost.objects.create(sku="SKU-1", cost=Decimal("1.00"), currency="CNY")
    upload = xlsx_file([["SKU", "成本", "币种"], ["SKU-1", 8.5, "cny"], ["SKU-2", "12", "USD"]])
    response = signed_in.post(reverse("reports:skucost_list"), {"file": upload})
    assert response.status_code == 302
    assert {c.sku: (c.cost, c.currency) for c in SkuCost.objects.all()} == {
        "SKU-1": (Decimal("8.50"), "CNY"),
        "SKU-2": (Decimal("12.00"), "USD"),
    }
    event = AuditEvent.objects.get(action="sku_cost.import")
    assert event.after["rows"] == 2 and event.after["created"] == 1 and event.after["updated"] == 1


def test_any_bad_row_imports_nothing_and_names_every_bad_row_in_chinese(signed_in):
    upload = csv_file("sku,cost,currency\nSKU-1,8,CNY\n,3,CNY\nSKU-3,-1,CNY\nSKU-4,2,人民币\nSKU-1,9,CNY\n")
    response = signed_in.post(reverse("reports:skucost_list"), {"file": upload})
    assert response.status_code == 400
    assert SkuCost.objects.count() == 0 and not AuditEvent.objects.filter(action="sku_cost.import").exists()
    errors = {e.row: e.message for e in response.context["row_errors"]}
    assert errors == {
        3: "SKU 为空",
        4: "成本“-1”不是大于等于 0 的金额",
        5: "币种“人民币”不是三个字母的代码",
        6: "SKU 与第 2 行重复",
    }
    body = response.content.decode()
    assert "没有导入任何数据" in body and "第 4 行" in body


def test_a_sheet_without_the_columns_is_refused(signed_in):
    response = signed_in.post(reverse("reports:skucost_list"), {"file": csv_file("货号,价格\nA,1\n")})
    assert response.status_code == 400
    assert "缺少" in response.content.decode()
    assert SkuCost.objects.count() == 0


def test_a_store_admin_may_not_import_costs(client, roles, grant):
    from tests.factories import StoreFactory

    person = StaffFactory()
    grant(person, roles["store_admin"], StoreFactory())
    verified_login(client, person)
    assert (
        client.post(reverse("reports:skucost_list"), {"file": csv_file("sku,cost,currency\nA,1,CNY\n")}).status_code
        == 403
    )
    assert SkuCost.objects.count() == 0


def test_an_exchange_rate_is_set_and_changed_with_before_and_after(signed_in):
    url = reverse("reports:rate_list")
    assert signed_in.post(url, {"currency": "sgd", "rate": "5.2"}).status_code == 302
    assert signed_in.post(url, {"currency": "SGD", "rate": "5.3"}).status_code == 302
    assert ExchangeRate.objects.get().rate == Decimal("5.3")
    events = list(AuditEvent.objects.filter(action="exchange_rate.update").order_by("id"))
    assert len(events) == 2
    assert events[1].before["rate"].startswith("5.2") and events[1].after["rate"] == "5.3"
    response = signed_in.post(url, {"currency": "SGD", "rate": "0"})
    assert response.status_code == 400 and "汇率必须大于零" in response.content.decode()
