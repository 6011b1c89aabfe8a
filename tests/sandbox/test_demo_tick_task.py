"""sandbox.tasks.demo_tick: beat's demo heartbeat calls the control API over HTTP, and only in demo mode.

A tick with no body reaches every shop in the world, so the task runs against simulators of its own in another
process (`manage.py simulate`), never the session's shared one.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sandbox.control import Control
from sandbox.tasks import demo_tick

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def own_simulator():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env.pop("SHOPCREW_DEMO", None)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "simulate", "--port", str(port), "--quiet"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, "the simulator did not start"
            time.sleep(0.1)
    control = Control(f"http://127.0.0.1:{port}")
    yield control
    control.close()
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture
def shop(own_simulator):
    partner = own_simulator.create_partner()
    return own_simulator.create_shop(partner_id=partner["partner_id"])


def test_in_demo_mode_each_run_ticks_the_simulated_shops(settings, own_simulator, shop):
    settings.SHOPCREW_DEMO = True
    settings.SHOPCREW_SANDBOX_CONTROL_URL = f"{own_simulator.base_url}/control"
    before = own_simulator.shop(shop["shop_id"])["orders"]

    result = demo_tick.apply().get()

    orders_now = own_simulator.shop(shop["shop_id"])["orders"]
    assert orders_now == before + 2 + 1  # two new orders and one returned order, by default
    sellers = own_simulator.overview()["ozon"]["sellers"]
    assert result == {"orders": own_simulator.overview()["shopee"]["shops"] * 2 + sellers * 2}


@pytest.mark.parametrize("demo, url", [(False, "set"), (True, "")])
def test_outside_demo_mode_or_without_a_url_it_does_nothing(settings, own_simulator, shop, demo, url):
    settings.SHOPCREW_DEMO = demo
    settings.SHOPCREW_SANDBOX_CONTROL_URL = f"{own_simulator.base_url}/control" if url else ""
    before = own_simulator.shop(shop["shop_id"])["orders"]

    assert demo_tick.apply().get() is None
    assert own_simulator.shop(shop["shop_id"])["orders"] == before


def test_a_simulator_that_does_not_answer_is_logged_not_raised(settings, caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    settings.SHOPCREW_DEMO = True
    settings.SHOPCREW_SANDBOX_CONTROL_URL = f"http://127.0.0.1:{closed}/sandbox/control"

    assert demo_tick.apply().get() is None
    assert "demo tick failed: ConnectError" in caplog.text
