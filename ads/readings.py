"""What one poll of a store's ads reads, in the platform's own terms made common (the adapters `ads.shopee` and
`ads.ozon` build it; `ads.services` stores it).

Money is a Decimal in the store's currency (Ozon's roubles with VAT, Shopee's shop currency). Days are the
platform's days: the shop's local date for Shopee, Moscow's for Ozon. A figure with `campaign_id == ""` is the
whole store's; `hour` is set only on hourly figures (Shopee's hourly performance, 0..23) and is None on daily
ones. Hourly figures are per hour, not running totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


class CampaignState:
    """A campaign's state in common words; the platform's own word is kept beside it."""

    RUNNING = "running"
    SCHEDULED = "scheduled"
    PAUSED = "paused"  # stopped by its owner (Shopee paused, Ozon CAMPAIGN_STATE_INACTIVE)
    OUT_OF_BUDGET = "out_of_budget"  # Ozon CAMPAIGN_STATE_STOPPED since 2024-10-11 (Shopee has no such state)
    ENDED = "ended"  # ended, finished, closed, archived, deleted
    OTHER = "other"  # moderation, unknown

    ALL = (RUNNING, SCHEDULED, PAUSED, OUT_OF_BUDGET, ENDED, OTHER)


class BudgetPeriod:
    DAILY = "daily"
    WEEKLY = "weekly"
    TOTAL = "total"
    NONE = ""  # unlimited


@dataclass(frozen=True)
class Campaign:
    platform_id: str
    name: str
    state: str  # a CampaignState value
    platform_state: str  # e.g. "ongoing", "CAMPAIGN_STATE_STOPPED"
    budget: Decimal | None  # per `budget_period`; None when unlimited (Shopee 0, Ozon "0")
    budget_period: str  # a BudgetPeriod value


@dataclass(frozen=True)
class Figures:
    day: date
    campaign_id: str  # "" for the store as a whole
    spend: Decimal
    impressions: int = 0
    clicks: int = 0
    orders: int = 0
    sales: Decimal = Decimal(0)  # GMV attributed to ads (Shopee broad_gmv, Ozon ordersMoney)
    hour: int | None = None


@dataclass
class AdsReading:
    """One poll's answer. `complete_days` are the days the reading holds every figure for (closed days read
    again, or today so far); the store's rows for those days are replaced by these."""

    campaigns: list[Campaign] = field(default_factory=list)
    days: list[Figures] = field(default_factory=list)  # daily figures, store-level and per campaign
    hours: list[Figures] = field(default_factory=list)  # hourly figures (Shopee only), store-level
    balance: Decimal | None = None  # Shopee's ads credit; Ozon has none
    complete_days: list[date] = field(default_factory=list)
    calls: int = 0  # platform calls the reading made (the polling benchmark counts them)
