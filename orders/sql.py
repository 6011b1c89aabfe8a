"""One `INSERT … SELECT … ON CONFLICT … DO UPDATE … WHERE <changed> RETURNING` per call, whatever the number of rows.

On PostgreSQL the rows travel as ONE JSON parameter (an array of arrays) unpacked by `jsonb_array_elements`
and cast to the columns' types, so the statement text is the same for every page (psycopg's client-side
binding would otherwise parse a text with thousands of placeholders: measured, that alone cost more than the
database's own work on a page of 100 orders). Other databases (SQLite, the embedded quick start) get a
`VALUES` list. `IS DISTINCT FROM` compares NULLs as values on both (SQLite ≥ 3.39).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection
from django.db.models import Model


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def source(model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
    """A relation `r` with the given columns (named as the model's columns) holding `rows`, and its params."""
    fields = {f.column: f for f in model._meta.concrete_fields}
    if connection.vendor == "postgresql":
        casts = []
        for i, name in enumerate(columns):
            db_type = fields[name].db_type(connection)
            casts.append(f"(e->{i}) AS {name}" if db_type == "jsonb" else f"(e->>{i})::{db_type} AS {name}")
        sql = f"(SELECT {', '.join(casts)} FROM jsonb_array_elements(%s::jsonb) AS e) AS r"
        # orjson: the page's one parameter in a tenth of json.dumps' time (its datetimes are RFC 3339, as
        # isoformat() writes them; Decimals by _json_default).
        return sql, [orjson.dumps(rows, default=_json_default).decode()]
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    names = ", ".join(f"column{i + 1} AS {name}" for i, name in enumerate(columns))
    params = [_sqlite_value(v) for row in rows for v in row]
    return f"(SELECT {names} FROM (VALUES {', '.join([one] * len(rows))})) AS r", params


def upsert(
    *,
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    conflict: Sequence[str],
    updates: dict[str, str],
    changed: Sequence[str],
    guard: str = "",
    returning: Sequence[str] = ("id",),
    derived: dict[str, str] | None = None,
    relaxed: bool = False,
) -> list[tuple]:
    """Insert `rows` (tuples in `columns` order) into the model's table, plus `derived` columns ({column: SQL
    over `r.<input column>`}); on a conflict on `conflict`, apply `updates` ({column: SQL over the table and
    EXCLUDED}) only where one of the `changed` columns would change (and `guard` holds); return `returning`
    of every row inserted or changed, in no particular order. `relaxed`: the transaction's commit need not wait
    for the disk (see relax_commit), said in the same round trip as the statement."""
    if not rows:
        return []
    table = model._meta.db_table
    relation, params = source(model, columns, rows)
    derived = derived or {}
    targets = list(columns) + list(derived)
    selected = [f"r.{c}" for c in columns] + list(derived.values())
    sets = ", ".join(f"{column} = {expression}" for column, expression in updates.items())
    where = " OR ".join(f"{table}.{c} IS DISTINCT FROM ({updates.get(c, 'EXCLUDED.' + c)})" for c in changed)
    if guard:
        where = f"({where}) AND ({guard})"
    sql = (
        f"INSERT INTO {table} ({', '.join(targets)}) SELECT {', '.join(selected)} FROM {relation} WHERE true "
        f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {sets} WHERE {where} "
        f"RETURNING {', '.join(returning)}"
    )
    relax = relaxed and connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        # Django's psycopg cursors bind on the client, so two statements travel as one query string.
        cursor.execute(f"{RELAX}; {sql}" if relax else sql, params)
        if relax:
            cursor.nextset()
        return cursor.fetchall()


RELAX = "SET LOCAL synchronous_commit TO OFF"


def relax_commit() -> None:
    """Let this transaction's commit return before its WAL reaches the disk (PostgreSQL `synchronous_commit`
    off, for this transaction only). Sound for intake pages: everything they write is fetched again from the
    platform. A server crash can lose only the last moments of commits, and the WAL is replayed in order, so a
    page is never lost while a later poll cursor survives; the next poll reads those orders again. Deliveries,
    claims and sends keep synchronous commits. Elsewhere: nothing to do."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(RELAX)


def execute(sql: str, params: Sequence[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, [_sqlite_value(v) for v in params] if connection.vendor != "postgresql" else params)
        return cursor.rowcount
