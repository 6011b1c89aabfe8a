"""The simulated world: one process-wide object, in memory, guarded by a lock.

Every handler takes `world.lock` while it reads or changes state. Times are simulated Unix seconds:
`world.now()` is real time plus an offset that the control API advances. Orders, postings and returns
carry a plan of (time, status) steps fixed when they are seeded, so their status at any simulated
moment is a pure function of the clock: advancing the clock moves them forward.
"""

import copy
import itertools
import threading
import time
from bisect import bisect_left, bisect_right
from collections import deque
from dataclasses import dataclass, field

from .faults import FaultBoard
from .limits import WindowLimiter

DAY = 86400

DEFAULT_CONFIG = {
    "shopee": {
        "access_token_ttl": 4 * 3600,
        "refresh_token_ttl": 30 * DAY,
        "code_ttl": 600,
        "old_access_token_grace": 300,
        "authorization_days": 365,
        "timestamp_window": 300,
        "burst_limit": 0,  # calls per burst_window per shop (partner for public calls); 0 = off
        "burst_window": 1.0,
        "daily_quota": 0,  # calls per shop per day (00:00 UTC+8); 0 = off
        "rate_limit_http_status": 200,  # 429 to answer rate limits with HTTP 429
        "auth_error_http_status": 200,  # 403 to answer sign/auth errors with HTTP 403
        "detail_missing": "warning",  # "warning": unknown sns listed in warning; "error": any unknown sn fails
        "return_page_base": 0,  # get_return_list page_no of the first page (0 or 1)
        # the Ads API (sandbox/shopee_ads.py)
        "ads_permission": True,  # False: the app type has no ads permission (error_api_permission)
        "ads_rate_limit": 0,  # ads calls per ads_rate_window seconds (per shop, partner or path); 0 = off
        "ads_rate_window": 1.0,
        "ads_rate_limit_error": "exceed_shop_api",  # or "exceed_partner_api", "exceed_api"
    },
    "ozon": {
        "rps_limit": 50,  # per Client-Id per second; 0 = off
        "v3_fbs_enabled": True,  # /v3/posting/fbs/list and /v3/posting/fbs/unfulfilled/list
        "v2_fbo_enabled": True,  # /v2/posting/fbo/list
        "cursor_ttl": 0,  # seconds a v4 cursor stays valid; 0 = forever
        "role_check": True,
    },
    "wecom": {
        "per_minute": 20,
        "window": "sliding",  # or "fixed"
        "count_failed": True,  # rejected sends (bad msgtype, too long...) count towards the limit
        "media_ttl": 3 * DAY,
        "auto_create_keys": False,  # accept any key as a new robot (demo convenience)
    },
}


@dataclass(slots=True)
class Partner:
    partner_id: int
    partner_key: str
    name: str = ""


def plan_step(plan: list, now: float) -> tuple:
    """The entry of a time-ordered plan [(time, …), …] in force at `now` (the first one before it starts)."""
    current = plan[0]
    for entry in plan:
        if entry[0] > now:
            break
        current = entry
    return current


@dataclass(slots=True)
class Order:
    sn: str
    shop_id: int
    create_time: int
    plan: list  # [(time, status)], ascending
    seed: int
    cod: bool
    ship_at: int | None  # PROCESSED time (shipment arranged)
    tracking_at: int | None  # the carrier assigns the tracking number
    tracking_number: str
    return_sn: str = ""

    def step(self, now: float) -> tuple[int, str]:
        return plan_step(self.plan, now)

    def time_of(self, status: str) -> int | None:
        return next((t for t, s in self.plan if s == status), None)


@dataclass(slots=True)
class ShopeeReturn:
    return_sn: str
    order_sn: str
    shop_id: int
    create_time: int
    plan: list  # [(time, status)]
    seed: int
    tracking_at: int
    tracking_number: str

    def step(self, now: float) -> tuple[int, str]:
        return plan_step(self.plan, now)


@dataclass(slots=True)
class Item:
    item_id: int
    name: str
    sku: str
    status: str
    create_time: int
    update_time: int
    price: float
    models: list  # [{"model_id","model_sku","name","price","stock","reserved"}]; empty for items without variants
    stock: int = 0
    reserved: int = 0


