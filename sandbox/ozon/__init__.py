"""Ozon Seller API simulator (contract: platform-apis.md sections 2 and 5).

Every method is a POST with a JSON body and the `Client-Id` / `Api-Key` headers. Errors use the rpcStatus
body `{"code", "message", "details"}` with the HTTP statuses observed on the real API (401/400/404/429).

Sections, each importing only those above it: common (vocabularies, `OzonError`, `Call`, the route table) ·
selection (postings, cursors, periods) · fbs · fbo · returns · stock · views (`api`). Each section registers
its paths on the route table when imported. Callers import from `sandbox.ozon`; the names below are its public
surface.
"""

from .common import (
    FBO_STATUSES,
    FBS_FILTER_STATUSES,
    RETURN_DATE_FILTERS,
    ROUTES,
    UNFULFILLED,
    VISIBILITY,
    YEAR,
    Call,
    OzonError,
    Route,
    invalid,
    route,
)
from .fbo import fbo_list_v2, fbo_list_v3
from .fbs import fbs_get, fbs_list_v3, fbs_list_v4, unfulfilled_rows, unfulfilled_v3, unfulfilled_v4
from .returns import return_matches, returns_list
from .selection import (
    changed_between,
    cursor_page,
    decode_cursor,
    encode_cursor,
    fingerprint,
    period,
    select_postings,
    with_flags,
)
from .stock import product_stocks, stock_page
from .views import api, authenticate, fault_before, not_found

__all__ = [
    "YEAR",
    "FBS_FILTER_STATUSES",
    "FBO_STATUSES",
    "UNFULFILLED",
    "RETURN_DATE_FILTERS",
    "VISIBILITY",
    "OzonError",
    "invalid",
    "Call",
    "Route",
    "ROUTES",
    "route",
    "changed_between",
    "select_postings",
    "fingerprint",
    "encode_cursor",
    "decode_cursor",
    "cursor_page",
    "with_flags",
    "period",
    "fbs_list_v4",
    "fbs_list_v3",
    "unfulfilled_rows",
    "unfulfilled_v4",
    "unfulfilled_v3",
    "fbs_get",
    "fbo_list_v3",
    "fbo_list_v2",
    "returns_list",
    "return_matches",
    "stock_page",
    "product_stocks",
    "authenticate",
    "fault_before",
    "not_found",
    "api",
]
