"""Ozon simulator, common ground: the status and filter vocabularies, `OzonError` (an rpcStatus answer with
its HTTP status) and `invalid`, `Call` (one method call being answered, with its body readers) and the route
table that every section registers its paths on with `route`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from ..seed import parse_iso
from ..state import DAY, Seller, World

YEAR = 366 * DAY
FBS_FILTER_STATUSES = (
    "awaiting_registration",
    "acceptance_in_progress",
    "awaiting_approve",
    "awaiting_packaging",
    "awaiting_deliver",
    "arbitration",
    "client_arbitration",
    "delivering",
    "driver_pickup",
    "delivered",
    "cancelled",
    "not_accepted",
    "sent_by_seller",
)
FBO_STATUSES = ("awaiting_packaging", "awaiting_deliver", "delivering", "delivered", "cancelled")
UNFULFILLED = (
    "acceptance_in_progress",
    "awaiting_approve",
    "awaiting_packaging",
    "awaiting_registration",
    "awaiting_deliver",
)
RETURN_DATE_FILTERS = ("logistic_return_date", "storage_tariffication_start_date", "visual_status_change_moment")
VISIBILITY = (
    "ALL",
    "VISIBLE",
    "INVISIBLE",
    "EMPTY_STOCK",
    "NOT_MODERATED",
    "MODERATED",
    "DISABLED",
    "STATE_FAILED",
    "READY_TO_SUPPLY",
    "VALIDATION_STATE_PENDING",
    "VALIDATION_STATE_FAIL",
    "VALIDATION_STATE_SUCCESS",
    "TO_SUPPLY",
    "IN_SALE",
    "REMOVED_FROM_SALE",
    "BANNED",
    "OVERPRICED",
    "CRITICALLY_OVERPRICED",
    "EMPTY_BARCODE",
    "BARCODE_EXISTS",
    "QUARANTINE",
    "ARCHIVED",
    "OVERPRICED_WITH_STOCK",
    "PARTIAL_APPROVED",
)


class OzonError(Exception):
    def __init__(self, status: int, code: int, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def payload(self) -> dict:
        return {"code": self.code, "message": self.message, "details": []}


def invalid(message: str) -> OzonError:
    return OzonError(400, 3, message)


@dataclass
class Call:
    world: World
    seller: Seller
    path: str
    body: dict
    now: float

    def obj(self, source: dict, name: str, *, required: bool = False) -> dict:
        value = source.get(name)
        if value is None:
            if required:
                raise invalid(f"invalid request payload: {name} is required")
            return {}
        if not isinstance(value, dict):
            raise invalid(f"invalid request payload: {name} must be an object")
        return value

    def integer(self, source: dict, name: str, *, lo: int, hi: int, required: bool = True, default: int = 0) -> int:
        value = source.get(name)
        if value is None:
            if required:
                raise invalid(f"invalid request payload: {name} is required")
            return default
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(f"invalid request payload: {name} must be an integer")
        if not lo <= value <= hi:
            raise invalid(f"invalid request payload: {name} must be between {lo} and {hi}")
        return value

    def date(self, source: dict, name: str, *, required: bool = True) -> float | None:
        value = source.get(name)
        if value in (None, ""):
            if required:
                raise invalid(f"invalid request payload: {name} is required")
            return None
        try:
            return parse_iso(value)
        except ValueError:
            raise invalid(f"invalid request payload: {name} must be an RFC 3339 date-time") from None

    def ids(self, source: dict, name: str, *, limit: int = 1000) -> set[int] | None:
        values = source.get(name)
        if values in (None, []):
            return None
        if not isinstance(values, list) or len(values) > limit:
            raise invalid(f"invalid request payload: {name} must be a list of at most {limit} ids")
        try:
            return {int(v) for v in values if not isinstance(v, bool)}
        except (TypeError, ValueError):
            raise invalid(f"invalid request payload: {name} must contain integers") from None

    def strings(self, source: dict, name: str, *, allowed=None, limit: int = 1000) -> set[str] | None:
        values = source.get(name)
        if values in (None, []):
            return None
        if not isinstance(values, list) or len(values) > limit or not all(isinstance(v, str) for v in values):
            raise invalid(f"invalid request payload: {name} must be a list of strings")
        if allowed and any(v not in allowed for v in values):
            raise invalid(f"invalid request payload: unknown value in {name}")
        return set(values)

    def direction(self, name: str) -> str:
        value = self.body.get(name) or "ASC"
        if not isinstance(value, str) or value.upper() not in ("ASC", "DESC"):
            raise invalid(f"invalid request payload: {name} must be ASC or DESC")
        return value.upper()


@dataclass(frozen=True)
class Route:
    handler: Callable
    role: str
    switch: str = ""  # config key that turns the path off (answers 404)


ROUTES: dict[str, Route] = {}


def route(path: str, role: str, switch: str = ""):
    def register(func):
        ROUTES[path] = Route(handler=func, role=role, switch=switch)
        return func

    return register
