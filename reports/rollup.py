"""The daily rollups behind the board: one set-based statement writes today's and yesterday's StoreDay rows of
every store at once (INSERT … SELECT … GROUP BY store, day … ON CONFLICT), then one UPDATE refreshes the
snapshots (stock, overdue cases, sync health) of each store's current day. No loop over stores.

Days are the store's own local days (its time zone). Definitions, per store and day:
- orders: orders created that day; sales: their amounts, cancelled ones excluded, in the store's currency;
  sales_converted: the same converted to the company currency at ExchangeRate (the company currency at 1);
- cost: quantity × SkuCost of each line of those orders (seller SKU, else platform SKU), converted;
  uncosted_lines: lines without a cost or a rate (the margin leaves them out); margin = sales_converted − cost;
- shipped: orders due to ship that day (ship_by) that have shipped; shipped_on_time: those handled (or last
  updated on the platform, when nobody handled them in the console) by their ship-by time;
- cancelled: orders created that day now cancelled; returned: return / refund cases opened that day;
- checklist_done / checklist_total: the store's daily checklists for that day, completed / all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

SHIPPED = ("shipped", "delivered", "returning")
OPEN_CASES = ("requested", "processing", "disputed", "returning")
RETURN_KINDS = ("return_refund", "refund", "return")

_FLOWS = """
WITH rates AS (
    SELECT currency, rate FROM reports_exchangerate
    UNION ALL SELECT %(company)s, 1 WHERE NOT EXISTS (SELECT 1 FROM reports_exchangerate WHERE currency = %(company)s)
), target AS (
    SELECT s.id AS store_id, d.day,
           (d.day::timestamp AT TIME ZONE s.tz) AS since, ((d.day + 1)::timestamp AT TIME ZONE s.tz) AS until
    FROM (SELECT id, COALESCE(NULLIF(timezone, ''), 'UTC') AS tz FROM stores_store) s
    CROSS JOIN LATERAL (
        SELECT ((%(now)s::timestamptz AT TIME ZONE s.tz)::date - k) AS day FROM generate_series(0, %(back)s) k
    ) d
), ord AS (
    SELECT t.store_id, t.day, count(*) AS orders, max(o.currency) AS currency,
           COALESCE(sum(o.amount) FILTER (WHERE o.status <> 'cancelled'), 0) AS sales,
           COALESCE(sum(o.amount * r.rate) FILTER (WHERE o.status <> 'cancelled'), 0) AS sales_converted,
           count(*) FILTER (WHERE o.status = 'cancelled') AS cancelled
    FROM target t
    JOIN orders_order o ON o.store_id = t.store_id AND o.platform_created_at >= t.since AND o.platform_created_at < t.until
    LEFT JOIN rates r ON r.currency = o.currency
    GROUP BY t.store_id, t.day
), goods AS (
    SELECT t.store_id, t.day, COALESCE(sum(i.quantity * c.cost * r.rate), 0) AS cost,
           count(*) FILTER (WHERE r.rate IS NULL) AS uncosted
    FROM target t
    JOIN orders_order o ON o.store_id = t.store_id AND o.platform_created_at >= t.since AND o.platform_created_at < t.until
         AND o.status <> 'cancelled'
    JOIN orders_orderitem i ON i.order_id = o.id
    LEFT JOIN reports_skucost c ON c.sku = COALESCE(NULLIF(i.seller_sku, ''), i.sku)
    LEFT JOIN rates r ON r.currency = c.currency
    GROUP BY t.store_id, t.day
), ship AS (
    SELECT t.store_id, t.day, count(*) AS shipped,
           count(*) FILTER (WHERE COALESCE(o.handled_at, o.platform_updated_at) <= o.ship_by) AS on_time
    FROM target t
    JOIN orders_order o ON o.store_id = t.store_id AND o.status = ANY(%(shipped)s)
         AND o.ship_by >= t.since AND o.ship_by < t.until
    GROUP BY t.store_id, t.day
), ret AS (
    SELECT t.store_id, t.day, count(*) AS returned
    FROM target t
    JOIN orders_aftersalescase a ON a.store_id = t.store_id AND a.kind = ANY(%(return_kinds)s)
         AND a.platform_created_at >= t.since AND a.platform_created_at < t.until
    GROUP BY t.store_id, t.day
), checks AS (
    SELECT t.store_id, t.day, count(*) AS total, count(c.completed_at) AS done
    FROM target t JOIN sop_checklist c ON c.store_id = t.store_id AND c.kind = 'daily' AND c.for_date = t.day
    GROUP BY t.store_id, t.day
), %(snapshots)s
INSERT INTO reports_storeday (
    store_id, day, orders, currency, sales, sales_converted, cost, margin, uncosted_lines, shipped, shipped_on_time,
    cancelled, returned, skus, out_of_stock_skus, low_stock_skus, open_cases_past_due, sync_ok, sync_error,
    checklist_done, checklist_total, rolled_up_at
)
SELECT t.store_id, t.day, COALESCE(o.orders, 0), COALESCE(o.currency, ''), COALESCE(o.sales, 0),
       COALESCE(o.sales_converted, 0), COALESCE(g.cost, 0), COALESCE(o.sales_converted, 0) - COALESCE(g.cost, 0),
       COALESCE(g.uncosted, 0), COALESCE(sh.shipped, 0), COALESCE(sh.on_time, 0), COALESCE(o.cancelled, 0),
       COALESCE(rt.returned, 0), sn.skus, sn.out_skus, sn.low_skus, sn.overdue, sn.sync_ok, sn.sync_error,
       COALESCE(ch.done, 0), COALESCE(ch.total, 0), %(now)s
