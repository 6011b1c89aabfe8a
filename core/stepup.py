"""Step-up: a high-risk action needs a second factor entered within the last few minutes.

The window is the company's (security policy, `step_up_minutes`, 10 by default). Whenever a second factor is
verified — the sign-in code prompt, enrolling an authenticator, the step-up page — `mark_second_factor()`
notes the time in the session; `has_fresh_second_factor()` asks whether it is recent enough.

A page that is not fresh answers the step-up page instead of running the action. For a POST the page re-posts
the original form's fields (as hidden inputs) plus the code to the same URL, so after a correct code the same
action carries on with everything the person typed (chosen files must be chosen again: a browser cannot re-send
them). For a GET the code goes to the step-up page, which then returns to the same URL. A wrong code is a
failed second factor like any other: django-otp's throttling counts it and it is audited. Someone without an
authenticator is sent to enrol one and back.

- class-based pages: `StepUpRequiredMixin` (guards `step_up_methods`, POST by default — only when one of
  `step_up_fields` is filled, if declared — or whatever `step_up_required(request)` says); with `core.views.GateMixin` it runs after the permission gate;
- function views: `response = step_up_required_response(request)`; go on when it is None;
- the API: the DRF permission `StepUpScope`: a token call needs a token issued with the step-up scope, a
  session call a fresh second factor.

core knows neither the second-factor service nor the policy: the staff app registers both (`register()`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import user_has_device
from rest_framework.permissions import SAFE_METHODS, BasePermission

SESSION_KEY = "second_factor_at"
CODE_FIELD = "_step_up_code"  # the step-up page's code input; never reaches the guarded view
DEFAULT_MINUTES = 10
TEMPLATE = "accounts/step_up.html"
NOT_RE_POSTED = frozenset({"csrfmiddlewaretoken", CODE_FIELD})

_hooks: dict[str, Callable[..., Any]] = {}


def register(*, verify: Callable[..., Any], window_minutes: Callable[[], int]) -> None:
    """The layer that owns second factors says how a code is checked — `verify(user=, code=, purpose=)`
    returning an object with `.device` (None when refused) and `.retry_after` — and how long a second factor
    stays fresh (minutes)."""
    _hooks.update(verify=verify, window_minutes=window_minutes)


def window_seconds() -> int:
    minutes = _hooks["window_minutes"]() if "window_minutes" in _hooks else DEFAULT_MINUTES
    return int(minutes or DEFAULT_MINUTES) * 60


def mark_second_factor(request) -> None:
    """Note that the person just entered a second factor (call wherever one is verified)."""
    request.session[SESSION_KEY] = time.time()


def has_fresh_second_factor(request) -> bool:
    """Whether the signed-in person entered a second factor within the company's step-up window."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or not user.is_authenticated or session is None or not user.is_verified():
        return False
    try:
        at = float(session.get(SESSION_KEY) or 0)
    except (TypeError, ValueError):
        return False
    return 0 <= time.time() - at < window_seconds()


def _drop_code(request) -> None:
    if request.method == "POST" and CODE_FIELD in request.POST:
        post = request.POST.copy()
        post.pop(CODE_FIELD, None)
        post._mutable = False
        request.POST = post


def _verify(request, code: str):
    if "verify" not in _hooks:
        raise ImproperlyConfigured("core.stepup.register() was not called: nothing can check a second factor.")
    return _hooks["verify"](user=request.user, code=code, purpose="step_up")


def _back_url(request) -> str:
    """Where to return after enrolling: this page for a GET, the page the form was on for a POST."""
    if request.method == "GET":
        return request.get_full_path()
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return "/"


