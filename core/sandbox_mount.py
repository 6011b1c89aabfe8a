"""The platform simulators mounted inside the console (demo mode): who may reach which of their URLs.

config.urls mounts the sandbox's urlconf under /sandbox/ through `closed_patterns`, which sorts its URLs by name:
- **platform** endpoints (the Shopee, Ozon and WeCom APIs, Shopee's seller authorization page) are served as the
  real platforms serve them, to anyone: the console's own clients call them without a session, and each carries
  the platform's own credential (a signature, an Api-Key, a robot key), checked by the simulator;
- the **control API** (set up the simulated world, read its stored keys, move its clock, break it) answers a
  caller presenting the control token (``Authorization: Bearer <settings.SHOPCREW_SANDBOX_CONTROL_TOKEN>``,
  compared in constant time: the demo tick, push subscriptions and Shopee authorizations of the console's own
  worker and beat), or a signed-in super admin with a verified second factor (CSRF-checked for writes).
  Anyone else: 401 JSON when not signed in, 403 JSON otherwise;
- every other URL is a **page** of the simulators (their start page, the robots' message pages): signed-in super
  admins only; anyone not signed in is sent to the sign-in page, anyone else gets 403.

The standalone simulator server (`manage.py simulate`, sandbox.server) mounts the same urlconf without this: it is
a separate process standing for the platforms themselves.
"""

from __future__ import annotations

import hmac
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect

from .gates import Gate, Scope
from .middleware import needs_second_factor
from .views_errors import api_error

SUPER_ADMIN = Gate(None, Scope.SUPER_ADMIN)


def control_headers() -> dict:
    """What the console's own processes send to the control API mounted in it."""
    token = getattr(settings, "SHOPCREW_SANDBOX_CONTROL_TOKEN", "")
    return {"Authorization": f"Bearer {token}"} if token else {}


def control_token_presented(request) -> bool:
    """Whether the request carries the configured control token (never true while none is configured)."""
    expected = getattr(settings, "SHOPCREW_SANDBOX_CONTROL_TOKEN", "")
    scheme, _sep, presented = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer" or not presented:
        return False
    return hmac.compare_digest(presented.strip().encode(), expected.encode())


def signed_in(user) -> bool:
    """Signed in completely: the password, and the second factor where the account needs one."""
    return bool(user.is_authenticated and user.is_active and (user.is_verified() or not needs_second_factor(user)))


def super_admin(request) -> bool:
    return signed_in(request.user) and SUPER_ADMIN.allows(request.user)


@csrf_protect
def _as_person(request, view, *args, **kwargs):
    """A session-authenticated call, with the CSRF check the simulators' own (CSRF-exempt) views skip."""
    return view(request, *args, **kwargs)


def control_gate(view):
    @wraps(view)
    def gated(request, *args, **kwargs):
        if control_token_presented(request):
            return view(request, *args, **kwargs)
        if not signed_in(request.user):
            return api_error(request, 401, "not_authenticated", _("Sign in as a super admin to use the control API."))
        if not SUPER_ADMIN.allows(request.user):
            return api_error(request, 403, "permission_denied", _("Only super admins may use the control API."))
        return _as_person(request, view, *args, **kwargs)

    return gated


def page_gate(view):
    @wraps(view)
    def gated(request, *args, **kwargs):
        if not signed_in(request.user):
            return redirect_to_login(request.get_full_path())
        if not SUPER_ADMIN.allows(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return gated


def closed_patterns(patterns, *, platform: set[str], control: set[str]) -> list:
    """The patterns with each view behind its gate (see the module docstring); `platform` and `control` are URL
    names, every other name is a page."""
    closed = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            raise ValueError("closed_patterns takes a flat urlconf (no include())")
        if pattern.name in platform:
            closed.append(pattern)
            continue
        gate = control_gate if pattern.name in control else page_gate
        closed.append(URLPattern(pattern.pattern, gate(pattern.callback), pattern.default_args, pattern.name))
    return closed
