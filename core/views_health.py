"""Liveness and readiness probes (no sign-in, no data beyond up/down).

`/healthz` answers while the process serves; `/readyz` while the database, and Redis where this runtime uses it
(the broker or the rate limiter), are reachable — or, with the embedded broker, while its folder is writable.

The probes are answered by `HealthProbeMiddleware`, first in the middleware chain, before Django validates the
Host header (ALLOWED_HOSTS) and before the HTTPS redirect (SECURE_SSL_REDIRECT): an orchestrator's probe
speaks plain HTTP to the container's own address (Docker's healthcheck, a Kubernetes kubelet, a load balancer's
target check), never through the TLS-terminating proxy, so it carries neither the public host name nor
`X-Forwarded-Proto: https`. Nothing else is exempted: every other path still gets the strict host check and
the redirect. The URL routes (core.urls) remain, for the permission matrix and for servers without the
middleware.
"""

import os

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

PROBE_PATHS = ("/healthz", "/readyz")


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


def uses_redis() -> bool:
    """Whether this runtime needs Redis: as the broker, or for the robots' shared rate limit."""
    broker = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
    return broker.startswith(("redis:", "rediss:")) or getattr(settings, "SHOPCREW_RATE_LIMITER", "redis") == "redis"


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return f"unreachable: {type(exc).__name__}"


def _check_redis() -> str:
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"unreachable: {type(exc).__name__}"


def _check_embedded_broker() -> str:
    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "")
    return "ok" if folder and os.access(folder, os.W_OK) else "unreachable: folder missing or read-only"


@never_cache
@require_safe
def readyz(request):
    checks = {"database": _check_database()}
    if uses_redis():
        checks["redis"] = _check_redis()
    if str(getattr(settings, "CELERY_BROKER_URL", "")).startswith("filesystem:"):
        checks["broker"] = _check_embedded_broker()
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


class HealthProbeMiddleware:
    """Answers GET/HEAD /healthz and /readyz before the host check and the HTTPS redirect (see the module's
    docstring); every other request passes through untouched. First in settings.MIDDLEWARE."""

    views = {"/healthz": healthz, "/readyz": readyz}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = self.views.get(request.path_info)
        if view is None:
            return self.get_response(request)
        return view(request)