def _page(request, *, error: str = "", status: int = 200):
    """The step-up page: for a POST every field of the original form rides along as hidden inputs."""
    posting = request.method == "POST"
    fields = [
        (name, value)
        for name, values in (request.POST.lists() if posting else ())
        if name not in NOT_RE_POSTED
        for value in values
    ]
    if posting:
        action = request.get_full_path()
    else:
        fields = [("next", request.get_full_path())]
        action = reverse("accounts:step_up")
    files = [f.name for f in request.FILES.values()] if posting else []
    context = {
        "action": action,
        "fields": fields,
        "files": files,
        "error": error,
        "code_field": CODE_FIELD,
        "minutes": window_seconds() // 60,
    }
    response = render(request, TEMPLATE, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def step_up_required_response(request, *, methods: Iterable[str] = ("POST",)):
    """None when the request may go on — its method is not guarded, the second factor is fresh, or the code
    it carries was right (then the code field is removed from request.POST); otherwise the response to send:
    the step-up page (with an error after a wrong code), or enrolment for someone without an authenticator."""
    if request.method not in tuple(methods):
        return None
    return challenge(request)


def challenge(request):
    """The step-up check for a request that needs it (see step_up_required_response)."""
    if not request.user.is_authenticated:  # nobody to ask: sign in first
        return redirect_to_login(request.get_full_path())
    if has_fresh_second_factor(request):
        _drop_code(request)
        return None
    if not user_has_device(request.user):
        return redirect(f"{reverse('accounts:otp_setup')}?{urlencode({'next': _back_url(request)})}")
    code = request.POST.get(CODE_FIELD) if request.method == "POST" else None
    if code is None:
        return _page(request)
    outcome = _verify(request, code)
    if outcome.device is not None:
        mark_second_factor(request)
        _drop_code(request)
        return None
    if outcome.retry_after is not None:
        error = _("Too many wrong codes. Wait a few seconds, then try the newest code.")
    else:
        error = _("That code is not right.")
    return _page(request, error=error, status=400)


class StepUpRequiredMixin:
    """For class-based pages: the guarded requests need a fresh second factor (see the module docstring).

    With core.views.GateMixin the check runs after the permission gate (nobody without the right is asked for
    a code); on other views it runs first thing in dispatch for a signed-in person."""

    step_up_methods: tuple[str, ...] = ("POST",)
    # When set, only a request that fills one of these fields is guarded (e.g. an edit form whose secret field
    # left empty keeps the saved secret: changing the name needs no step-up, replacing the key does).
    step_up_fields: tuple[str, ...] = ()

    def step_up_required(self, request) -> bool:
        if request.method not in self.step_up_methods:
            return False
        if not self.step_up_fields:
            return True
        data = request.POST if request.method == "POST" else request.GET
        return any(data.get(name, "").strip() for name in self.step_up_fields)

    def step_up_response(self, request):
        """None to go on, else the response (the step-up page or enrolment)."""
        if not self.step_up_required(request):
            return None
        return challenge(request)

    def dispatch(self, request, *args, **kwargs):
        if not getattr(self, "gates_step_up", False) and request.user.is_authenticated:
            response = self.step_up_response(request)
            if response is not None:
                return response
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class StepUpScope(BasePermission):
    """DRF: the guarded calls need an API token issued with the step-up scope, or — from a signed-in browser
    session — a fresh second factor. Guarded: what the view's `step_up_required(request)` says, else its unsafe
    methods — only those filling one of its `step_up_fields`, when it declares them. Add it to a view's
    `permission_classes` after the default ones."""

    token_message = gettext_lazy(
        "This action needs the step-up scope: issue an API token with the step-up scope to call it."
    )
    session_message = gettext_lazy(
        "This action needs a recent second factor: verify your code on the step-up page, then try again."
    )
    message = token_message

    def has_permission(self, request, view) -> bool:
        if not self.needed(request, view):
            return True
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "step_up"):
            self.message = self.token_message
            return bool(token.step_up)
        self.message = self.session_message
        return has_fresh_second_factor(request._request)

    @staticmethod
    def needed(request, view) -> bool:
        required = getattr(view, "step_up_required", None)
        if required is not None:
            return required(request)
        if request.method in SAFE_METHODS:
            return False
        fields = getattr(view, "step_up_fields", ())
        if not fields:
            return True
        if request.method not in ("POST", "PUT", "PATCH"):  # a DELETE sets no field
            return False
        data = request.data
        return hasattr(data, "get") and any(str(data.get(name) or "").strip() for name in fields)
