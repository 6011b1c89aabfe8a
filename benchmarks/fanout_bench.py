#!/usr/bin/env python
"""The fan-out on PostgreSQL (issue "Orders into WeCom", item 9): route → render → delivery rows, one process.

    .venv/bin/python benchmarks/fanout_bench.py [--stores 100 --events 20000 --batch 500]

In a database of its own (BENCH_DATABASE_URL, default postgres://…/shopcrew_fanout_bench — dropped and recreated,
so its name must end in "bench"), or called from pipeline_bench.py as `fanout_figures(...)` on a migrated database
already set up (it adds its own stores, robots and routes, and leaves the rows it made).

Each store has a robot of its own (新订单, 发货, 售后 routed to it, the primary owner mentioned) and every store's new
orders also reach a company-wide robot (@all): two deliveries per order.new event, one per shipped / after-sales
event. The events are written first through events.services.event_emit_many (the outbox, the kick off); the timed
part is what the delivery worker does with them — notifications.tasks.fan_out_pending: claim pending events
`FOR UPDATE SKIP LOCKED` in batches, notifications.fanout.fan_out_events (routes matched, templates rendered,
mentions resolved, ONE INSERT … ON CONFLICT for the deliveries and ONE UPDATE of the events per batch), and the
robots with new deliveries found. Goal: ≥ 8,000 deliveries/s.

    .venv/bin/python benchmarks/fanout_bench.py --latency [--stores 100 --seconds 60 --share 0.33]

The latency from a status change emitted as a push to the message in the WeCom simulator, with real processes
(simulators, the console under runserver receiving the pushes, a Celery worker on the intake and delivery queues;
see `latency_figures`). Goal: p95 ≤ 2 s with 100 active stores.

    .venv/bin/python benchmarks/fanout_bench.py --latency --polling-only --seconds 150

The same with no pushes at all: beat runs the poll dispatcher every minute and the pollers find the new orders.
Goal: p95 within the poll interval + 5 s (65 s).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support import recreate_database, setup_django  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shopcrew_fanout_bench"
GOAL_DELIVERIES_PER_S = 8000


def build_world(stores: int, tag: str) -> list:
    """`stores` stores with two owners (WeCom userids), a robot each with its routes, and a company robot."""
    from notifications.models import Robot, Route
    from staff.models import Staff
    from stores.models import Store

    owners = [
        Staff.objects.create_user(
            username=f"fanout-{tag}-{n}", password=uuid.uuid4().hex, name=f"店主{n}", wecom_userid=f"owner{tag}{n}"
        )
        for n in range(2)
    ]
    made = Store.objects.bulk_create(
        Store(
            name=f"扇出店{tag}-{i:03d}",
            platform="shopee",
            site=("TH", "SG", "MY", "VN")[i % 4],
            shop_id=f"{tag}{i:05d}",
            primary_owner=owners[0],
            backup_owner=owners[1],
        )
        for i in range(stores)
    )
    robots = Robot.objects.bulk_create(
        Robot(name=f"{s.name}-客服部-新订单", webhook_key=uuid.uuid4().hex, store=s) for s in made
    )
    Route.objects.bulk_create(
        Route(
            name=f"{s.name} 订单",
            robot=r,
            store=s,
            event_kinds=["order.new", "order.shipped", "aftersales.new"],
            mention_primary_owner=True,
            mention_assignee=False,
        )
        for s, r in zip(made, robots, strict=True)
    )
    company = Robot.objects.create(name=f"总部{tag}-运营部-新订单", webhook_key=uuid.uuid4().hex)
    Route.objects.create(name=f"全部新单 {tag}", robot=company, event_kinds=["order.new"], mention_all=True)
    return made


def emit_events(stores: list, count: int, tag: str) -> int:
    """`count` events over the stores (60 % new orders, 30 % shipped, 10 % after-sales), in the outbox."""
    from django.db import transaction

    from events.services import event_emit_many

    rows = []
    for n in range(count):
        store = stores[n % len(stores)]
        kind = "order.new" if n % 10 < 6 else ("order.shipped" if n % 10 < 9 else "aftersales.new")
        payload = {
            "order_id": f"26120{n:09d}",
            "customer": "王小明",
            "items": [
                {"sku": "TSHIRT-M", "name": "纯棉T恤", "quantity": 2},
                {"sku": "CAP", "name": "棒球帽", "quantity": 1},
            ],
            "quantity": 3,
            "amount": "459.00",
            "currency": "THB",
            "ship_by": "2026-12-06T10:00:00+00:00",
            "tracking": f"TH{n:012d}",
            "carrier": "Flash Express",
            "status": "REQUESTED",
            "reason": "尺码不合适",
        }
        rows.append({"kind": kind, "store_id": store.pk, "dedupe_key": f"fanout:{tag}:{n}", "payload": payload})
    written = 0
    for start in range(0, len(rows), 1000):
        with transaction.atomic():
            written += len(event_emit_many(rows[start : start + 1000]))
    return written


def fanout_figures(*, stores: int = 100, events: int = 20000, batch: int = 1000) -> dict:
    """Build the world, emit the events, then time the delivery worker's fan-out of all of them. Returns
    {"events", "deliveries", "seconds", "deliveries_per_s", "robots", "queries_per_batch"}."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from events.models import Event
    from notifications.models import Delivery
    from notifications.tasks import fan_out_pending

    settings.SHOPCREW_EVENTS_KICK = False
    fan_out_pending(batch=batch, budget=3600)  # untimed: events an earlier part of the run left pending
    tag = uuid.uuid4().hex[:6]
    made = build_world(stores, tag)
    emitted = emit_events(made, events, tag)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Event._meta.db_table}")  # the planner's statistics, as autovacuum keeps them
    before = Delivery.objects.count()
    started = time.perf_counter()
    handled, robots = fan_out_pending(batch=batch, budget=3600)
    seconds = time.perf_counter() - started
    deliveries = Delivery.objects.count() - before
    # the statements of one more batch (a fixed number, whatever the batch size)
    emit_events(made[:10], batch, tag + "q")
    with CaptureQueriesContext(connection) as queries:
        fan_out_pending(batch=batch, budget=60)
    return {
        "events": handled,
        "emitted": emitted,
        "deliveries": deliveries,
        "seconds": seconds,
        "deliveries_per_s": deliveries / seconds if seconds else 0.0,
        "robots": len(robots),
        "queries_per_batch": len(queries.captured_queries),
    }


