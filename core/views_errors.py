"""Error answers a person can read: the console's frame in the user's language with a way back, or, under
/api/, JSON in the API's error shape {"code", "message", "request_id"} (core.api.exceptions gives DRF's
errors the same shape). Wired as Django's handler400/403/404/500 and CSRF failure view (config.urls,
settings), and used by core.middleware.ErrorPageMiddleware for the bare 405 Django answers.
"""

from __future__ import annotations

import logging

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from . import denied

logger = logging.getLogger(__name__)


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def api_error(request, status: int, code: str, message: str) -> JsonResponse:
    """The API's error shape; the request id lets a caller quote the failure to support. `detail` repeats the
    message for clients written against DRF's own shape."""
    body = {"code": code, "message": message, "detail": message, "request_id": getattr(request, "request_id", "")}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _back_url(request) -> str:
    """The page the person came from, when it is one of ours and not this one."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except Exception:  # a disallowed Host header: offer no way back but home
        return ""
    if referer and url_has_allowed_host_and_scheme(referer, {host}) and not referer.endswith(request.get_full_path()):
        return referer
    return ""


def error_page(request, status: int, *, reason: str = "", headers=None, **extra) -> HttpResponse:
    """The framed page for an error status (templates/<status>.html), rendered with the request's context."""
    context = {
        **extra,
        "status": status,
        "reason": reason,
        "back_url": _back_url(request),
        "request_id": getattr(request, "request_id", ""),
    }
    response = render(request, f"{status}.html", context, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def bad_request(request, exception=None):
    if is_api(request):
        return api_error(request, 400, "bad_request", _("The request could not be understood."))
    return error_page(request, 400)


def permission_denied(request, exception=None):
    reason = str(exception) if exception is not None and exception.args else ""
    if reason:
        denied.note(reason)  # the refusal's own words become the `denied` event's reason
    if is_api(request):
        return api_error(request, 403, "permission_denied", reason or _("You do not have permission to do this."))
    return error_page(request, 403, reason=reason)


def page_not_found(request, exception=None):
    # Never the exception's text: Django's lists the URL patterns it tried.
    if is_api(request):
        return api_error(request, 404, "not_found", _("Nothing was found at this address."))
    return error_page(request, 404)


def method_not_allowed(request, allowed: str) -> HttpResponse:
    """The 405 answer; `allowed` is the Allow header of Django's bare response."""
    headers = {"Allow": allowed}
    if is_api(request):
        message = _("This address does not accept %(method)s.") % {"method": request.method}
        response = api_error(request, 405, "method_not_allowed", message)
        response["Allow"] = allowed
        return response
    return error_page(request, 405, headers=headers, allowed=allowed)


def csrf_failure(request, reason=""):
    """A form sent without (or with a stale) security token: explain how to recover, in the frame."""
    message = _("The form's security check failed. Reload the page and send it again.")
    denied.note(f"CSRF: {reason}")
    if is_api(request):
        return api_error(request, 403, "csrf_failed", message)
    return error_page(request, 403, reason=message)


def server_error(request):
    """The 500 page. Rendered without the request's context processors (they read the database, which may
    be what failed) and, should even that fail, as plain text."""
    request_id = getattr(request, "request_id", "")
    if is_api(request):
        return api_error(request, 500, "server_error", _("Something went wrong on our side; please try again."))
    try:
        body = loader.get_template("500.html").render({"status": 500, "request_id": request_id})
    except Exception:
        logger.exception("the 500 page itself failed to render")
        body = f"500 — {_('Something went wrong on our side; please try again.')} ({request_id})"
    return HttpResponse(body, status=500)
