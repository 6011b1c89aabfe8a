"""Shopee simulator, common ground: the answers' fixed messages and status lists, `ShopeeError` and its
shorthands, the request signature, `Call` (one API call being answered, with its parameter readers) and the
endpoint table that every section registers its paths on with `endpoint`.
"""

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field

from ..state import DAY, Shop, World

U32 = 4294967295
UNKNOWN_PATH = "Permission denied. This API is currently offline or the request path is incorrect."
RATE_LIMITED = "Too many requests. You have reached the rate limit. Please try again later."
DAILY_LIMIT = "The number of API calls today has reached the limit. The quota resets at 00:00 (UTC+8)."
LIST_STATUSES = (
    "UNPAID",
    "READY_TO_SHIP",
    "PROCESSED",
    "SHIPPED",
    "COMPLETED",
    "IN_CANCEL",
    "CANCELLED",
    "INVOICE_PENDING",
)
ITEM_STATUSES = ("NORMAL", "BANNED", "UNLIST", "REVIEWING", "SELLER_DELETE", "SHOPEE_DELETE")
WINDOW = 15 * DAY


class ShopeeError(Exception):
    """An error answer; `kind` selects the optional HTTP status ("auth" → 403, "rate" → 429 when configured)."""

    def __init__(self, error: str, message: str, *, kind: str = "param"):
        super().__init__(message)
        self.error = error
        self.message = message
        self.kind = kind


def param_error(message: str) -> ShopeeError:
    return ShopeeError("error_param", message)


def wrong(detail: str) -> ShopeeError:
    return ShopeeError("error_param", f"Wrong parameters, detail: {detail}.")


def sign(partner_key: str, base: str) -> str:
    """Lowercase hex HMAC-SHA256 of the base string, keyed with the partner key's UTF-8 bytes."""
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def parse_u32(raw) -> int | None:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if 0 <= value <= U32 else None


@dataclass
class Call:
    """One API call being answered."""

    world: World
    request: object
    api_path: str
    body: object
    now: float
    request_id: str
    partner_id: int = 0
    shop_id: int = 0
    shop: Shop | None = None
    warnings: list = field(default_factory=list)

    @property
    def query(self):
        return self.request.GET

    @property
    def config(self) -> dict:
        return self.world.config["shopee"]

    def int_param(self, name: str, *, required: bool = True, lo: int = 0, hi: int = U32, default=None) -> int | None:
        raw = self.query.get(name)
        if raw is None or raw == "":
            if required:
                raise wrong(f"{name} is required")
            return default
        try:
            value = int(raw)
        except ValueError:
            raise wrong(f"{name} should be an integer") from None
        if not lo <= value <= hi:
            raise wrong(f"{name} should be between {lo} and {hi}")
        return value

    def list_param(self, name: str) -> list[str]:
        """Comma-joined (`a,b`), bracketed (`[a,b]`) or repeated (`x=a&x=b`) list values."""
        values = []
        for raw in self.query.getlist(name):
            values.extend(part.strip().strip('"') for part in raw.strip().strip("[]").split(","))
        return [v for v in values if v]


@dataclass(frozen=True)
class Endpoint:
    method: str
    kind: str  # "public" or "shop"
    handler: Callable
    flat: bool = False
    method_error: Callable | None = None  # the API's own answer to a wrong HTTP method (ads: its own error)


ENDPOINTS: dict[str, Endpoint] = {}


def endpoint(path: str, method: str, kind: str, *, flat: bool = False, method_error: Callable | None = None):
    def register(func):
        ENDPOINTS[path] = Endpoint(method=method, kind=kind, handler=func, flat=flat, method_error=method_error)
        return func

    return register