@dataclass
class Shop:
    shop_id: int
    region: str
    name: str
    partner_id: int | None = None
    orders: list = field(default_factory=list)  # sorted by (create_time, sn)
    orders_by_sn: dict = field(default_factory=dict)
    returns: list = field(default_factory=list)
    returns_by_sn: dict = field(default_factory=dict)
    items: dict = field(default_factory=dict)
    create_keys: list = field(default_factory=list)

    def sort_orders(self) -> None:
        self.orders.sort(key=lambda o: (o.create_time, o.sn))
        self.create_keys = [o.create_time for o in self.orders]

    def orders_created_between(self, start: float, end: float) -> list:
        """Orders with start <= create_time <= end, in (create_time, sn) order."""
        if len(self.create_keys) != len(self.orders):
            self.sort_orders()
        return self.orders[bisect_left(self.create_keys, start) : bisect_right(self.create_keys, end)]


@dataclass(slots=True)
class Authorization:
    partner_id: int
    shop_id: int
    authorized_at: float
    expires_at: float
    cancelled: bool = False

    def active(self, now: float) -> bool:
        return not self.cancelled and now < self.expires_at


@dataclass(slots=True)
class Token:
    token: str
    partner_id: int
    shop_id: int
    expires_at: float
    used: bool = False
    sibling: str = ""  # refresh tokens: the access token issued with them


@dataclass(slots=True)
class PendingAuth:
    session: str
    partner_id: int
    redirect: str
    state: str
    style: str  # "classic" or "code"
    cancel: bool = False


@dataclass(slots=True)
class Posting:
    posting_number: str
    order_id: int
    order_number: str
    scheme: str  # "fbs" or "fbo"
    created_at: int
    in_process_at: int
    plan: list  # [(time, status, substatus)]
    seed: int
    shipment_date: int
    tracking_at: int | None
    tracking_number: str
    warehouse_id: int
    products: list  # [(sku, offer_id, name, quantity, price)]
    id: int = 0

    def step(self, now: float) -> tuple:
        return plan_step(self.plan, now)


@dataclass(slots=True)
class OzonReturn:
    id: int
    posting_number: str
    order_id: int
    order_number: str
    schema: str
    created_at: int
    plan: list  # [(time, visual sys_name)]
    seed: int
    product: tuple  # (sku, offer_id, name, quantity, price)
    logistic_return_at: int
    storage_start_at: int

    def step(self, now: float) -> tuple:
        return plan_step(self.plan, now)


@dataclass(slots=True)
class Product:
    product_id: int
    offer_id: str
    name: str
    fbs_sku: int
    fbo_sku: int
    fbs_present: int
    fbs_reserved: int
    fbo_present: int
    fbo_reserved: int
    warehouse_id: int
    visible: bool = True


@dataclass
class Seller:
    client_id: int
    api_key: str
    roles: list
    active: bool = True
    name: str = ""
    postings: list = field(default_factory=list)  # sorted by (in_process_at, id)
    postings_by_number: dict = field(default_factory=dict)
    returns: list = field(default_factory=list)  # sorted by id
    products: list = field(default_factory=list)  # sorted by product_id
    warehouses: list = field(default_factory=list)  # [(id, name)]


@dataclass(slots=True)
class Robot:
    key: str
    name: str
    created_at: float


@dataclass(slots=True)
class Media:
    media_id: str
    key: str
    type: str
    filename: str
    size: int
    created_at: float


@dataclass(slots=True)
class Message:
    id: int
    key: str
    msgtype: str
    content: str
    mentioned_list: list
    mentioned_mobile_list: list
    mentions: list
    payload: dict
    time: float  # real Unix time
    sim_time: float

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "key": self.key,
            "msgtype": self.msgtype,
            "content": self.content,
            "mentioned_list": self.mentioned_list,
            "mentioned_mobile_list": self.mentioned_mobile_list,
            "mentions": self.mentions,
            "payload": self.payload,
            "time": self.time,
            "sim_time": self.sim_time,
        }