def report(figures: dict) -> None:
    rate = figures["deliveries_per_s"]
    verdict = "ok" if rate >= GOAL_DELIVERIES_PER_S else "BELOW GOAL"
    print(
        f"fan-out: {figures['events']} events → {figures['deliveries']} deliveries in {figures['seconds']:.2f} s "
        f"({figures['robots']} robots): {rate:,.0f} deliveries/s  (goal ≥ {GOAL_DELIVERIES_PER_S:,}) {verdict}"
    )
    print(f"fan-out: SQL statements per batch of events: {figures['queries_per_batch']} (constant)")


# ------------------------------------------------------------------------------------------------- latency

LATENCY_DB = "postgres://postgres@127.0.0.1:5432/shopcrew_latency_bench"
LATENCY_REDIS = "redis://127.0.0.1:6379/3"
GOAL_P95_SECONDS = 2.0
GOAL_POLLING_SECONDS = 65.0  # polling only: within the poll interval (SHOPCREW_POLL_INTERVAL, 60 s) + 5 s


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def latency_figures(
    *,
    stores: int = 100,
    seconds: float = 60.0,
    concurrency: int = 4,
    settle: float = 90.0,
    share: float = 0.33,
    pushes: bool = True,
) -> dict:
    """Push → WeCom latency with real processes: the simulators, the console (runserver, receiving the pushes),
    one Celery worker on the intake and delivery queues, on PostgreSQL (LATENCY_DATABASE_URL, recreated) and Redis
    (LATENCY_REDIS_URL, flushed). `stores` stores (two thirds Shopee, a third Ozon, benchmarks.chaos.make_world),
    each with a robot hearing its new orders. For `seconds`, every 2 s a `share` of the stores get a new paid order
    and the simulators push the change; the latency of an order is from that push to its message arriving in the
    WeCom simulator (its own receive time). No beat: the push path alone (polling is the reconciler). Also returns
    the delivery part alone (event written → message sent, from the database) and the machine's load average.

    With `pushes=False` (polling only): no push subscription; beat runs the poll dispatcher every minute and the
    worker also consumes the polling queue; an order's start is when it exists on the platform (goal: within the
    poll interval + 5 s)."""
    import random
    import subprocess

    from chaos import ORDER_ID, Stack, free_port, make_world, wait_http

    db = os.environ.get("LATENCY_DATABASE_URL", LATENCY_DB)
    broker = os.environ.get("LATENCY_REDIS_URL", LATENCY_REDIS)
    recreate_database(db)
    import redis

    redis.Redis.from_url(broker).flushdb()
    sim_port, web_port = free_port(), free_port()
    sim, console = f"http://127.0.0.1:{sim_port}", f"http://127.0.0.1:{web_port}"
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
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"], env=env, check=True)
    import django

    django.setup()
    from notifications.models import Route
    from sandbox.control import Control

    stack = Stack(env)
    stack.logs = ROOT / "var" / "latency"
    stack.logs.mkdir(parents=True, exist_ok=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    try:
        stack.start("simulator", [*manage, "simulate", "--port", str(sim_port), "--quiet"])
        stack.start("web", [*manage, "runserver", f"127.0.0.1:{web_port}", "--noreload"])
        wait_http(f"{sim}/control/")
        wait_http(f"{console}/healthz")
        control = Control(sim)  # the client adds /control/ itself
        world = make_world(control, console, stores)
        Route.objects.filter(robot=world["all"]).delete()  # per-store robots only: each hears its own store
        celery = str(ROOT / ".venv/bin/celery")
        queues = "intake,delivery" if pushes else "intake,delivery,polling,default"
        if not pushes:  # the platforms push nothing: polling alone finds the new orders
            control.shopee_push(world["app"].partner_id, callback_url="")
            for _store, client_id in world["ozon"]:
                control.ozon_push(client_id, url="")
            schedule = stack.logs / "celerybeat-schedule"
            schedule.unlink(missing_ok=True)
            stack.start("beat", [celery, "-A", "config", "beat", "-s", str(schedule), "--loglevel", "WARNING"])
        stack.start(
            "worker",
            [celery, "-A", "config", "worker", "-Q", queues, "-c", str(concurrency), "-n", "latency@%h"]
            + ["--without-mingle", "--without-gossip", "--loglevel", "WARNING"],
        )
        time.sleep(5)  # let the worker connect before the first push (a process starting, not our own work)
        placed = _trade(control, world, seconds, random.Random(11), share, pushes=pushes)
        deadline = time.monotonic() + settle
        robots = {store_id: robot.webhook_key for store_id, robot in world["robots"].items()}
        arrived: dict[str, float] = {}
        while time.monotonic() < deadline and len(arrived) < len(placed):
            for store_id, key in robots.items():
                for message in control.messages(key):
                    for oid in ORDER_ID.findall(message["content"]):
                        if oid in placed and placed[oid][1] == store_id:
                            arrived.setdefault(oid, message["time"])
            if len(arrived) < len(placed):
                time.sleep(2)  # waiting for other processes, not synchronising our own work
    finally:
        stack.stop()
    latencies = [arrived[oid] - pushed for oid, (pushed, _store) in placed.items() if oid in arrived]
    from django.db.models import DurationField, ExpressionWrapper, F

    from notifications.models import Delivery

    waits = ExpressionWrapper(F("sent_at") - F("event__created_at"), output_field=DurationField())
    delivery_part = [w.total_seconds() for w in Delivery.objects.annotate(w=waits).values_list("w", flat=True) if w]
    return {
        "delivery_p50": _percentile(delivery_part, 0.50),
        "delivery_p95": _percentile(delivery_part, 0.95),
        "load": os.getloadavg(),
        "stores": stores,
        "orders": len(placed),
        "arrived": len(latencies),
        "p50": _percentile(latencies, 0.50),
        "p95": _percentile(latencies, 0.95),
        "max": max(latencies) if latencies else float("nan"),
    }


def _trade(
    control, world: dict, seconds: float, rng, share: float, pushes: bool = True
) -> dict[str, tuple[float, int]]:
    """New paid orders on a `share` of the stores every 2 s, pushed at once: {order id: (push time, store)}.

    Each order is created one simulated second ahead and pushed by the first flush after that second, so no
    order falls before a subscription's watermark (the simulators push changes in (watermark, now]). An order's
    push time is when the simulator sent its push to the console (the request's start in the simulator's own push
    log: Shopee's messages' attempts, Ozon's subscription log), so a flush that sends its pushes one after another
    does not count the earlier pushes' time against the later orders."""
    stores: dict[str, int] = {}
    end = time.monotonic() + seconds
    sent: dict[str, float] = {}
    while time.monotonic() < end:
        tick = time.monotonic()
        now = control.clock()["now"]
        stamp = int(now) + 1
        for store, shop_id in world["shopee"]:
            if rng.random() < share:
                window = {"from": stamp, "to": stamp, "cod_ratio": 1, "cancel_ratio": 0, "return_ratio": 0}
                answer = control.seed_orders(shop_id, count=1, **window)
                stores.update(dict.fromkeys(answer["order_sns"], store.pk))
        for store, client_id in world["ozon"]:
            if rng.random() < share:
                answer = control.seed_postings(client_id, count=1, **{"from": stamp, "to": stamp, "cancel_ratio": 0})
                stores.update(dict.fromkeys(answer["posting_numbers"], store.pk))
        ahead = stamp - control.clock()["now"]
        if ahead > 0:
            time.sleep(ahead + 0.01)  # until the orders exist on the simulated clock, not synchronisation
        if not pushes:  # polling only: an order's start is when it exists on the platform
            sent.update(dict.fromkeys([o for o in stores if o not in sent], time.time()))
        else:
            control.push_flush()
            sent.update(_shopee_sent(control, world["app"].partner_id))  # its log keeps the last 500 messages
        time.sleep(max(0.0, 2.0 - (time.monotonic() - tick)))  # the traders' pace, not synchronisation
    for _store, client_id in world["ozon"] if pushes else ():
        for row in control.ozon_push(client_id)["log"]:
            if row.get("ok") and row.get("posting_number"):
                sent.setdefault(row["posting_number"], row["time"])
    return {oid: (sent[oid], store_id) for oid, store_id in stores.items() if oid in sent}


def _shopee_sent(control, partner_id: int) -> dict[str, float]:
    """{order sn: when its first accepted push left the simulator} from the partner's push log."""
    sent = {}
    for message in control.shopee_push(partner_id)["messages"]:
        ok = [a["time"] for a in message["attempts"] if a.get("status") == 200 and not a.get("error")]
        sn = message["data"].get("ordersn")
        if ok and sn:
            sent.setdefault(sn, min(ok))
    return sent


def report_latency(figures: dict, *, pushes: bool = True) -> None:
    goal = GOAL_P95_SECONDS if pushes else GOAL_POLLING_SECONDS
    verdict = "ok" if figures["p95"] <= goal else "ABOVE GOAL"
    what = "push → WeCom" if pushes else "polling only, on the platform → WeCom"
    print(
        f"latency {what} ({figures['stores']} active stores, {figures['orders']} orders, "
        f"{figures['arrived']} arrived): p50 {figures['p50']:.2f} s, p95 {figures['p95']:.2f} s "
        f"(goal ≤ {goal:g} s) {verdict}, max {figures['max']:.2f} s"
    )
    print(
        f"  of which delivery (event written → message sent): p50 {figures['delivery_p50']:.2f} s, "
        f"p95 {figures['delivery_p95']:.2f} s; load average at the end {figures['load'][0]:.1f} (2 cores)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--latency", action="store_true", help="measure push → WeCom latency with real processes")
    parser.add_argument("--seconds", type=float, default=60.0, help="latency: how long the stores trade")
    parser.add_argument("--concurrency", type=int, default=4, help="latency: the worker's processes")
    parser.add_argument("--share", type=float, default=0.33, help="latency: share of stores ordering every 2 s")
    parser.add_argument("--polling-only", action="store_true", help="latency: no pushes; beat and the pollers")
    args = parser.parse_args()
    if args.latency:
        pushes = not args.polling_only
        figures = latency_figures(
            stores=args.stores,
            seconds=args.seconds,
            concurrency=args.concurrency,
            share=args.share,
            pushes=pushes,
            settle=90.0 if pushes else 150.0,
        )
        report_latency(figures, pushes=pushes)
        return
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    recreate_database(url)
    setup_django(url, migrate=True)
    report(fanout_figures(stores=args.stores, events=args.events, batch=args.batch))


if __name__ == "__main__":
    main()
