"""/readyz checks what this runtime uses: the database always; Redis when it is the broker or holds the rate
limit; the embedded broker's folder when bin/run fell back to it. The probes answer whatever the Host header."""

from __future__ import annotations

import socket

import pytest

pytestmark = pytest.mark.django_db


def closed_redis_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{s.getsockname()[1]}/0"


def test_ready_with_redis(client, settings):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_not_ready_when_the_redis_it_uses_is_down(client, settings):
    settings.REDIS_URL = closed_redis_url()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["redis"] == "unreachable: ConnectionError"


def test_with_the_embedded_broker_redis_is_not_asked_for_but_the_folder_is(client, settings, tmp_path):
    settings.REDIS_URL = closed_redis_url()
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.SHOPCREW_RATE_LIMITER = "database"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path)}
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}

    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "missing")}
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["broker"].startswith("unreachable")


def test_the_probes_answer_any_host_and_plain_http_while_pages_do_not(client, settings):
    settings.ALLOWED_HOSTS = ["console.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    for path in ("/healthz", "/readyz"):
        assert client.get(path, HTTP_HOST="10.0.0.7:8000").status_code == 200
        assert client.head(path, HTTP_HOST="10.0.0.7:8000").status_code == 200
        assert client.post(path, HTTP_HOST="10.0.0.7:8000").status_code == 405
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400
    assert client.get("/accounts/login/", HTTP_HOST="console.example.com").status_code == 301
    assert client.get("/readyz/", HTTP_HOST="console.example.com").status_code == 301  # only the exact paths
