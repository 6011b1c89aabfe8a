"""Rendering messages: templates compiled once, values read from an event's payload and its store.

`compile_template(kind, body)` parses `{placeholder}` text once (refusing an unknown placeholder, a format
spec, an attribute or index); `Compiled.render(values)` then only joins strings. `event_values()` turns an
event's payload into the strings a template of its kind may use, each cut to its placeholder's `max_bytes`
(notifications.defaults), so a rendered message never exceeds the longest one checked when the template was
saved (`template_check`).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from .defaults import DEFAULT_BODIES, MISSING, NO_STORE_LABEL, PLACEHOLDERS, byte_limit, placeholder_names

_FORMATTER = string.Formatter()
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Compiled:
    """A template ready to render: literal text and placeholder names, alternating."""

    kind: str
    msgtype: str
    body: str
    pieces: tuple[tuple[str, str | None], ...]
    names: frozenset[str] = frozenset()  # the placeholders it uses

    def render(self, values: Mapping[str, str]) -> str:
        return "".join(literal + (values.get(name, MISSING) if name else "") for literal, name in self.pieces)


def compile_template(kind: str, body: str, msgtype: str = "text") -> Compiled:
    """Parse `body` for an event of `kind`; ValidationError({"body": …}) for an unknown placeholder or bad braces."""
    allowed = placeholder_names(kind)
    try:
        parsed = list(_FORMATTER.parse(body))
    except ValueError as exc:
        raise ValidationError(
            {"body": _("The braces do not match (%(error)s). Write {{ and }} for a literal brace.") % {"error": exc}},
            code="template_syntax",
        ) from exc
    pieces: list[tuple[str, str | None]] = []
    unknown: list[str] = []
    for literal, name, spec, conversion in parsed:
        if name is not None and (spec or conversion or name not in allowed):
            unknown.append("{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
        pieces.append((literal, name if name else None))
    if unknown:
        raise ValidationError(
            {
                "body": _("Unknown placeholder %(names)s. This kind of message may use: %(allowed)s.")
                % {"names": ", ".join(unknown), "allowed": ", ".join("{" + n + "}" for n in sorted(allowed))}
            },
            code="unknown_placeholder",
        )
    return Compiled(kind, msgtype, body, tuple(pieces), frozenset(name for _lit, name in pieces if name))


def longest_bytes(compiled: Compiled) -> int:
    """The most UTF-8 bytes a message from this template can take (every placeholder at its maximum)."""
    widest = {p.name: p.max_bytes for p in PLACEHOLDERS.get(compiled.kind, ())}
    return sum(len(lit.encode()) + (widest.get(name, 0) if name else 0) for lit, name in compiled.pieces)


def template_check(kind: str, msgtype: str, body: str) -> Compiled:
    """Compile and check that the longest message fits the robot's limit; ValidationError on the body otherwise."""
    if not body.strip():
        raise ValidationError({"body": _("Write the message.")}, code="required")
    compiled = compile_template(kind, body, msgtype)
    longest, limit = longest_bytes(compiled), byte_limit(msgtype)
    if longest > limit:
        raise ValidationError(
            {
                "body": _(
                    "At its longest this message would take %(longest)s bytes, and the robot accepts at most "
                    "%(limit)s (a Chinese character takes 3 bytes). Shorten the text or use fewer placeholders."
                )
                % {"longest": longest, "limit": limit}
            },
            code="too_long",
        )
    return compiled


def default_compiled(kind: str) -> Compiled:
    return compile_template(kind, DEFAULT_BODIES[kind], "text")


# ---------------------------------------------------------------------------------------------- values


def cut(value: Any, max_bytes: int) -> str:
    """`value` as text of at most `max_bytes` UTF-8 bytes, ending with "…" when it was cut."""
    text = MISSING if value is None or value == "" else str(value)
    if len(text) * 3 <= max_bytes:  # the common case: cannot be too long, nothing to encode
        return text
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    return data[: max_bytes - 3].decode("utf-8", "ignore") + ELLIPSIS


def mask_name(name: str | None) -> str:
    """A buyer's name for a group chat: its first character and "**" (张三丰 → 张**); "-" when unknown."""
    name = (name or "").strip()
    return name[0] + "**" if name else MISSING


@dataclass(frozen=True, slots=True)
class StoreFacts:
    """What a message says of the event's store (or of none)."""

    name: str
    platform: str
    site: str
    tz: tzinfo


def local_time(value: Any, tz: tzinfo, fmt: str = "%m-%d %H:%M") -> str:
    """An ISO timestamp (or datetime) in the store's time zone, short; "-" when absent or unreadable."""
    if not value:
        return MISSING
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return moment.strftime(fmt)
    return moment.astimezone(tz).strftime(fmt)


