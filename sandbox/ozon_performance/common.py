"""Ozon Performance simulator, common ground: the keys it adds to the Ozon config section (registered on import,
so they are configurable and restored on reset), the API's constants (Moscow time, the account domain, report
limits, campaign states and budget types, the hour weights) and `PerformanceError`, the rpcStatus-style
`{"error": …}` answer every handler raises.
"""

from __future__ import annotations

import zoneinfo

from ..state import DEFAULT_CONFIG, get_world

CONFIG = {
    "performance_token_ttl": 1800,
    "performance_daily_quota": 100_000,  # authenticated calls per account per Moscow day; 0 = off
    "performance_stop_on_budget": True,  # a spent budget reads CAMPAIGN_STATE_STOPPED
    "performance_report_start_seconds": 3,  # NOT_STARTED this long after the order
    "performance_report_ready_seconds": 10,  # IN_PROGRESS until then, then OK
}
for _key, _value in CONFIG.items():  # the keys join the Ozon config (configurable, restored on reset)
    DEFAULT_CONFIG["ozon"].setdefault(_key, _value)
    get_world().config["ozon"].setdefault(_key, _value)

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")
DOMAIN = "@advertising.performance.ozon.ru"
UNAUTHENTICATED = "Запрос не аутентифицирован"
MAX_REPORT_CAMPAIGNS = 10
MAX_REPORT_DAYS = 62
GROUP_BY = ("NO_GROUP_BY", "DATE", "START_OF_WEEK", "START_OF_MONTH")
ID_PARAMS = ("campaignIds", "campaign_ids", "campaigns")
STATE = "CAMPAIGN_STATE_"
OWNER_STATES = tuple(
    STATE + s
    for s in (
        "RUNNING",
        "PLANNED",
        "STOPPED",
        "INACTIVE",
        "ARCHIVED",
        "MODERATION_DRAFT",
        "MODERATION_IN_PROGRESS",
        "MODERATION_FAILED",
        "FINISHED",
    )
)
WEEKLY, DAILY = "PRODUCT_CAMPAIGN_BUDGET_TYPE_WEEKLY", "PRODUCT_CAMPAIGN_BUDGET_TYPE_DAILY"
ADV_TYPES = {"SKU": "CPC", "SEARCH_PROMO": "CPO", "BANNER": "CPM"}
# Share of a campaign's hourly spend by Moscow hour: quiet nights, busy evenings.
HOUR_WEIGHTS = (
    0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.4, 0.7, 0.9, 1.0, 1.1, 1.1,
    1.2, 1.2, 1.1, 1.0, 1.0, 1.1, 1.3, 1.5, 1.6, 1.4, 1.0, 0.6,
)  # fmt: skip


class PerformanceError(Exception):
    def __init__(self, status: int, error: str, **extra):
        super().__init__(error)
        self.status = status
        self.payload = {"error": error, **extra}


def bad(message: str) -> PerformanceError:
    return PerformanceError(400, message)
