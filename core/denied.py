"""Refused writes leave a trace: every refused mutating request is handed to the denial recorder.

A request counts as refused when its method writes (POST, PUT, PATCH, DELETE) and either it is answered
401, 403 or 404 (whoever refused: the gate, the scope, CSRF, the second-factor middleware, DRF), or a
service refused the actor a right by raising `Refused` (a delegation or approval refusal that a page may
turn into a message and a redirect). The middleware hands one `Denial` per request to the callable named
by settings.SHOPCREW_DENIAL_RECORDER (audit.services.denied_record, which writes the `denied` audit event,
coalesced per actor and URL per minute); core itself imports no domain app.
"""

from __future__ import annotations

import contextvars
import logging
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSED_STATUSES = {401: "not signed in", 403: "forbidden", 404: "not found or not visible"}

# The refusals noted while serving the current write request; None outside one (then note() does nothing).
_noted: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("shopcrew_refusals", default=None)


@dataclass(frozen=True)
class Denial:
    """One refused request: what was asked (URL name, method, target) and why it was refused."""

    url_name: str
    method: str
    target: dict = field(default_factory=dict)
    reason: str = ""
    path: str = ""
    status: int = 0


def note(reason) -> None:
    """A service refuses the action being attempted: the current write request is recorded as denied.

    Called where a refusal is raised (it writes nothing itself: the refusal's transaction is about to roll
    back). Outside a write request (a task, a command, a GET) it does nothing.
    """
    noted = _noted.get()
    if noted is not None:
        noted.append(str(reason))


class Refused(PermissionDenied):
    """A service refuses the actor a right (delegation, approval, …): a PermissionDenied that also marks
    the current write request as denied, however the caller answers it (a message and a redirect, a form
    error, or the API's 403). Services raise it where they refuse, so every refusal is recorded."""

    def __init__(self, message="", *args):
        super().__init__(message, *args)
        note(message)


def _resolve(request):
    """The URL match of a request refused before the URL was resolved (by a middleware), or None."""
    try:
        return resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None


def denial_of(request, status: int, noted: list[str]) -> Denial:
    """The Denial for a refused request: its resolved URL name and kwargs, or its path when none resolved."""
    match = getattr(request, "resolver_match", None) or _resolve(request)
    reason = noted[0] if noted else f"{status} {REFUSED_STATUSES.get(status, 'refused')}"
    return Denial(
        url_name=match.view_name if match else "",
        method=request.method,
        target={str(k): str(v) for k, v in match.kwargs.items()} if match else {},
        reason=reason[:1000],
        path=request.path[:300],
        status=status,
    )


@cache
def _recorder():
    name = getattr(settings, "SHOPCREW_DENIAL_RECORDER", "")
    return import_string(name) if name else None


class DeniedRequestMiddleware:
    """Hands every refused write request to the denial recorder (after the response is made).

    Sits after the authentication middleware and before every middleware that can refuse (second factor,
    CSRF in the view layer, axes), so it sees their answers too; the actor is the one bound in the request
    context (a session user, or the user DRF authenticated).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in MUTATING_METHODS:
            return self.get_response(request)
        noted: list[str] = []
        token = _noted.set(noted)
        try:
            response = self.get_response(request)
        finally:
            _noted.reset(token)
        if response.status_code in REFUSED_STATUSES or noted:
            self.record(denial_of(request, response.status_code, noted))
        return response

    @staticmethod
    def record(denial: Denial) -> None:
        recorder = _recorder()
        if recorder is None:
            return
        try:
            recorder(denial)
        except Exception:  # the refusal stands whatever happens to its trace; the failure is logged loudly
            logger.exception("could not record a denied request to %s", denial.url_name or denial.path)
