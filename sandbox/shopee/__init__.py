"""Shopee Open Platform v2 simulator (contract: platform-apis.md sections 1 and 5).

Paths are matched exactly below the mount point (`/shopee` standalone, `/sandbox/shopee` in the console);
the signed `api_path` is the part from `/api/v2/` on, as on the real host. Common parameters, signatures
and the timestamp window are checked before any API logic; answers use the `{request_id, error, message,
response}` envelope, the token endpoints and `get_shop_info` answer flat.

Sections, each importing only those above it: common (messages, `ShopeeError`, `sign`, `Call`, the endpoint
table) · checks · tokens · orders · returns · products · views (`api`, `base_string`) · lost_push. Each section
registers its paths on the endpoint table when imported; the read-only ads endpoints (sandbox/shopee_ads/)
register last, from the bottom of this file, and import `Call`, `endpoint`, … from here. Callers import from
`sandbox.shopee`; the names below are its public surface.
"""

from .checks import check_access_token, check_common, check_rate
from .common import (
    DAILY_LIMIT,
    ENDPOINTS,
    ITEM_STATUSES,
    LIST_STATUSES,
    RATE_LIMITED,
    U32,
    UNKNOWN_PATH,
    WINDOW,
    Call,
    Endpoint,
    ShopeeError,
    endpoint,
    param_error,
    parse_u32,
    sign,
    wrong,
)
from .lost_push import confirm_consumed_lost_push_message, get_lost_push_message
from .orders import (
    check_window,
    decode_cursor,
    encode_cursor,
    get_order_detail,
    get_order_list,
    get_tracking_number,
)
from .products import get_item_base_info, get_item_list, get_model_list
from .returns import get_return_detail, get_return_list, return_window
from .tokens import (
    access_token_get,
    body_int,
    get_shop_info,
    issue_code,
    issue_tokens,
    json_body,
    revoke_shop,
    token_get,
)
from .views import api, base_string, error_payload, error_status, fault_before, identifiers, retry_after, shape

__all__ = [
    "U32",
    "UNKNOWN_PATH",
    "RATE_LIMITED",
    "DAILY_LIMIT",
    "LIST_STATUSES",
    "ITEM_STATUSES",
    "WINDOW",
    "ShopeeError",
    "param_error",
    "wrong",
    "sign",
    "parse_u32",
    "Call",
    "Endpoint",
    "ENDPOINTS",
    "endpoint",
    "check_common",
    "check_rate",
    "check_access_token",
    "issue_code",
    "issue_tokens",
    "revoke_shop",
    "body_int",
    "json_body",
    "token_get",
    "access_token_get",
    "get_shop_info",
    "encode_cursor",
    "decode_cursor",
    "check_window",
    "get_order_list",
    "get_order_detail",
    "get_tracking_number",
    "return_window",
    "get_return_list",
    "get_return_detail",
    "get_item_list",
    "get_item_base_info",
    "get_model_list",
    "error_payload",
    "error_status",
    "identifiers",
    "fault_before",
    "retry_after",
    "shape",
    "api",
    "base_string",
    "get_lost_push_message",
    "confirm_consumed_lost_push_message",
]

from .. import shopee_ads  # noqa: E402, F401  (registers the read-only ads endpoints; it imports the names above)
