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

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shopcrew_fanout_bench"
GOAL_DELIVERIES_PER_S = 8000


def recreate_database(url: str) -> None:
    import psycopg
    from dj_database_url import parse

    cfg = parse(url)
    name = cfg["NAME"]
    if not name.endswith("bench"):
        sys.exit(f"refusing to drop database {name!r}: the benchmark database's name must end in 'bench'")
    conninfo = {"host": cfg["HOST"], "port": cfg["PORT"], "user": cfg["USER"], "password": cfg["PASSWORD"]}
    with psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in conninfo.items() if v}) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


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


def fanout_figures(*, stores: int = 100, events: int = 20000, batch: int = 500) -> dict:
    """Build the world, emit the events, then time the delivery worker's fan-out of all of them. Returns
    {"events", "deliveries", "seconds", "deliveries_per_s", "robots", "queries_per_batch"}."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from events.models import Event
    from notifications.models import Delivery
    from notifications.tasks import fan_out_pending

    settings.SHOPCREW_EVENTS_KICK = False
    tag = uuid.uuid4().hex[:6]
    made = build_world(stores, tag)
    emitted = emit_events(made, events, tag)
    assert not Event.objects.filter(state="pending").exclude(store__in=made).exists(), "other events are pending"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    recreate_database(url)
    setup_django(url)
    report(fanout_figures(stores=args.stores, events=args.events, batch=args.batch))


if __name__ == "__main__":
    main()
