"""Push receivers: Shopee's signed push and Ozon's push (platform-apis.md 1.10 and 2.8).

Machine-to-machine endpoints, not console pages: no session, no CSRF token, no second factor (nobody signs
in; core.middleware exempts /push/). They verify, record the push time and queue a fetch of what changed
(orders.pushes), then answer at once — the platforms give up after a few seconds. Nothing a push says is
written: the fetch reads the API, so a forged or replayed push changes nothing.

- Shopee: `POST /push/shopee/<partner_id>/`. `Authorization` must be hex HMAC-SHA256(push key, callback URL
  + "|" + raw body), compared in constant time; the push key is the app's partner key unless
  settings.SHOPCREW_SHOPEE_PUSH_KEYS names another for the partner. The callback URL is the one registered:
  settings.SHOPCREW_PUSH_BASE_URL + path when set (behind a proxy), else this request's absolute URL.
  A valid push answers 200 with an empty body; an unknown app or shop, or a bad signature, 403 (empty body)
  and nothing is queued.
- Ozon: `POST /push/ozon/`. TYPE_PING answers {"version", "name", "time"}; a push for a known seller answers
  {"result": true}; anything else Ozon's error shape {"error": {"code", "message", "details"}}.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from stores.clients.shopee import push_signature_valid
from stores.models import ShopeeApp

from .pushes import now_iso, ozon_push_accept, ozon_push_store, shopee_push_accept, shopee_push_stores

logger = logging.getLogger(__name__)

APP_NAME = "ShopCrew"
APP_VERSION = "1.0"


def callback_url(request) -> str:
    """The URL the platform signed: the configured public base plus this path, or this request's own URL."""
    base = getattr(settings, "SHOPCREW_PUSH_BASE_URL", "").rstrip("/")
    return f"{base}{request.get_full_path()}" if base else request.build_absolute_uri()


def shopee_push_key(app: ShopeeApp) -> str:
    keys = getattr(settings, "SHOPCREW_SHOPEE_PUSH_KEYS", {}) or {}
    return keys.get(str(app.partner_id)) or app.partner_key


def _refused(reason: str, partner_id: int) -> HttpResponse:
    logger.warning("Shopee push for partner %s refused: %s", partner_id, reason)
    return HttpResponse(status=403)


@csrf_exempt
@require_POST
def shopee_push(request, partner_id: int):
    """One Shopee push: verified against the app's push key, then its order fetch queued."""
    raw = request.body
    app = ShopeeApp.objects.filter(partner_id=partner_id, is_active=True).first()
    if app is None:
        return _refused("unknown app", partner_id)
    header = request.headers.get("Authorization", "")
    if not push_signature_valid(
        push_key=shopee_push_key(app), callback_url=callback_url(request), body=raw, header=header
    ):
        return _refused("bad signature", partner_id)
    try:
        envelope = json.loads(raw)
        code = int(envelope.get("code"))
    except (ValueError, TypeError, AttributeError):
        return HttpResponse(status=400)
    shop_id = envelope.get("shop_id")
    if shop_id is None:
        return HttpResponse(status=200)  # partner-level codes (1, 2 without a shop, 12) and the URL check
    try:
        store_id = shopee_push_stores([int(shop_id)]).get(int(shop_id))
    except (TypeError, ValueError):
        store_id = None
    if store_id is None:
        return _refused(f"unknown shop {shop_id!r}", partner_id)
    data = envelope.get("data") if isinstance(envelope.get("data"), dict) else {}
    shopee_push_accept(store_id=store_id, code=code, data=data)
    return HttpResponse(status=200)


def _ozon_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "details": None}}, status=status)


@csrf_exempt
@require_POST
def ozon_push(request):
    """One Ozon push: a ping answered with our name and time, a posting push with its fetch queued."""
    try:
        message = json.loads(request.body)
    except ValueError:
        return _ozon_error(400, "ERROR_UNKNOWN", "the body is not JSON")
    if not isinstance(message, dict) or not message.get("message_type"):
        return _ozon_error(400, "ERROR_PARAMETER_VALUE_MISSED", "message_type is required")
    if message["message_type"] == "TYPE_PING":
        return JsonResponse({"version": APP_VERSION, "name": APP_NAME, "time": now_iso()})
    store_id = ozon_push_store(message.get("seller_id"))
    if store_id is None:
        logger.warning("Ozon push for an unknown seller refused")
        return _ozon_error(403, "ERROR_UNKNOWN", "unknown seller_id")
    ozon_push_accept(store_id=store_id, message=message)
    return JsonResponse({"result": True})
