"""One `INSERT … VALUES … ON CONFLICT … DO UPDATE … WHERE <changed> RETURNING` per call (PostgreSQL and SQLite).

The statement text depends only on the number of rows; the values are bound. `IS DISTINCT FROM` compares
NULLs as values on both databases (SQLite ≥ 3.39). PostgreSQL takes Python's str, int, Decimal and aware
datetimes as they are; other databases get Django's own adaptation of datetimes and decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection


def _adapt(values: list[Any]) -> list[Any]:
    if connection.vendor == "postgresql":
        return values
    ops = connection.ops
    return [
        ops.adapt_datetimefield_value(v) if isinstance(v, datetime) else str(v) if isinstance(v, Decimal) else v
        for v in values
    ]


def upsert(
    *,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    conflict: Sequence[str],
    updates: dict[str, str],
    changed: Sequence[str],
    guard: str = "",
    returning: Sequence[str] = ("id",),
    value_sql: Sequence[str] | None = None,
) -> list[tuple]:
    """Insert `rows` (tuples in `columns` order; `value_sql` may replace a column's `%s` by an expression whose
    placeholders it consumes in order); on a conflict on `conflict`, apply `updates` ({column: expression over
    `<table>` and EXCLUDED}) only where one of the `changed` columns would change (and `guard` holds), and
    return `returning` of every row inserted or changed, in no particular order."""
    if not rows:
        return []
    one = "(" + ", ".join(value_sql or ["%s"] * len(columns)) + ")"
    sets = ", ".join(f"{column} = {expression}" for column, expression in updates.items())
    where = " OR ".join(f"{table}.{c} IS DISTINCT FROM ({updates.get(c, 'EXCLUDED.' + c)})" for c in changed)
    if guard:
        where = f"({where}) AND ({guard})"
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * len(rows))} "
        f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {sets} WHERE {where} "
        f"RETURNING {', '.join(returning)}"
    )
    params: list[Any] = []
    for row in rows:
        params.extend(row)
    with connection.cursor() as cursor:
        cursor.execute(sql, _adapt(params))
        return cursor.fetchall()


def execute(sql: str, params: Sequence[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, _adapt(list(params)))
        return cursor.rowcount
