"""Writes of the reports app: the SKU cost spreadsheet import (all rows or none), exchange rates, and the audit
event of a board export. Each is atomic and records its audit event inside its transaction."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record
from core.permissions import ALL_STORES, permissions_of

from .models import ExchangeRate, SkuCost

MANAGE = "settings_manage"  # costs and rates are the company's: set by those who manage settings in every store
MAX_ROWS = 20000


def _check_company_manager(actor) -> None:
    if permissions_of(actor).stores_with(MANAGE) is not ALL_STORES:
        raise PermissionDenied(_("Only someone who manages the settings of every store may change this."))


@dataclass
class RowError:
    row: int
    message: str


def _cells(upload) -> list[list[str]]:
    """The sheet's rows as text cells: .xlsx through openpyxl, anything else as UTF-8 CSV (BOM or not)."""
    name = (getattr(upload, "name", "") or "").lower()
    data = upload.read()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise ValidationError(_("The file is not a readable .xlsx workbook.")) from exc
        return [["" if c is None else str(c).strip() for c in row] for row in sheet.iter_rows(values_only=True)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(_("The CSV file must be UTF-8 encoded.")) from exc
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


HEADERS = {
    "sku": ("sku", "SKU", "货号", "商品编码"),
    "cost": ("cost", "成本", "单位成本"),
    "currency": ("currency", "币种"),
}


def _columns(header: list[str]) -> dict[str, int]:
    lowered = [h.strip().lower() for h in header]
    found = {}
    for key, names in HEADERS.items():
        for name in names:
            if name.lower() in lowered:
                found[key] = lowered.index(name.lower())
                break
    missing = [key for key in HEADERS if key not in found]
    if missing:
        raise ValidationError(
            _("The first row must name the columns SKU, cost and currency (missing: %(cols)s).")
            % {"cols": ", ".join(missing)}
        )
    return found


def skucost_parse(*, upload) -> tuple[list[tuple[str, Decimal, str]], list[RowError]]:
    """Every data row checked before anything is written: (rows, errors). A row number is the sheet's."""
    cells = _cells(upload)
    if not cells:
        raise ValidationError(_("The file is empty."))
    cols = _columns(cells[0])
    rows: list[tuple[str, Decimal, str]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(cells[1:], start=2):
        if not any(raw):
            continue
        cell = {key: (raw[i] if i < len(raw) else "") for key, i in cols.items()}
        sku, currency = cell["sku"], cell["currency"].upper()
        problems = []
        if not sku:
            problems.append(_("the SKU is empty"))
        elif len(sku) > 100:
            problems.append(_("the SKU is longer than 100 characters"))
        elif sku in seen:
            problems.append(_("the SKU repeats row %(row)s") % {"row": seen[sku]})
        try:
            cost = Decimal(cell["cost"].replace(",", ""))
            if not cost.is_finite() or cost < 0 or cost >= Decimal("1e12"):
                raise InvalidOperation
            cost = cost.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            problems.append(_("the cost “%(value)s” is not an amount of zero or more") % {"value": cell["cost"]})
            cost = Decimal(0)
        if len(currency) != 3 or not (currency.isascii() and currency.isalpha()):
            problems.append(_("the currency “%(value)s” is not a three-letter code") % {"value": cell["currency"]})
        if problems:
            errors.append(RowError(number, "；".join(str(p) for p in problems)))
        else:
            seen[sku] = number
            rows.append((sku, cost, currency))
    if len(rows) + len(errors) > MAX_ROWS:
        raise ValidationError(_("At most %(n)s rows at a time.") % {"n": MAX_ROWS})
    if not rows and not errors:
        raise ValidationError(_("The file has no data rows."))
    return rows, errors


def skucost_import(*, actor, upload) -> tuple[int, int, list[RowError]]:
    """Import SKU costs from a spreadsheet: all rows or none. Returns (created, updated, row errors); with any
    error nothing is written. One audit event ("sku_cost.import") with the counts."""
    _check_company_manager(actor)
    rows, errors = skucost_parse(upload=upload)
    if errors:
        return 0, 0, errors
    with transaction.atomic():
        existing = set(SkuCost.objects.filter(sku__in=[r[0] for r in rows]).values_list("sku", flat=True))
        SkuCost.objects.bulk_create(
            [SkuCost(sku=sku, cost=cost, currency=currency) for sku, cost, currency in rows],
            update_conflicts=True,
            unique_fields=["sku"],
            update_fields=["cost", "currency", "updated_at"],
            batch_size=2000,
        )
        created, updated = len(rows) - len(existing), len(existing)
        record(
            "sku_cost.import",
            target_type="reports.skucost",
            target_label=getattr(upload, "name", "") or "",
            after={"file": getattr(upload, "name", ""), "rows": len(rows), "created": created, "updated": updated},
        )
    return created, updated, []


def exchangerate_set(*, actor, currency: str, rate: Decimal) -> ExchangeRate:
    """Set (or change) one currency's rate to the company currency; audited with before and after. The board
    converts with it from the next rollup on: today and yesterday within ten minutes, the last 35 days at the nightly
    rollup; older days keep the rate of their time."""
    _check_company_manager(actor)
    currency = currency.strip().upper()
    if len(currency) != 3 or not (currency.isascii() and currency.isalpha()):
        raise ValidationError({"currency": _("A currency is a three-letter code, such as USD.")})
    if rate <= 0:
        raise ValidationError({"rate": _("The rate must be more than zero.")})
    with transaction.atomic():
        current = ExchangeRate.objects.select_for_update().filter(currency=currency).first()
        before = {"currency": currency, "rate": str(current.rate)} if current else None
        if current is None:
            current = ExchangeRate.objects.create(currency=currency, rate=rate)
        else:
            current.rate = rate
            current.save(update_fields=["rate", "updated_at"])
        record("exchange_rate.update", target=current, before=before, after={"currency": currency, "rate": str(rate)})
    return current


def board_export_record(*, actor, fmt: str, filters: dict, rows: int) -> None:
    """The audit event of one board export (what was shown and how many stores)."""
    record(
        "report.export",
        target_type="reports.board",
        target_label=_("Cross-store board"),
        after={"format": fmt, "rows": rows, **filters},
    )
