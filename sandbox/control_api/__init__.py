"""The control API: JSON over HTTP to set up the simulated world, move its clock and break it on purpose.

Documented with curl examples in sandbox/README.md. Errors answer `{"error": "..."}` with 400 or 404.

Sections, each importing only those above it: base (`ControlError`, the route table, shared helpers) · world ·
shops (Shopee, Shopee Ads) · sellers (Ozon, Ozon Performance) · wecom (robots, the server API's corps) ·
pushes (push emitters, the demo tick) · faults (and the request log) · views (`api`). Each section registers
its routes when imported, and `api` answers with the first route that matches, so the sections are imported
below in this order (the order of the routes before the split). Callers import from `sandbox.control_api`; the
names below are its public surface.
"""

# isort: off
from .base import ROUTES, ControlError, get_partner, get_seller, get_shop, number, route, time_range
from .world import advance, clock, config_get, config_set, overview, reset
from .shops import (
    partner_create,
    ratios,
    shop_ads_campaign,
    shop_ads_get,
    shop_ads_spike,
    shop_code,
    shop_create,
    shop_deauthorize,
    shop_get,
    shop_items,
    shop_order,
    shop_orders,
    shop_returns,
    shop_stock,
    shop_summary,
    shop_tokens,
)
from .sellers import (
    PERFORMANCE,
    performance_campaign,
    performance_get,
    performance_spike,
    seller_create,
    seller_get,
    seller_posting,
    seller_postings,
    seller_products,
    seller_returns,
    seller_stock,
    seller_summary,
    seller_update,
)
from .wecom import (
    messages,
    robot_create,
    wecom_corp_expire,
    wecom_corp_get,
    wecom_corp_set,
    wecom_member_set,
    wecom_scan,
    wecom_secret_set,
)
from .pushes import (
    UNLOCKED_ROUTES,
    demo_tick,
    ozon_push_emit,
    ozon_push_get,
    ozon_push_ping,
    ozon_push_set,
    push_body_numbers,
    push_flush,
    shopee_push_emit,
    shopee_push_get,
    shopee_push_set,
)
from .faults import fault_add, faults_clear, faults_list, requests_list
from .views import QUERY_ROUTES, api
# isort: on

__all__ = [
    "ControlError",
    "ROUTES",
    "route",
    "number",
    "time_range",
    "get_shop",
    "get_partner",
    "get_seller",
    "overview",
    "reset",
    "clock",
    "advance",
    "config_get",
    "config_set",
    "partner_create",
    "shop_create",
    "shop_summary",
    "shop_get",
    "shop_code",
    "shop_tokens",
    "shop_deauthorize",
    "ratios",
    "shop_orders",
    "shop_returns",
    "shop_order",
    "shop_items",
    "shop_stock",
    "shop_ads_get",
    "shop_ads_spike",
    "shop_ads_campaign",
    "seller_create",
    "seller_summary",
    "seller_get",
    "seller_update",
    "seller_postings",
    "seller_returns",
    "seller_posting",
    "seller_products",
    "seller_stock",
    "PERFORMANCE",
    "performance_get",
    "performance_spike",
    "performance_campaign",
    "robot_create",
    "messages",
    "wecom_corp_set",
    "wecom_corp_get",
    "wecom_corp_expire",
    "wecom_secret_set",
    "wecom_scan",
    "wecom_member_set",
    "push_body_numbers",
    "shopee_push_set",
    "shopee_push_get",
    "shopee_push_emit",
    "ozon_push_set",
    "ozon_push_get",
    "ozon_push_ping",
    "ozon_push_emit",
    "push_flush",
    "demo_tick",
    "UNLOCKED_ROUTES",
    "faults_list",
    "fault_add",
    "faults_clear",
    "requests_list",
    "QUERY_ROUTES",
    "api",
]
