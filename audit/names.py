"""Names at the time: the ids in an event's before/after (`role 6`, `granted_by 1`) written down with the names
they had when the event was recorded, so the log still reads "客服/售后", "王芳" after a rename or a deletion.

Which keys are ids is read from the target's model (its foreign keys, by field name). A related object already
loaded on the target costs nothing; the rest are read with one query per related model for the whole call
(record_many's thousand events included).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

MAX_NAME = 200


def _id(value: Any) -> int | str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def _foreign_keys(target) -> dict:
    # through the instance, not type(): a request's user may be a lazy object standing in for it
    return {f.name: f for f in target._meta.concrete_fields if f.many_to_one and f.related_model is not None}


def names_of(items: list[tuple[Any, dict | None, dict | None]]) -> list[dict | None]:
    """For each (target, before, after): {field: {id: name}} of the foreign keys named in before/after, or None."""
    results: list[dict[str, dict[str, str]]] = [{} for _ in items]
    wanted: dict[Any, set] = defaultdict(set)  # related model → ids still to read
    pending: list[tuple[int, str, Any, Any]] = []  # (item, field, related model, id)
    for index, (target, before, after) in enumerate(items):
        if target is None or not hasattr(target, "_meta"):
            continue
        keys = _foreign_keys(target)
        for side in (before, after):
            if not isinstance(side, dict):
                continue
            for name, value in side.items():
                field = keys.get(name)
                pk = _id(value)
                if field is None or pk is None:
                    continue
                if field.is_cached(target) and getattr(target, field.attname) == pk:
                    related = getattr(target, field.name)
                    if related is not None:
                        results[index].setdefault(name, {})[str(pk)] = str(related)[:MAX_NAME]
                        continue
                if str(pk) not in results[index].get(name, {}):
                    wanted[field.related_model].add(pk)
                    pending.append((index, name, field.related_model, pk))
    found: dict[Any, dict[Any, str]] = {}
    for model, ids in wanted.items():
        found[model] = {obj.pk: str(obj)[:MAX_NAME] for obj in model._default_manager.filter(pk__in=ids)}
    for index, name, model, pk in pending:
        if pk in found[model]:
            results[index].setdefault(name, {})[str(pk)] = found[model][pk]
    return [r or None for r in results]