def status_labels() -> dict[str, str]:
    """Normalized order and case statuses and kinds, in Chinese (messages go to Chinese groups)."""
    from orders.choices import CaseKind, CaseStatus, OrderStatus

    with translation.override("zh-hans"):
        return {str(v): str(label) for choices in (OrderStatus, CaseStatus, CaseKind) for v, label in choices.choices}


def _items(payload: Mapping) -> str:
    items = payload.get("items") or []
    return ", ".join(f"{i.get('sku') or i.get('name') or '?'}×{i.get('quantity', 1)}" for i in items) or MISSING


def _amount(payload: Mapping) -> str:
    amount = payload.get("amount")
    return f"{amount} {payload.get('currency') or ''}".strip() if amount not in (None, "") else MISSING


def _time(key: str, fmt: str = "%m-%d %H:%M") -> Callable[..., str]:
    return lambda p, tz, labels, person: local_time(p.get(key), tz, fmt)


def _status(p: Mapping, tz: tzinfo, labels: Mapping[str, str], person: str) -> str:
    status = p.get("status")
    return labels.get(status, status) if status else MISSING


# How a placeholder's value is made from the payload when it is not the payload's own key of that name
# (each a function of payload, store time zone, status labels and the assignee's name).
_ORDER: dict[str, Callable[..., Any]] = {
    "status": _status,
    "items": lambda p, tz, labels, person: _items(p),
    "qty": lambda p, tz, labels, person: p.get("quantity"),
    "amount": lambda p, tz, labels, person: _amount(p),
    "customer": lambda p, tz, labels, person: mask_name(p.get("customer")),
    "ship_time": _time("ship_by"),
    "tracking": lambda p, tz, labels, person: p.get("tracking_number"),
    "logistics": lambda p, tz, labels, person: p.get("carrier"),
    "delivery_date": _time("delivery_date", "%m-%d"),
    "assignee": lambda p, tz, labels, person: person,
}
_CASE: dict[str, Callable[..., Any]] = {
    "status": _status,
    "amount": lambda p, tz, labels, person: _amount(p),
    "due_date": _time("due_date"),
    "operator": lambda p, tz, labels, person: person or p.get("operator") or "未分配",
}
_DERIVED: dict[str, dict[str, Callable[..., Any]]] = {
    "store.auth_expiring": {"expires_at": _time("expires_at")},
    "store.sync_failing": {
        "since": _time("since"),
        "reason": lambda p, tz, labels, person: (
            "授权失效，需要重新授权" if p.get("reason") == "authorization" else "接口调用失败"
        ),
    },
    "access.request_opened": {"decide_by": _time("decide_by")},
    "sop.checklist_overdue": {"due_time": _time("due_at")},
    "access.review_reminder": {"deadline": _time("deadline")},
    "access.review_escalated": {"deadline": _time("deadline")},
}
_plans: dict[tuple[str, frozenset[str] | None], tuple] = {}


def _plan(kind: str, names: frozenset[str] | None) -> tuple:
    """(name, max_bytes, how) for the placeholders of `kind` that are wanted (all when `names` is None)."""
    key = (kind, names)
    if key not in _plans:
        derived = _ORDER if kind.startswith("order.") else _CASE if kind.startswith("aftersales.") else {}
        derived = derived or _DERIVED.get(kind, {})
        wanted = [p for p in PLACEHOLDERS.get(kind, ()) if names is None or p.name in names]
        _plans[key] = tuple((p.name, p.max_bytes, derived.get(p.name)) for p in wanted)
    return _plans[key]


def event_values(
    kind: str,
    payload: Mapping,
    store: StoreFacts | None,
    *,
    occurred_at: datetime | None,
    labels: Mapping[str, str],
    person: str = "",
    default_tz: tzinfo,
    names: frozenset[str] | None = None,
) -> dict[str, str]:
    """The placeholder values of one event (only `names`, when given: those its template uses), each cut to
    its placeholder's maximum."""
    tz = store.tz if store is not None else default_tz
    values: dict[str, str] = {}
    for name, max_bytes, how in _plan(kind, names):
        if how is not None:
            value = how(payload, tz, labels, person)
        elif name == "store":  # an event of no store: a department's digest names the department
            value = store.name if store is not None else payload.get("department") or NO_STORE_LABEL
        elif name in ("platform", "site"):
            value = getattr(store, name) if store is not None else MISSING
        elif name == "time":
            value = local_time(occurred_at, tz)
        else:
            value = payload.get(name)
        values[name] = cut(value, max_bytes)
    return values


def sample_values(kind: str) -> dict[str, str]:
    """Plausible values for a preview when no event of this kind exists yet."""
    return {p.name: p.sample for p in PLACEHOLDERS.get(kind, ())}
