"""File formats of the spreadsheets: read an uploaded xlsx or CSV into rows of column → value (the header row matched
to known columns, Chinese or English), write rows as xlsx (openpyxl) or CSV in UTF-8 with a BOM so Excel opens it in
Chinese. Pure: no models."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

XLSX = "xlsx"
CSV = "csv"
FORMATS = (XLSX, CSV)
BOM = "\ufeff"
MAX_ROWS = 20000

CONTENT_TYPES = {
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    CSV: "text/csv; charset=utf-8",
}


@dataclass(frozen=True)
class Column:
    """A sheet's column: its key in the code, its Chinese header (written), the other headers it is read under."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()

    def names(self) -> set[str]:
        return {_norm(n) for n in (self.header, self.key, *self.aliases)}


class SheetError(ValueError):
    """The file cannot be read as this sheet (not xlsx/CSV, no known header, too many rows): said in words."""


@dataclass
class Sheet:
    """The rows of a file: `rows[i]` is column key → value of spreadsheet line `lines[i]` (the header is line 1)."""

    rows: list[dict]
    lines: list[int]
    unknown_headers: list[str]
    present: set[str] = field(default_factory=set)


def _norm(name) -> str:
    return "".join(str(name or "").split()).replace("（", "(").replace("）", ")").replace("_", "").lower()


def cell_text(value) -> str:
    """A cell as text: whole numbers without ".0" (Excel stores 13800001111 as a number), dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if not (value.hour or value.minute or value.second) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _table(content: bytes, filename: str) -> list[list]:
    if filename.lower().endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")  # a CSV saved by Excel in a Chinese Windows
            except UnicodeDecodeError as exc:
                raise SheetError(_("The CSV file is neither UTF-8 nor GBK text.")) from exc
        return [row for row in csv.reader(io.StringIO(text))]
    if not filename.lower().endswith(".xlsx"):
        raise SheetError(_("Upload an .xlsx or .csv file."))
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise SheetError(_("This file cannot be opened as an Excel workbook (.xlsx).")) from exc
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def read(content: bytes, filename: str, columns: Sequence[Column]) -> Sheet:
    """Read the first sheet: the first non-empty line is the header, matched to `columns` (tolerant of English
    headers, spaces and case); empty lines are skipped. Raises SheetError when no known column is found."""
    table = _table(content, filename)
    start = next((i for i, row in enumerate(table) if any(cell_text(v) for v in row)), None)
    if start is None:
        raise SheetError(_("The file is empty."))
    lookup = {name: col.key for col in columns for name in col.names()}
    header = [cell_text(v) for v in table[start]]
    keys = [lookup.get(_norm(h)) for h in header]
    if not any(keys):
        raise SheetError(_("No known column in the first line; download the template to see the columns."))
    sheet = Sheet(
        rows=[],
        lines=[],
        unknown_headers=[h for h, k in zip(header, keys, strict=True) if h and not k],
        present={k for k in keys if k},
    )
    for offset, raw in enumerate(table[start + 1 :], start=start + 2):
        values = {k: cell_text(v) for k, v in zip(keys, raw, strict=False) if k}
        if any(values.values()):
            sheet.rows.append({col.key: values.get(col.key, "") for col in columns})
            sheet.lines.append(offset)
        if len(sheet.rows) > MAX_ROWS:
            raise SheetError(_("At most %(n)s rows can be imported at once.") % {"n": MAX_ROWS})
    return sheet


def write(rows: Iterable[Sequence], columns: Sequence[Column], fmt: str, *, title: str = "Sheet1") -> bytes:
    """The rows (values in the order of `columns`) under the Chinese headers, as xlsx or as CSV UTF-8 with BOM."""
    headers = [c.header for c in columns]
    if fmt == CSV:
        out = io.StringIO()
        out.write(BOM)
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows([cell_text(v) for v in row] for row in rows)
        return out.getvalue().encode("utf-8")
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append(headers)
    for row in rows:
        sheet.append([cell_text(v) if isinstance(v, date) else v for v in row])
    out_b = io.BytesIO()
    book.save(out_b)
    return out_b.getvalue()


def split_list(text: str) -> list[str]:
    """A cell listing several names ("店A、店B", "a, b", one per line) as its names, in order, without repeats."""
    for sep in "，、;；\n|":
        text = text.replace(sep, ",")
    seen: dict[str, None] = {}
    for part in text.split(","):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return list(seen)


def join_list(names: Iterable[str]) -> str:
    return "、".join(names)
