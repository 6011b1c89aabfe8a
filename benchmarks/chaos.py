#!/usr/bin/env python
"""Chaos run of the whole pipeline with real processes (issue "Orders into WeCom", item 8).

    .venv/bin/python benchmarks/chaos.py [--stores 50 --minutes 3 --workers 2]

What runs, each in a process of its own, on PostgreSQL (CHAOS_DATABASE_URL, default …/shopcrew_chaos_bench,
dropped and recreated) and Redis (CHAOS_REDIS_URL, default redis://127.0.0.1:6379/9, flushed):

- the simulators (`manage.py simulate`), whose Shopee partner and Ozon sellers push to
- the console (`manage.py runserver`), whose push receivers queue fetches for
- `--workers` Celery workers (every queue) and one beat (poll dispatch, lost-push recovery, the delivery sweep).

For `--minutes`, every store's shop or seller gets new paid orders every few seconds (Shopee COD orders and
Ozon FBS postings, awaiting shipment at once); each store's robot hears its store's new orders and a
company-wide robot hears everyone's. Meanwhile WeCom answers 45009, 502 and timeouts (some after posting the
message), every Shopee push of the first half is dropped (the receiver's URL answers 404; polling and
get_lost_push_message recover them), and worker 1 is killed with SIGKILL mid-run and restarted.

Then it waits for the pipeline to go quiet and counts, from the WeCom simulator's own log: every event reached
each routed robot (lost must be 0), duplicates (bounded by the ambiguous sends plus the kills: a killed worker
may have posted the one message in flight before it could record it), and the most messages any robot got in
a 60-second window (goal ≤ 20).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support import recreate_database  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shopcrew_chaos_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/9"
ORDER_ID = re.compile(r"\b\d{6}[0-9A-Z]{8}\b|\b\d{5,}-\d{4,}-\d\b")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """The processes of the run, started with one environment and stopped together."""

    def __init__(self, env: dict):
        self.env = env
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs = ROOT / "var" / "chaos"
        self.logs.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - kept open for the process's life
        proc = subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[name] = proc
        return proc

    def worker(self, n: int) -> subprocess.Popen:
        return self.start(
            f"worker{n}",
            [
                str(ROOT / ".venv/bin/celery"),
                "-A",
                "config",
                "worker",
                "-Q",
                "default,intake,polling,delivery",
                "-c",
                "2",
                "-n",
                f"chaos{n}@%h",
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "WARNING",
            ],
        )

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def wait_http(url: str, seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)  # a process starting up: polling its port, not synchronising our own work
    sys.exit(f"{url} did not come up")


def make_world(control, console: str, stores: int) -> dict:
    """Stores (two thirds Shopee, a third Ozon), connected and pushing to the console; a robot per store and a
    company-wide one, with their routes."""
    from datetime import timedelta

    from django.utils import timezone

    from notifications.models import Robot, Route
    from orders.polling import sync_states_ensure
    from staff.models import Staff
    from stores.models import OzonCredential, ShopeeApp, ShopeeCredential, Store

    owner_a = Staff.objects.create_user(username="chaos-a", password=uuid.uuid4().hex, name="甲")
    owner_b = Staff.objects.create_user(username="chaos-b", password=uuid.uuid4().hex, name="乙")
    partner = control.create_partner()
    app = ShopeeApp.objects.create(
        name="chaos", partner_id=partner["partner_id"], partner_key=partner["partner_key"], environment="simulator"
    )
    control.shopee_push(app.partner_id, callback_url=f"{console}/push/shopee/{app.partner_id}/")
    shopee_n = stores * 2 // 3
    world = {"shopee": [], "ozon": [], "robots": {}, "app": app}
    now = timezone.now()
    for i in range(stores):
        if i < shopee_n:
            shop_id = control.create_shop(partner_id=app.partner_id, region="SG")["shop_id"]
            tokens = control.issue_tokens(shop_id, partner_id=app.partner_id)
            store = Store.objects.create(
                name=f"混沌店{i:02d}",
                platform="shopee",
                site="SG",
                shop_id=str(shop_id),
                primary_owner=owner_a,
                backup_owner=owner_b,
            )
            ShopeeCredential.objects.create(
                store=store,
                app=app,
                access_token=tokens["access_token"],
                refresh_token=tokens["refresh_token"],
                access_expires_at=now + timedelta(hours=4),
                refresh_issued_at=now,
                refresh_expires_at=now + timedelta(days=30),
                authorized_at=now,
                authorization_expires_at=now + timedelta(days=365),
            )
            world["shopee"].append((store, shop_id))
        else:
            seller = control.create_seller()
            control.ozon_push(seller["client_id"], url=f"{console}/push/ozon/")
            store = Store.objects.create(
                name=f"混沌店{i:02d}",
                platform="ozon",
                site="RU",
                shop_id=str(seller["client_id"]),
                primary_owner=owner_a,
                backup_owner=owner_b,
            )
            OzonCredential.objects.create(store=store, client_id=seller["client_id"], api_key=seller["api_key"])
            world["ozon"].append((store, seller["client_id"]))
        key = str(uuid.uuid4())
        control.create_robot(key=key, name=f"{store.name}-客服-新单")
        robot = Robot.objects.create(name=f"{store.name}-客服-新单", webhook_key=key, store=store)
        Route.objects.create(name=f"新单 {store.name}", robot=robot, store=store, event_kinds=["order.new"])
        world["robots"][store.pk] = robot
    key = str(uuid.uuid4())
    control.create_robot(key=key, name="总部-运营-新单")
    world["all"] = Robot.objects.create(name="总部-运营-新单", webhook_key=key)
    Route.objects.create(name="全部新单", robot=world["all"], event_kinds=["order.new"])
    sync_states_ensure()
    from orders.polling import store_poll

    for store_id in world["robots"]:  # the first import (quiet: a store's history is not news) before trading
        store_poll(store_id=store_id)
    return world


def quiet(placed: dict, timeout: float) -> bool:
    """True once every placed order is in the console, no event waits and every delivery is sent (or dead)."""
    from events.models import Event
    from notifications.models import Delivery, DeliveryState
    from orders.models import Order

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = (
            Order.objects.filter(order_id__in=list(placed)).count() < len(placed)
            or Event.objects.filter(state="pending").exists()
            or Delivery.objects.exclude(
                state__in=[DeliveryState.SENT, DeliveryState.COALESCED, DeliveryState.DEAD]
            ).exists()
        )
        if not waiting:
            return True
        time.sleep(1)  # watching other processes finish, not synchronising our own work
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--settle", type=float, default=660.0, help="seconds to wait for the pipeline to go quiet")
    args = parser.parse_args()

    db = os.environ.get("CHAOS_DATABASE_URL", DEFAULT_DB)
    broker = os.environ.get("CHAOS_REDIS_URL", DEFAULT_REDIS)
    recreate_database(db)
    import redis

    redis.Redis.from_url(broker).flushdb()
    sim_port, web_port = free_port(), free_port()
    sim = f"http://127.0.0.1:{sim_port}"
    console = f"http://127.0.0.1:{web_port}"
    from cryptography.fernet import Fernet

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": db,
        "REDIS_URL": broker,
        "CELERY_BROKER_URL": broker,
        "SHOPCREW_DEMO": "0",
        "SHOPCREW_FERNET_KEYS": os.environ.get("SHOPCREW_FERNET_KEYS") or Fernet.generate_key().decode(),
        "SHOPEE_BASE_URL": f"{sim}/shopee",
        "OZON_BASE_URL": f"{sim}/ozon",
        "WECOM_BASE_URL": f"{sim}/wecom",
        "SHOPCREW_WECOM_SEND_TIMEOUT": "2",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"], env=env, check=True)
    import django

    django.setup()
    from sandbox.control import Control

    stack = Stack(env)
    try:
        stack.start(
            "simulator", [sys.executable, str(ROOT / "manage.py"), "simulate", "--port", str(sim_port), "--quiet"]
        )
        stack.start(
            "web", [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{web_port}", "--noreload"]
        )
        wait_http(f"{sim}/control/")
        wait_http(f"{console}/healthz")
        control = Control(sim)
        world = make_world(control, console, args.stores)
        for n in range(1, args.workers + 1):
            stack.worker(n)
        stack.start(
            "beat",
            [
                str(ROOT / ".venv/bin/celery"),
                "-A",
                "config",
                "beat",
                "-s",
                str(stack.logs / "beat"),
                "--loglevel",
                "WARNING",
            ],
        )
        run(control, stack, world, console, args)
    finally:
        stack.stop()


def run(control, stack: Stack, world: dict, console: str, args) -> None:
    from events.models import Event
    from notifications.models import Delivery, DeliveryState, Robot

    app = world["app"]
    ambiguous, kills = 3, 0
    control.inject("wecom", "rate_limit", count=10)
    control.inject("wecom", "http_error", count=10, status=502)
    control.inject("wecom", "timeout", count=5, delay=3.0, then="error")
    control.inject("wecom", "timeout", count=ambiguous, delay=3.0, then="process")
    # Shopee's pushes dropped for the first half: the receiver's URL answers 404
    control.shopee_push(app.partner_id, callback_url=f"{console}/push/gone/{app.partner_id}/")
    rng = random.Random(7)
    placed: dict[str, int] = {}  # order id → store id
    started = time.monotonic()
    end = started + args.minutes * 60
    killed_at = started + args.minutes * 60 * 0.4
    restored = False
    print(f"trading for {args.minutes} min on {args.stores} stores with {args.workers} workers …", flush=True)
    while time.monotonic() < end:
        tick = time.monotonic()
        now = int(control.clock()["now"])
        for store, shop_id in world["shopee"]:
            if rng.random() < 0.3:
                answer = control.seed_orders(
                    shop_id,
                    count=1,
                    **{"from": now, "to": now, "cod_ratio": 1, "cancel_ratio": 0, "return_ratio": 0},
                )
                placed.update(dict.fromkeys(answer["order_sns"], store.pk))
        for store, client_id in world["ozon"]:
            if rng.random() < 0.3:
                answer = control.seed_postings(client_id, count=1, **{"from": now, "to": now, "cancel_ratio": 0})
                placed.update(dict.fromkeys(answer["posting_numbers"], store.pk))
        if not restored and tick - started > args.minutes * 30:
            control.shopee_push(app.partner_id, callback_url=f"{console}/push/shopee/{app.partner_id}/")
            restored = True
        control.push_flush()
        if not kills and tick > killed_at:
            stack.kill("worker1")
            kills += 1
            print("  killed worker 1 (SIGKILL), restarting it", flush=True)
            stack.worker(1)
        time.sleep(max(0.0, 3.0 - (time.monotonic() - tick)))  # the traders' pace, not synchronisation
    trading = time.monotonic() - started
    print(f"  {len(placed)} orders placed in {trading:.0f} s; waiting for the pipeline to go quiet …", flush=True)
    waited = time.monotonic()
    settled = quiet(placed, args.settle)
    waited = time.monotonic() - waited

    # every order placed must reach its store's robot and the company-wide one
    expected: dict[int, Counter] = {}
    for oid, store_id in placed.items():
        expected.setdefault(world["robots"][store_id].pk, Counter())[oid] += 1
        expected.setdefault(world["all"].pk, Counter())[oid] += 1
    lost = duplicates = busiest = 0
    for robot in Robot.objects.all():
        messages = control.messages(robot.webhook_key)
        heard = Counter(oid for m in messages for oid in ORDER_ID.findall(m["content"]))
        wanted = expected.get(robot.pk, Counter())
        lost += sum(1 for oid in wanted if heard[oid] == 0)
        duplicates += sum(max(0, heard[oid] - 1) for oid in wanted)
        stamps = sorted(m["sim_time"] for m in messages)
        busiest = max([busiest] + [sum(1 for t in stamps if s <= t < s + 60) for s in stamps])
    states = Counter(Delivery.objects.values_list("state", flat=True))
    events = Event.objects.filter(kind="order.new").count()
    pairs = sum(len(c) for c in expected.values())
    print(f"orders placed: {len(placed)}; order.new events: {events}; event × robot pairs expected: {pairs}")
    print(f"deliveries by state: {dict(states)}; quiet: {settled}, {waited:.0f} s after trading ended")
    print(f"lost:       {lost}   (goal 0)")
    print(
        f"duplicates: {duplicates}   (bound: ambiguous sends {ambiguous} + kills {kills}, each repeating the "
        "one message in flight; a summary message repeats every order it lists)"
    )
    print(f"most messages to one robot in 60 s: {busiest}   (goal ≤ 20)")
    print(f"dead letters: {states.get(DeliveryState.DEAD, 0)}   (goal 0: no permanent error was injected)")


if __name__ == "__main__":
    main()
