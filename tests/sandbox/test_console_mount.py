"""Demo mode closed: mounted in the console, the simulators' pages and control API answer only signed-in super
admins, and the console's own processes with the control token; their pages never show a robot key.

The platform endpoints stay open as the platforms serve them (tests/sandbox/test_control_and_server.py), and so
does the standalone simulator server, a separate process standing for the platforms.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from core.sandbox_mount import control_headers
from orders.demo import push_subscribe
from sandbox.control import Control, ControlError
from sandbox.http import robot_ref
from sandbox.tasks import demo_tick
from tests.factories import StaffFactory, SuperuserFactory

PAGES = ["/sandbox/", "/sandbox/wecom/_messages/"]
CONTROL = "/sandbox/control/clock"


@pytest.fixture
def mounted(settings):
    """The console with the simulators mounted under /sandbox/, as config.urls does in demo mode."""
    settings.ROOT_URLCONF = "tests.permissions.demo_urls"
    settings.SHOPCREW_DEMO = True
    return settings


@pytest.fixture
def bearer(settings):
    return {"HTTP_AUTHORIZATION": f"Bearer {settings.SHOPCREW_SANDBOX_CONTROL_TOKEN}"}


@pytest.mark.django_db
class TestWhoIsLetIn:
    def test_anonymous_is_sent_to_sign_in_from_pages_and_refused_401_by_the_control_api(self, mounted, client):
        for page in PAGES:
            answer = client.get(page)
            assert answer.status_code == 302 and answer["Location"].startswith(reverse("accounts:login")), page
        refused = client.get("/sandbox/control/ozon/sellers/1")
        assert refused.status_code == 401 and refused.json()["code"] == "not_authenticated"
        assert client.post("/sandbox/control/reset", {}, content_type="application/json").status_code == 401

    def test_signed_in_without_being_a_super_admin_is_refused_403(self, mounted, client, login):
        login(StaffFactory(is_staff=True))
        for page in PAGES:
            assert client.get(page).status_code == 403, page
        refused = client.get(CONTROL)
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"

    def test_a_super_admin_half_way_through_sign_in_is_not_let_in(self, mounted, client):
        client.force_login(SuperuserFactory())  # password only: no second factor yet
        assert client.get("/sandbox/").status_code == 302
        assert client.get(CONTROL).status_code == 401

    def test_a_signed_in_super_admin_reads_the_pages_and_uses_the_control_api(self, mounted, client, login):
        login(SuperuserFactory())
        for page in PAGES:
            assert client.get(page).status_code == 200, page
        assert client.get(CONTROL).json()["now"] > 0

    def test_a_super_admins_writes_to_the_control_api_need_the_csrf_token(self, mounted, client, login):
        client.handler.enforce_csrf_checks = True
        login(SuperuserFactory())
        body = {"seconds": 0}
        forged = client.post("/sandbox/control/clock/advance", body, content_type="application/json")
        assert forged.status_code == 403
        client.get(reverse("accounts:login"))  # any page sets the CSRF cookie
        token = client.cookies["csrftoken"].value
        sent = client.post(
            "/sandbox/control/clock/advance", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
        )
        assert sent.status_code == 200 and sent.json()["now"] > 0

    def test_the_control_token_opens_the_control_api_and_only_it(self, mounted, client, settings, bearer):
        assert client.get(CONTROL, **bearer).status_code == 200
        token = settings.SHOPCREW_SANDBOX_CONTROL_TOKEN
        for wrong in (token[:-1] + "0" if token[-1] != "0" else token[:-1] + "1", token[:20], "", token + "x"):
            assert client.get(CONTROL, HTTP_AUTHORIZATION=f"Bearer {wrong}").status_code == 401, wrong
        assert client.get(CONTROL, HTTP_AUTHORIZATION=token).status_code == 401  # no scheme
        assert client.get("/sandbox/", **bearer).status_code == 302  # a machine credential opens no page

    def test_no_configured_token_means_no_token_is_accepted(self, mounted, client):
        mounted.SHOPCREW_SANDBOX_CONTROL_TOKEN = ""
        assert client.get(CONTROL, HTTP_AUTHORIZATION="Bearer ").status_code == 401
        assert control_headers() == {}


@pytest.mark.django_db
def test_the_pages_show_no_robot_key_and_link_the_robot_by_a_reference(mounted, client, login, simulator):
    robot = simulator.control.create_robot(name="测试-客服部-售后")
    key = robot["key"]
    login(SuperuserFactory())
    for page in PAGES:
        html = client.get(page).content.decode()
        assert robot["name"] in html and key not in html and "…" + key[-4:] in html, page
        assert f"/sandbox/wecom/_messages/{robot_ref(key)}/" in html
    detail = client.get(f"/sandbox/wecom/_messages/{robot_ref(key)}/").content.decode()
    assert robot["name"] in detail and key not in detail


class Recorder(BaseHTTPRequestHandler):
    """A stand-in control API that records who called with which Authorization header."""

    seen: list = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        Recorder.seen.append((self.path, self.headers.get("Authorization")))
        body = json.dumps({"shopee": {}, "ozon": {}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@pytest.fixture
def recorder():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Recorder.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}/sandbox/control"
    server.shutdown()
    server.server_close()


def test_the_consoles_own_callers_present_the_control_token(settings, recorder):
    """The demo tick (beat), push subscriptions (beat, seed_demo) and the control client all send it."""
    settings.SHOPCREW_DEMO = True
    settings.SHOPCREW_SANDBOX_CONTROL_URL = recorder
    expected = f"Bearer {settings.SHOPCREW_SANDBOX_CONTROL_TOKEN}"
    assert demo_tick() == {"orders": 0}
    push_subscribe(console_url="http://127.0.0.1:1")
    control = Control(recorder.removesuffix("/control"), token=settings.SHOPCREW_SANDBOX_CONTROL_TOKEN)
    control.clock()
    control.close()
    paths = [path for path, _ in Recorder.seen]
    assert "/sandbox/control/demo/tick" in paths and any(p.endswith("/push") for p in paths)
    assert {auth for _, auth in Recorder.seen} == {expected}


def test_the_control_client_without_a_token_is_refused_by_the_mount(live_server, settings, transactional_db):
    settings.ROOT_URLCONF = "tests.permissions.demo_urls"
    settings.SHOPCREW_DEMO = True
    anonymous = Control(f"{live_server.url}/sandbox")
    with pytest.raises(ControlError, match="401"):
        anonymous.clock()
    anonymous.close()
    machine = Control(f"{live_server.url}/sandbox", token=settings.SHOPCREW_SANDBOX_CONTROL_TOKEN)
    assert machine.clock()["now"] > 0
    machine.close()
