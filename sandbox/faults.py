"""Fault injection: the next N matching calls of a service get a broken answer instead of the real one."""

import itertools
import json
from dataclasses import asdict, dataclass

KINDS = ("http_error", "timeout", "malformed_json", "wrong_types", "rate_limit", "concurrency")
SERVICES = ("shopee", "ozon", "wecom")


@dataclass
class Fault:
    """One armed fault. `target` is a shop_id / partner_id (Shopee), Client-Id (Ozon), robot key (WeCom) or "*"."""

    id: int
    service: str
    kind: str
    target: str = "*"
    remaining: int = 1
    status: int = 500
    delay: float = 2.0
    path: str = ""
    then: str = "error"  # timeout only: "error" answers 504 after the delay, "process" answers normally

    def matches(self, service: str, identifiers: set[str], path: str) -> bool:
        if self.service != service or self.remaining <= 0:
            return False
        if self.path and self.path not in path:
            return False
        return self.target == "*" or self.target in identifiers

    def as_dict(self) -> dict:
        return asdict(self)


class FaultBoard:
    """The armed faults, consumed in the order they were added."""

    def __init__(self):
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(
        self,
        *,
        service: str,
        kind: str,
        target="*",
        count: int = 1,
        status: int = 500,
        delay: float = 2.0,
        path: str = "",
        then: str = "error",
    ) -> Fault:
        if service not in SERVICES:
            raise ValueError(f"service must be one of {', '.join(SERVICES)}")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if then not in ("error", "process"):
            raise ValueError('then must be "error" or "process"')
        if int(count) < 1:
            raise ValueError("count must be at least 1")
        fault = Fault(
            id=next(self._ids),
            service=service,
            kind=kind,
            target=str(target),
            remaining=int(count),
            status=int(status),
            delay=float(delay),
            path=path,
            then=then,
        )
        self._faults.append(fault)
        return fault

    def take(self, service: str, identifiers: set[str], path: str) -> Fault | None:
        """Consume one use of the first matching fault, if any."""
        for fault in self._faults:
            if fault.matches(service, identifiers, path):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def clear(self, service: str | None = None) -> None:
        self._faults = [f for f in self._faults if service is not None and f.service != service]

    def as_list(self) -> list[dict]:
        return [f.as_dict() for f in self._faults]


def malformed_body(data: dict) -> bytes:
    """A JSON document cut in half: what a dropped connection behind a proxy looks like."""
    text = json.dumps(data)
    return text[: max(1, len(text) // 2)].encode()


def mangle_types(value, keep=frozenset()):
    """Same keys, wrong types: numbers and booleans become strings, objects inside lists stay objects."""
    if isinstance(value, dict):
        return {k: (v if k in keep else mangle_types(v, keep)) for k, v in value.items()}
    if isinstance(value, list):
        return [mangle_types(v, keep) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if value is None:
        return 0
    return value