class World:
    """Everything the three simulators know, plus the clock, limits, faults and the request log."""

    def __init__(self):
        self.lock = threading.RLock()
        self.reset()

    def reset(self, *, keep_data: bool = False) -> None:
        """Forget everything; with `keep_data`, only rewind the clock, restore the config and disarm faults."""
        with self.lock:
            self.offset = 0.0
            self.config = copy.deepcopy(DEFAULT_CONFIG)
            self.faults = FaultBoard()
            self.daily_calls: dict[tuple[str, int], int] = {}
            self.rebuild_limiters()
            if not keep_data:
                self.forget()

    def forget(self) -> None:
        """Drop every partner, shop, token, seller, robot, message and logged request."""
        self.requests: deque = deque(maxlen=5000)
        self.request_ids = itertools.count(1)
        self.ids = itertools.count(1)
        # Shopee
        self.partners: dict[int, Partner] = {}
        self.shops: dict[int, Shop] = {}
        self.authorizations: dict[tuple[int, int], Authorization] = {}
        self.codes: dict[str, Token] = {}
        self.access_tokens: dict[str, Token] = {}
        self.refresh_tokens: dict[str, Token] = {}
        self.pending_auth: dict[str, PendingAuth] = {}
        self.order_sns: set[str] = set()
        # Ozon
        self.sellers: dict[int, Seller] = {}
        self.order_numbers = itertools.count(10_000_001)
        self.posting_ids = itertools.count(500_000_001)
        self.return_ids = itertools.count(90_000_001)
        # WeCom
        self.robots: dict[str, Robot] = {}
        self.messages: list[Message] = []
        self.media: dict[str, Media] = {}
        self.message_ids = itertools.count(1)
        self.wecom_corps: dict = {}  # WeCom server API (sandbox/wecom_server.py): corpid → Corp
        # Push emitters (sandbox/push.py)
        self.push_ids = itertools.count(1)
        self.shopee_push: dict = {}
        self.shopee_push_messages: list = []
        self.ozon_push: dict = {}

    def rebuild_limiters(self) -> None:
        """Fresh limiters with no history."""
        self.shopee_burst = WindowLimiter(limit=0, window=1.0)
        self.ozon_rps = WindowLimiter(limit=0, window=1.0)
        self.wecom_rate = WindowLimiter(limit=0, window=60.0)
        self.apply_limits()

    def apply_limits(self) -> None:
        """Point the limiters at the configured numbers, keeping the calls they have already counted."""
        shopee, ozon, wecom = self.config["shopee"], self.config["ozon"], self.config["wecom"]
        self.shopee_burst.limit, self.shopee_burst.window = int(shopee["burst_limit"]), float(shopee["burst_window"])
        self.ozon_rps.limit = int(ozon["rps_limit"])
        self.wecom_rate.limit, self.wecom_rate.mode = int(wecom["per_minute"]), wecom["window"]

    def now(self) -> float:
        """Simulated Unix time."""
        return time.time() + self.offset

    def advance(self, seconds: float) -> float:
        with self.lock:
            self.offset += seconds
            return self.now()

    def configure(self, changes: dict) -> dict:
        """Merge known keys into the config; unknown services or keys raise ValueError."""
        with self.lock:
            for service, values in changes.items():
                if service not in self.config or not isinstance(values, dict):
                    raise ValueError(f"unknown config section {service!r}")
                for key, value in values.items():
                    if key not in self.config[service]:
                        raise ValueError(f"unknown config key {service}.{key}")
                    default = DEFAULT_CONFIG[service][key]
                    if isinstance(default, bool) and not isinstance(value, bool):
                        raise ValueError(f"{service}.{key} must be a boolean")
                    if isinstance(default, int | float) and not isinstance(default, bool):
                        if isinstance(value, bool) or not isinstance(value, int | float):
                            raise ValueError(f"{service}.{key} must be a number")
                    if isinstance(default, str) and not isinstance(value, str):
                        raise ValueError(f"{service}.{key} must be a string")
                    self.config[service][key] = value
            if self.config["wecom"]["window"] not in ("fixed", "sliding"):
                self.config["wecom"]["window"] = "sliding"
                raise ValueError('wecom.window must be "fixed" or "sliding"')
            self.apply_limits()
            return copy.deepcopy(self.config)

    def log_request(self, *, service: str, method: str, path: str, query: dict, headers: dict, body) -> dict:
        entry = {
            "id": next(self.request_ids),
            "service": service,
            "method": method,
            "path": path,
            "query": query,
            "headers": headers,
            "body": body,
            "time": time.time(),
            "sim_time": self.now(),
            "status": None,
            "outcome": "",
        }
        with self.lock:
            self.requests.append(entry)
        return entry


WORLD = World()


def get_world() -> World:
    return WORLD
