"""A table as a download: CSV (UTF-8 with a BOM, so Excel opens Chinese text) or .xlsx, numbers kept numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_format(value: str | None) -> str:
    return "xlsx" if value == "xlsx" else "csv"


def table_response(table: Sequence[Sequence], *, fmt: str, name: str) -> HttpResponse:
    """The rows of `table` (the first is the header) as an attachment `name`.csv or `name`.xlsx."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        for line in table:
            sheet.append([c if isinstance(c, (int, float, Decimal, date, datetime)) else str(c) for c in line])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    else:
        out = io.StringIO()
        out.write("\ufeff")
        csv.writer(out).writerows(table)
        response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
