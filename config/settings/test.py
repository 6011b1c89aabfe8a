"""The test suite runs on PostgreSQL and Redis, never SQLite (see README)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shopcrew")
os.environ.setdefault("SHOPCREW_FERNET_KEYS", "x6D8m6SbGBDnYyg0Dm_9Qm3Z2LnZkRcs4wdcB0Y1wOE=")

from .base import *  # noqa: E402,F401,F403
from .base import REDIS_URL, celery_transport_options, derived_secret  # noqa: E402

SECRET_KEY = "test-only-secret-key-not-for-production"
SHOPCREW_SANDBOX_CONTROL_TOKEN = derived_secret(SECRET_KEY, "sandbox-control")
SHOPCREW_AUDIT_CHECKPOINT_KEYS = [derived_secret(SECRET_KEY, "audit-checkpoint")]
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test worker uses its own Redis database so keys never collide with a running console; the broker
# follows (base.py computed it from REDIS_URL before this override), and so does the limiter.
REDIS_URL = os.environ.get("TEST_REDIS_URL", REDIS_URL.rsplit("/", 1)[0] + "/15")
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = celery_transport_options(CELERY_BROKER_URL)
SHOPCREW_RATE_LIMITER = "redis"
