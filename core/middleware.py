"""Request context (id, IP, user agent, actor), the second-factor gate and last-active tracking."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import context
from .permissions import permissions_of


def client_ip(request) -> str | None:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and getattr(settings, "USE_X_FORWARDED_FOR", False):
        return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


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
        ):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class AuditActorMiddleware:
    """Binds the signed-in user as the actor of whatever this request records."""

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
    prefixes = ["/static/", "/healthz", "/readyz", "/i18n/", "/jsi18n/", "/favicon"]
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
                return JsonResponse(
                    {"detail": _("This account must complete two-factor verification first.")}, status=403
                )
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
