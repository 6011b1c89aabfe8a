"""docker compose comes up healthy: the web healthcheck passes under the production settings, and nothing
starts before the migrations ran.

Docker is not available here, so the test does what the container does: it starts gunicorn with
config.settings.production (a public host name in ALLOWED_HOSTS, the HTTPS redirect on, as in a deployment)
and runs the web service's healthcheck command, read from docker-compose.yml, against it. The same server
shows that everything else stays strict: a foreign Host header is refused and plain HTTP is redirected.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
PUBLIC_HOST = "console.example.com"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    """The test database (pytest-django renamed it on the connection, not in settings.DATABASES)."""
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def production_server(db):
    """gunicorn serving config.wsgi with the production settings, on the test database and Redis (it reads only
    what the migrations wrote, so the test's own open transaction does not matter)."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SHOPCREW_DEMO"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "production-test-secret-key-" + "x" * 40,
        "SHOPCREW_FERNET_KEYS": ",".join(settings.SHOPCREW_FERNET_KEYS),
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "ALLOWED_HOSTS": PUBLIC_HOST,
    }
    env.pop("CELERY_BROKER_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise AssertionError(f"gunicorn exited: {server.stdout.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("gunicorn did not start listening") from None
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        print(server.stdout.read().decode())  # shown when the test failed


def healthcheck_command(port: int) -> list[str]:
    """The web service's healthcheck from docker-compose.yml, for a server on `port` instead of 8000."""
    test = SERVICES["web"]["healthcheck"]["test"]
    assert test[0] == "CMD"  # exec form: no shell in between
    argv = [arg.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for arg in test[1:]]
    assert argv[0] == "python"
    return [sys.executable, *argv[1:]]


def test_the_web_healthcheck_passes_under_production_settings(production_server):
    port = production_server
    command = healthcheck_command(port)
    assert command[-1] == f"http://127.0.0.1:{port}/readyz"

    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=30)

    assert done.returncode == 0, (done.stderr, httpx.get(command[-1]).text)
    # The very request it sends: plain HTTP, the container's own address as the host, no proxy headers.
    answer = httpx.get(f"http://127.0.0.1:{port}/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200


def test_everything_else_stays_strict_under_production_settings(production_server):
    base = f"http://127.0.0.1:{production_server}"
    # A host not in ALLOWED_HOSTS is refused.
    assert httpx.get(f"{base}/accounts/login/").status_code == 400
    # Plain HTTP on the public host is redirected to HTTPS; through the proxy (X-Forwarded-Proto) it is served.
    plain = httpx.get(f"{base}/accounts/login/", headers={"Host": PUBLIC_HOST})
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"https://{PUBLIC_HOST}/accounts/login/"
    proxied = httpx.get(f"{base}/accounts/login/", headers={"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https"})
    assert proxied.status_code == 200
    assert "max-age=" in proxied.headers["Strict-Transport-Security"]


def test_the_healthcheck_fails_when_the_probe_does_not_answer_200():
    closed = free_port()
    done = subprocess.run(healthcheck_command(closed), cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert f"127.0.0.1:{closed}/readyz" in done.stderr


# --- docker-compose.yml ---------------------------------------------------------------------------------

APP_SERVICES = [name for name, service in SERVICES.items() if "build" in service]


def test_every_app_service_waits_for_the_migrations():
    assert SERVICES["migrate"]["command"] == "python manage.py migrate --noinput"
    assert SERVICES["migrate"]["restart"] == "no"
    others = [name for name in APP_SERVICES if name != "migrate"]
    assert {"web", "beat"} <= set(others)
    for name in others:
        depends = SERVICES[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["postgres"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
        assert "migrate" not in SERVICES[name]["command"], f"{name} must not migrate on its own"


def test_one_worker_per_queue_with_a_healthcheck_and_exactly_one_beat():
    workers = {name: s for name, s in SERVICES.items() if "celery -A config worker" in str(s.get("command", ""))}
    queues = sorted(s["command"].split(" -Q ")[1].split()[0] for s in workers.values())
    assert queues == sorted(settings.SHOPCREW_TASK_QUEUES)
    for name, worker in workers.items():
        assert "inspect ping" in worker["healthcheck"]["test"][1], name
        assert "celery@$$HOSTNAME" in worker["healthcheck"]["test"][1], name
    beats = [name for name, s in SERVICES.items() if "celery -A config beat" in str(s.get("command", ""))]
    assert beats == ["beat"]
    assert SERVICES["beat"]["deploy"]["replicas"] == 1


def test_the_web_service_serves_production_settings_with_gunicorn():
    web = SERVICES["web"]
    assert web["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert web["command"].startswith("gunicorn config.wsgi:application --bind 0.0.0.0:8000")
