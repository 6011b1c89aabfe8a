"""Keys never reach the logs: in query strings, in URL paths, in tracebacks; in Django's log and gunicorn's.

The records go through the console handler LOGGING configures (its stream swapped for a buffer), so what is
asserted is what would be written.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from core.logging import RedactSecretsFilter, redact
from tests.factories import SuperuserFactory

ROOT = Path(__file__).resolve().parents[2]
KEY = str(uuid.uuid4())


@pytest.fixture
def written():
    """What the configured console handler writes during the test."""
    handler = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, RedactSecretsFilter) for f in h.filters)
    )
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


@pytest.mark.parametrize(
    "line",
    [
        f"POST /sandbox/wecom/cgi-bin/webhook/send?key={KEY} HTTP/1.1",
        f"GET /sandbox/wecom/_messages/{KEY}/ HTTP/1.1",
        f"GET /sandbox/wecom/_messages/{KEY[:8]}/",
        f"Not Found: /wecom/{KEY}/messages",
        f"Client error '404 Not Found' for url 'http://127.0.0.1:8000/cgi-bin/webhook/send?debug=1&key={KEY}'",
        f"Authorization: Bearer {KEY}",
        f"Api-Key: {KEY}",
    ],
)
def test_redact_removes_keys_wherever_they_sit_in_a_line(line):
    cleaned = redact(line)
    assert KEY not in cleaned and KEY[:8] not in cleaned and "***" in cleaned


def test_task_ids_and_request_ids_stay_readable():
    task = f"Task orders.tasks.poll_dispatch[{KEY}] succeeded in 0.01s"
    assert redact(task) == task
    assert redact("request_id 3616d2fa38ab4233a929d788ad689c3f") == "request_id 3616d2fa38ab4233a929d788ad689c3f"


@pytest.mark.django_db
def test_a_page_not_found_with_a_key_in_its_path_is_logged_without_it(client, login, settings, written):
    settings.ROOT_URLCONF = "tests.permissions.demo_urls"  # the console with the simulators mounted
    settings.SHOPCREW_DEMO = True
    login(SuperuserFactory())
    assert client.get(f"/sandbox/wecom/_messages/{KEY}/").status_code == 404
    log = written.getvalue()
    assert "Not Found: /sandbox/wecom/_messages/***/" in log and KEY not in log


def test_the_access_log_and_a_traceback_are_written_without_keys(written):
    logging.getLogger("django.server").info('"%s" %s %s', f"GET /sandbox/wecom/cgi-bin/webhook/send?key={KEY}", 200, 9)
    try:
        raise RuntimeError(f"send failed for http://wecom.example/cgi-bin/webhook/send?key={KEY}")
    except RuntimeError:
        logging.getLogger("notifications").exception("robot send failed")
    log = written.getvalue()
    assert "send?key=***" in log and "RuntimeError: send failed" in log and KEY not in log


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_access_log_as_the_web_service_writes_it_has_no_keys():
    """gunicorn with the Dockerfile's logger class, serving the simulators (no database needed)."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    command = [sys.executable, "-m", "gunicorn", "sandbox.wsgi:get_application()", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "1", "--access-logfile", "-", "--logger-class", "core.gunicorn.RedactingLogger"]
    assert "core.gunicorn.RedactingLogger" in (ROOT / "Dockerfile").read_text()
    assert "--logger-class core.gunicorn.RedactingLogger" in (ROOT / "docker-compose.yml").read_text()
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/wecom/_messages/{KEY}/", headers={"Authorization": f"Bearer {KEY}"})
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        httpx.post(f"http://127.0.0.1:{port}/wecom/cgi-bin/webhook/send?key={KEY}", json={})
    finally:
        server.terminate()
        out = server.communicate(timeout=30)[0]
    assert "/wecom/_messages/***/" in out and "send?key=***" in out, out
    assert KEY not in out
