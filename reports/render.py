"""The board's table body, rendered in Python: a thousand rows of fourteen cells through a template include cost
hundreds of milliseconds, the same markup built here a few. Every value is escaped."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stores.choices import Platform

DASH = "—"


def _num(value) -> str:
    return DASH if value is None else str(value)  # numbers only: nothing to escape


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _row(row, *, total: bool, words: dict[str, str]) -> str:
    store = row.store
    if total:
        head = f'<tr class="total"><td>{words["total"]}</td><td></td>'
    else:
        head = (
            f'<tr data-store="{store.pk}"><td>{escape(store.name)}</td>'
            f"<td>{words[store.platform]} {escape(store.site)}</td>"
        )
    sales = _money(row.sales_converted) + "".join(
        f'<br><span class="muted small">{_money(amount)} {escape(currency)}</span>'
        for currency, amount in sorted(row.sales.items())
    )
    margin = _money(row.margin)
    if row.uncosted_lines:
        note = ngettext("%(n)s line without cost", "%(n)s lines without cost", row.uncosted_lines) % {
            "n": row.uncosted_lines
        }
        margin += f'<br><span class="muted small">{escape(note)}</span>'
    if row.sync_ok is None:
        sync = DASH
    elif row.sync_ok:
        sync = words["ok"]
    else:
        sync = f'<span class="badge danger" title="{escape(row.sync_error)}">{words["failing"]}</span>'
    overdue = " bad" if row.open_cases_past_due else ""
    return (
        f'{head}<td class="num">{row.orders}</td><td class="num">{sales}</td><td class="num">{margin}</td>'
        f'<td class="num">{_num(row.margin_pct)}</td><td class="num">{_num(row.on_time_pct)}</td>'
        f'<td class="num">{_num(row.cancel_pct)}</td><td class="num">{_num(row.return_pct)}</td>'
        f'<td class="num">{_num(row.out_of_stock_pct)}</td><td class="num{overdue}">{_num(row.open_cases_past_due)}</td>'
        f'<td class="num">{_num(row.low_stock_skus)}</td><td>{sync}</td><td class="num">{_num(row.checklist_pct)}</td>'
        f"{_ads(row)}</tr>"
    )


def _ads(row) -> str:
    """Ads spend and sales (the store's currency; the total converted), and ROAS: a dash where the viewer may not
    see the store's ads or there are none."""
    if row.store is None:
        spend, sales, currency = row.ads_spend_converted, row.ads_sales_converted, ""
    else:
        spend, sales, currency = row.ads_spend, row.ads_sales, row.ads_currency
    if spend is None:
        return f'<td class="num">{DASH}</td><td class="num">{DASH}</td><td class="num">{DASH}</td>'
    unit = f' <span class="muted small">{escape(currency)}</span>' if currency else ""
    return (
        f'<td class="num ads-spend">{_money(spend)}{unit}</td><td class="num">{_money(sales)}{unit}</td>'
        f'<td class="num roas">{DASH if row.roas is None else f"{row.roas:.2f}"}</td>'
    )


def board_body(rows, total) -> SafeString:
    """The <tbody> content: a row per store, then the total."""
    words = {"total": escape(_("Total")), "ok": escape(_("OK")), "failing": escape(_("Failing"))}
    words.update((value, escape(str(label))) for value, label in Platform.choices)
    return mark_safe(
        "\n".join([*(_row(r, total=False, words=words) for r in rows), _row(total, total=True, words=words)])
    )  # noqa: S308 (escaped above)
