"""Request context (id, IP, user agent, actor), the second-factor gate and last-active tracking."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import context
from .permissions import permissions_of
from .views_errors import api_error, method_not_allowed


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    try:
        return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)
    except ValueError as exc:
        raise ImproperlyConfigured(f"SHOPCREW_TRUSTED_PROXIES: {exc}") from exc


def _parse_ip(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in net for net in networks)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, unless that is a configured proxy (settings.SHOPCREW_TRUSTED_PROXIES,
    addresses or CIDRs, none by default). Then X-Forwarded-For is read from the right, skipping our own
    proxies, and the first hop they did not add for themselves is the client; anything to its left was
    written by the client and is ignored. A malformed hop ends the walk at the last trusted address."""
    remote = request.META.get("REMOTE_ADDR")
    networks = _networks(tuple(getattr(settings, "SHOPCREW_TRUSTED_PROXIES", ())))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not networks or not forwarded or not _trusted(_parse_ip(remote or ""), networks):
        return remote
    nearest = remote
    for hop in reversed(forwarded.split(",")):
        address = _parse_ip(hop)
        if address is None:
            return nearest
        if not _trusted(address, networks):
            return str(address)
        nearest = str(address)
    return nearest  # every hop is one of our proxies: the left-most is the closest we know to the client


class RequestContextMiddleware:
    """Gives each request an id (echoed as X-Request-ID) and binds source, IP and user agent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else context.new_request_id()
        request.request_id = request_id
        source = "api" if request.path.startswith("/api/") else "web"
        with context.bound(
            source=source,
            request_id=request_id,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
            actor_id=None,
            actor_display="",
            request=request,
        ):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class AuditActorMiddleware:
    """Binds the session's signed-in user as the actor of whatever this request records.

    API tokens are authenticated later, inside DRF's view: core.api.authentication binds their user then.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        context.set_actor(request.user)
        return self.get_response(request)


def needs_second_factor(user) -> bool:
    """Anyone with an administrative right must have a verified second factor."""
    return user.is_superuser or user.is_staff or permissions_of(user).is_admin


# Only the pages that get a person through the second factor; the security page, token issue etc. are gated.
SECOND_FACTOR_URL_NAMES = ("accounts:login", "accounts:logout", "accounts:otp_verify", "accounts:otp_setup")
# Set at sign-in for people who enrolled a device of their own accord: they must pass it too.
OTP_REQUIRED_SESSION_KEY = "shopcrew_otp_required"


def _second_factor_paths() -> set[str]:
    paths = set()
    for name in SECOND_FACTOR_URL_NAMES:
        try:
            paths.add(reverse(name))
        except NoReverseMatch:
            continue
    return paths


def second_factor_exempt(path: str) -> bool:
    prefixes = ["/static/", "/healthz", "/readyz", "/i18n/", "/jsi18n/", "/favicon", "/push/"]
    if getattr(settings, "SHOPCREW_DEMO", False):
        prefixes.append("/sandbox/")
    return path in _second_factor_paths() or any(path.startswith(p) for p in prefixes)


class SecondFactorRequiredMiddleware:
    """Admins without a verified second factor reach only the sign-in and 2FA pages.

    Covers every path, /admin/ and /api/ included, so there is no way around it. Enrolled users are
    sent to the code prompt, the rest to enrollment; the 2FA pages are exempt, so no loop.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not second_factor_exempt(request.path)
            and not getattr(request, "second_factor_via_token", False)
            and not user.is_verified()
            and (request.session.get(OTP_REQUIRED_SESSION_KEY) or needs_second_factor(user))
        ):
            if request.path.startswith("/api/"):
                message = _("This account must complete two-factor verification first.")
                return api_error(request, 403, "second_factor_required", message)
            from django_otp import user_has_device

            target = "accounts:otp_verify" if user_has_device(user) else "accounts:otp_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class LastActiveMiddleware:
    """Stamps staff.last_active at most once per LAST_ACTIVE_INTERVAL (one cheap UPDATE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = timezone.now()
            last = user.last_active
            if last is None or now - last >= settings.LAST_ACTIVE_INTERVAL:
                user._meta.model._base_manager.filter(pk=user.pk).update(last_active=now)  # user is a lazy proxy
                user.last_active = now
        return self.get_response(request)


class ErrorPageMiddleware:
    """Turns Django's bare 405 (HttpResponseNotAllowed, an empty body) into the framed page, or the API's
    JSON error under /api/; the Allow header is kept. DRF's own 405 is already JSON and passes through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed):
            return method_not_allowed(request, response.get("Allow", ""))
        return response
