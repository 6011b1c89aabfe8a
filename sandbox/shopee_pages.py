"""The seller-facing Shopee authorization pages: a signed classic link or the newer `/auth?response_type=code`.

Both show an "authorize this app for shop X" page; confirming records the authorization and redirects
the browser to `redirect?code=...&shop_id=...` (plus `state` when the link carried one).
"""

import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .http import hex32, json_response
from .shopee import Call, ShopeeError, check_common, error_payload, error_status, issue_code, parse_u32, revoke_shop
from .state import PendingAuth, Shop, World

REGIONS = ("SG", "MY", "TH", "VN", "PH", "ID", "TW", "BR", "MX", "CO", "CL")
DAY_CHOICES = (365, 180, 90, 30)


def with_query(url: str, params: dict) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + [(k, str(v)) for k, v in params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def render(world: World, pending: PendingAuth | None, *, error: str = "", status: int = 200) -> HttpResponse:
    context = {"error": error, "regions": REGIONS, "day_choices": DAY_CHOICES}
    if pending is not None:
        partner = world.partners[pending.partner_id]
        shops = sorted(world.shops.values(), key=lambda s: (s.partner_id != pending.partner_id, s.shop_id))
        context.update(
            {
                "pending": pending,
                "partner": partner,
                "app_name": partner.name or f"App {partner.partner_id}",
                "shops": [
                    {
                        "shop_id": s.shop_id,
                        "name": s.name,
                        "region": s.region,
                        "authorized": (pending.partner_id, s.shop_id) in world.authorizations,
                    }
                    for s in shops
                ],
            }
        )
    html = render_to_string("sandbox/shopee_authorize.html", context)
    return HttpResponse(html, status=status)


def start(world: World, *, partner_id: int, redirect: str, state: str, style: str, cancel: bool) -> HttpResponse:
    pending = PendingAuth(
        session=secrets.token_urlsafe(16),
        partner_id=partner_id,
        redirect=redirect,
        state=state,
        style=style,
        cancel=cancel,
    )
    with world.lock:
        world.pending_auth[pending.session] = pending
        return render(world, pending)


def submit(request, world: World) -> HttpResponse:
    """The seller confirmed: record consent, mint a code, send the browser back to the app."""
    form = request.POST
    with world.lock:
        pending = world.pending_auth.get(form.get("session", ""))
        if pending is None:
            return render(
                world, None, error=_("This authorization link has expired. Start again from the app."), status=400
            )
        shop_id = parse_u32(form.get("new_shop_id") or form.get("shop_id") or "")
        if shop_id is None or shop_id == 0:
            return render(world, pending, error=_("Choose a shop or enter a shop id."), status=400)
        if shop_id not in world.shops:
            region = form.get("region") if form.get("region") in REGIONS else "SG"
            world.shops[shop_id] = Shop(shop_id=shop_id, region=region, name=f"Shop {shop_id}")
        if pending.cancel:
            revoke_shop(world, partner_id=pending.partner_id, shop_id=shop_id)
            params = {"shop_id": shop_id}
        else:
            days = parse_u32(form.get("days") or "") or None
            params = {
                "code": issue_code(world, partner_id=pending.partner_id, shop_id=shop_id, days=days),
                "shop_id": shop_id,
            }
        if pending.state:
            params["state"] = pending.state
        del world.pending_auth[pending.session]
    response = HttpResponse(status=302)
    response["Location"] = with_query(pending.redirect, params)
    return response


def classic(request, world: World, api_path: str) -> HttpResponse:
    """`/api/v2/shop/auth_partner` (and `cancel_auth_partner`): a Public-signed link, valid 5 minutes."""
    if request.method == "POST":
        return submit(request, world)
    call = Call(world=world, request=request, api_path=api_path, body=None, now=world.now(), request_id=hex32())
    try:
        with world.lock:
            check_common(call, "public")
        if not request.GET.get("redirect"):
            raise ShopeeError("error_param", "Wrong parameters, detail: redirect is required.")
    except ShopeeError as exc:
        return json_response(error_payload(exc, call.request_id), status=error_status(world, exc))
    return start(
        world,
        partner_id=call.partner_id,
        redirect=request.GET["redirect"],
        state=request.GET.get("state", ""),
        style="classic",
        cancel=api_path.endswith("cancel_auth_partner"),
    )


def code_style(request, world: World, api_path: str) -> HttpResponse:
    """`/auth?auth_type=seller&partner_id=..&redirect_uri=..&response_type=code[&state=..]`: no signature."""
    if request.method == "POST":
        return submit(request, world)
    query = request.GET
    partner_id = parse_u32(query.get("partner_id", ""))
    if partner_id is None or partner_id not in world.partners:
        return render(world, None, error=_("Unknown partner_id."), status=400)
    redirect = query.get("redirect_uri") or query.get("redirect")
    if not redirect:
        return render(world, None, error=_("redirect_uri is required."), status=400)
    if query.get("response_type", "code") != "code":
        return render(world, None, error=_("response_type must be code."), status=400)
    if query.get("auth_type", "seller") != "seller":
        return render(world, None, error=_("Only auth_type=seller is simulated."), status=400)
    return start(
        world, partner_id=partner_id, redirect=redirect, state=query.get("state", ""), style="code", cancel=False
    )


PAGES = {
    "/api/v2/shop/auth_partner": classic,
    "/api/v2/shop/cancel_auth_partner": classic,
    "/auth": code_style,
}
