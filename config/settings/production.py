"""Production: no defaults for secrets; a missing one stops start-up with a clear message. Demo mode is refused."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env_bool


def _required(name):
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in the environment for production.")
    return value


if env_bool("SHOPCREW_DEMO"):
    raise ImproperlyConfigured(
        "SHOPCREW_DEMO is set, but production settings refuse demo mode: it mounts the platform simulators (fake "
        "Shopee, Ozon and WeCom with the demo's keys) inside the console. Unset SHOPCREW_DEMO, or run the demo with "
        "bin/run (config.settings.local)."
    )
SHOPCREW_DEMO = False
SECRET_KEY = _required("SECRET_KEY")
SHOPCREW_FERNET_KEYS = [k.strip() for k in _required("SHOPCREW_FERNET_KEYS").split(",") if k.strip()]
DEBUG = False
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