FROM target t
JOIN snap sn ON sn.store_id = t.store_id
LEFT JOIN ord o ON o.store_id = t.store_id AND o.day = t.day
LEFT JOIN goods g ON g.store_id = t.store_id AND g.day = t.day
LEFT JOIN ship sh ON sh.store_id = t.store_id AND sh.day = t.day
LEFT JOIN ret rt ON rt.store_id = t.store_id AND rt.day = t.day
LEFT JOIN checks ch ON ch.store_id = t.store_id AND ch.day = t.day
ON CONFLICT (store_id, day) DO UPDATE SET
    orders = EXCLUDED.orders, currency = EXCLUDED.currency, sales = EXCLUDED.sales,
    sales_converted = EXCLUDED.sales_converted, cost = EXCLUDED.cost, margin = EXCLUDED.margin,
    uncosted_lines = EXCLUDED.uncosted_lines, shipped = EXCLUDED.shipped, shipped_on_time = EXCLUDED.shipped_on_time,
    cancelled = EXCLUDED.cancelled, returned = EXCLUDED.returned, checklist_done = EXCLUDED.checklist_done,
    checklist_total = EXCLUDED.checklist_total, rolled_up_at = EXCLUDED.rolled_up_at
"""

# What each store looks like now (stock, overdue cases, sync health): a fresh row starts with it, and the
# current day's row is refreshed with it.
_SNAPSHOT_CTES = """today AS (
    SELECT id AS store_id, (%(now)s::timestamptz AT TIME ZONE COALESCE(NULLIF(timezone, ''), 'UTC'))::date AS day
    FROM stores_store
), stock AS (
    SELECT store_id, count(*) AS skus, count(*) FILTER (WHERE state = 'out') AS out_skus,
           count(*) FILTER (WHERE state = 'low') AS low_skus
    FROM orders_stocklevel GROUP BY store_id
), overdue AS (
    SELECT store_id, count(*) AS n FROM orders_aftersalescase
    WHERE status = ANY(%(open_cases)s) AND due_at < %(now)s GROUP BY store_id
), snap AS (
    SELECT t.store_id, t.day, COALESCE(st.skus, 0) AS skus, COALESCE(st.out_skus, 0) AS out_skus,
           COALESCE(st.low_skus, 0) AS low_skus, COALESCE(od.n, 0) AS overdue,
           COALESCE(sy.health = 'ok', true) AS sync_ok,
           CASE WHEN COALESCE(sy.health, 'ok') = 'ok' THEN '' ELSE COALESCE(sy.last_error, '') END AS sync_error
    FROM today t
    LEFT JOIN stock st ON st.store_id = t.store_id
    LEFT JOIN overdue od ON od.store_id = t.store_id
    LEFT JOIN orders_syncstate sy ON sy.store_id = t.store_id
)"""

_SNAPSHOTS = (
    "WITH "
    + _SNAPSHOT_CTES
    + """
UPDATE reports_storeday d SET skus = s.skus, out_of_stock_skus = s.out_skus, low_stock_skus = s.low_skus,
       open_cases_past_due = s.overdue, sync_ok = s.sync_ok, sync_error = s.sync_error
FROM snap s WHERE d.store_id = s.store_id AND d.day = s.day
"""
)

_UPSERT = _FLOWS.replace("%(snapshots)s", _SNAPSHOT_CTES)


def storeday_rollup(*, now: datetime | None = None, days_back: int = 1) -> int:
    """Write (or rewrite) every store's StoreDay rows for its current local day and the `days_back` days before,
    then refresh the current day's snapshots. Idempotent: running it twice leaves the same rows. Returns the
    number of rows written. Two statements whatever the number of stores, in one transaction (on PostgreSQL; other
    databases, the quick start's SQLite, go through reports.rollup_portable)."""
    now = now or timezone.now()
    if connection.vendor != "postgresql":
        from .rollup_portable import storeday_rollup_portable

        return storeday_rollup_portable(now=now, days_back=days_back)
    params: dict[str, Any] = {
        "now": now,
        "back": days_back,
        "company": settings.SHOPCREW_COMPANY_CURRENCY,
        "shipped": list(SHIPPED),
        "return_kinds": list(RETURN_KINDS),
        "open_cases": list(OPEN_CASES),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_UPSERT, params)
        written = cursor.rowcount
        cursor.execute(_SNAPSHOTS, params)
    return written
