"""How a row's hash is computed; shared by record() and the verifier."""

import hashlib
import json
from collections.abc import Mapping
from typing import Any

HASHED_FIELDS = (
    "created_at",
    "actor_id",
    "actor_display",
    "source",
    "request_id",
    "ip",
    "user_agent",
    "store_id",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "before",
    "after",
    "reason",
    "prev_hash",
)


def canonical(values: Mapping[str, Any]) -> bytes:
    """The row as hashed. `names` (audit.names) is covered when the row has it: rows written before it existed
    hash as they always did."""
    data = {}
    fields = HASHED_FIELDS + ("names",) if values.get("names") is not None else HASHED_FIELDS
    for name in fields:
        value = values.get(name)
        if name == "created_at" and value is not None:
            value = value.isoformat(timespec="microseconds")
        data[name] = value
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def row_hash(values: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(values)).hexdigest()
