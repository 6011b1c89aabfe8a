"""Chooses bin/run's broker and rate limiter; prints shell `export` lines on stdout, the choice on stderr.

    eval "$(.venv/bin/python bin/_runtime_env.py)"

- CELERY_BROKER_URL already set: kept as it is (the limiter too, "redis" unless SHOPCREW_RATE_LIMITER says).
- Redis answers at REDIS_URL (default redis://127.0.0.1:6379/0): the broker and the limiter are Redis.
- Otherwise the embedded broker, kombu's filesystem transport under var/celery-broker/ (no server; every
  process on this machine shares the folder) and the database-backed limiter.
A password in a URL is never printed.
"""

from __future__ import annotations

import os
import shlex
import sys
from urllib.parse import urlsplit, urlunsplit

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
EMBEDDED_BROKER = "filesystem://"


def masked(url: str) -> str:
    """The URL with its password (if any) replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:***@" if parts.username else ":***@"
    host = parts.hostname or ""
    netloc = f"{user}{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def redis_answers(url: str, timeout: float = 1.0) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping())
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


def choose(environ: dict) -> tuple[dict, str]:
    """({variable: value} to export, a sentence saying what was chosen)."""
    redis_url = environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if environ.get("CELERY_BROKER_URL"):
        broker = environ["CELERY_BROKER_URL"]
        limiter = environ.get("SHOPCREW_RATE_LIMITER") or "redis"
        return (
            {"CELERY_BROKER_URL": broker, "SHOPCREW_RATE_LIMITER": limiter},
            f"broker: {masked(broker)} (CELERY_BROKER_URL) · rate limiter: {limiter}",
        )
    if redis_answers(redis_url):
        return (
            {"REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url, "SHOPCREW_RATE_LIMITER": "redis"},
            f"broker: Redis at {masked(redis_url)} · rate limiter: redis",
        )
    return (
        {"REDIS_URL": redis_url, "CELERY_BROKER_URL": EMBEDDED_BROKER, "SHOPCREW_RATE_LIMITER": "database"},
        f"Redis does not answer at {masked(redis_url)}: broker: embedded (filesystem, var/celery-broker/) · "
        "rate limiter: database",
    )


def main() -> int:
    exports, sentence = choose(dict(os.environ))
    for name, value in exports.items():
        print(f"export {name}={shlex.quote(value)}")
    print(f"==> {sentence}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
