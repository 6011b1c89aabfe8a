"""Says plainly which service the test suite cannot reach, instead of a stack trace."""

import os
import sys
from urllib.parse import urlparse

import psycopg
import redis

failures = []
db_url = os.environ["DATABASE_URL"]
try:
    # The server, not the database: pytest-django creates test_<name> itself.
    parsed = urlparse(db_url)
    psycopg.connect(db_url.replace(parsed.path, "/postgres"), connect_timeout=3).close()
except Exception as exc:  # noqa: BLE001
    failures.append(
        f"PostgreSQL at {parsed.hostname}:{parsed.port or 5432} is unreachable ({type(exc).__name__}: "
        f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''})"
    )
redis_url = os.environ["TEST_REDIS_URL"]
try:
    redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
except Exception as exc:  # noqa: BLE001
    r = urlparse(redis_url)
    failures.append(f"Redis at {r.hostname}:{r.port or 6379} is unreachable ({type(exc).__name__})")
if failures:
    print("The test suite needs PostgreSQL and Redis:", file=sys.stderr)
    for line in failures:
        print(f"  - {line}", file=sys.stderr)
    print("Start them, or point DATABASE_URL / TEST_REDIS_URL at running ones.", file=sys.stderr)
    sys.exit(2)
