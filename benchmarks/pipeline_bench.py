#!/usr/bin/env python
"""The intake pipeline on PostgreSQL (issue "Orders into WeCom", item 9): decode page → normalize → upsert → outbox.

    .venv/bin/python benchmarks/pipeline_bench.py [--stores 100 --page 100 --plain-stores 20]

In a database of its own (BENCH_DATABASE_URL, default postgres://…/shopcrew_pipeline_bench — dropped and
recreated, so its name must end in "bench"):

1. Capture, once, real Shopee `get_order_detail` answers from the simulator over HTTP through the real client:
   a page of orders paid and awaiting shipment, then (the simulated clock moved on three days) the same
   orders shipped. The raw response bodies are kept; the simulator is not called again.
2. Intake, timed, on this one process: for every store, the "new" page then the "shipped" page are decoded
   as the client decodes them (envelope check, JSON, typed OrderDetail rows), normalized
   (orders.normalize.shopee_order) and written by orders.services.orders_upsert_page, which announces
   order.new / order.shipped in the same transaction (one statement per table per page). Each store is
   one page of `--page` orders, so --stores 100 --page 100 is 10,000 orders seen twice: 20,000 order
   updates. Goal ≥ 6,000 order updates/s, excluding the simulator's time.
3. The straightforward path in the same run on other stores: the same decode and normalize, then per order
   `Order.objects.update_or_create(...)` and `Event.objects.create(...)` in Django's autocommit (as the issue
   describes it; its reference figure, 390/s, is of that kind). Goal: the pipeline ≥ 20× its rate. Also printed,
   not judged: the same with one transaction per page (a first version that batched its commits), and the
   pipeline's ratio to that.
4. SQL statements per page for pages of 10, 50 and 100 orders, new and shipped: must not grow.

With --poll-round [--poll-stores 5000 --ozon-share 0.2] only the poll round is measured: the simulators in a
process of their own, that many connected stores with nothing new (past their first import), one round as beat
and workers run it — orders.polling.sync_dispatch claims every due store, then 1 and then 2 forked worker
processes run them as poll_stores tasks (orders.polling.stores_poll, 20 stores a task). Two kinds of round: the
steady state (only the order streams due: returns, stock and FBO are read at most every 5-10 minutes) and one
with every stream due. Goal: ≤ 30 s for 5,000 stores; it also prints the time spent inside the simulator's
handlers, the workers' CPU per store (load-independent) and the platform calls per store.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support import recreate_database, setup_django  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shopcrew_pipeline_bench"
DETAIL_PATH = "/api/v2/order/get_order_detail"
DAY = 86400


# ------------------------------------------------------------------------------------------- capture


def capture_pages(size: int) -> tuple[list[bytes], list[bytes]]:
    """Raw get_order_detail bodies (batches of ≤ 50) for `size` orders awaiting shipment, then shipped."""
    import httpx

    from sandbox.server import running_simulator
    from stores.clients.shopee import ShopeeClient

    bodies: list[bytes] = []

    def keep(response: httpx.Response) -> None:
        if response.url.path.endswith(DETAIL_PATH):
            response.read()
            bodies.append(response.content)

    with running_simulator() as sim:
        control = sim.control
        partner = control.create_partner()
        shop_id = control.create_shop(partner_id=partner["partner_id"], region="SG")["shop_id"]
        now = int(control.clock()["now"])
        sns = control.seed_orders(
            shop_id, count=size, seed=7, cod_ratio=1, cancel_ratio=0, return_ratio=0, **{"from": now - 60, "to": now}
        )["order_sns"]
        http = httpx.Client(base_url=sim.shopee_url, event_hooks={"response": [keep]})
        client = ShopeeClient(
            partner_id=partner["partner_id"],
            partner_key=partner["partner_key"],
            base_url=sim.shopee_url,
            http_client=http,
        )
        token = client.get_token(control.issue_code(shop_id), shop_id)
        details = client.shop(shop_id=shop_id, access_token=token.access_token).get_order_detail(sns)
        assert {d.order_status for d in details} == {"READY_TO_SHIP"}, {d.order_status for d in details}
        new, bodies[:] = list(bodies), []
        control.advance(3 * DAY)
        token = client.refresh_access_token(token.refresh_token, shop_id)
        details = client.shop(shop_id=shop_id, access_token=token.access_token).get_order_detail(sns)
        assert {d.order_status for d in details} <= {"SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED"}
        shipped = list(bodies)
        http.close()
    return new, shipped


# ------------------------------------------------------------------------------------------- pipeline


def decoder():
    """decode(bodies) -> normalized rows, exactly as the client decodes an answer (envelope, JSON, typed rows)."""
    import httpx

    from orders.normalize import shopee_order
    from stores.clients import shopee

    partner = shopee.ShopeeClient(partner_id=1, partner_key="bench", base_url="http://127.0.0.1")

    def decode(bodies: list[bytes]) -> list:
        rows = []
        for body in bodies:
            payload = partner._check(httpx.Response(200, content=body), kind="shop", flat=False, where=DETAIL_PATH)
            for i, raw in enumerate(payload["order_list"]):
                rows.append(shopee_order(shopee._order_detail(raw, f"{DETAIL_PATH}.order_list[{i}]")))
        return rows

    return decode


def make_stores(count: int, prefix: str) -> list:
    from staff.models import Staff
    from stores.models import Store

    owner = Staff.objects.create(username=f"{prefix}-owner", name="店主")
    backup = Staff.objects.create(username=f"{prefix}-backup", name="备份")
    stores = [
        Store(
            platform="shopee",
            site="SG",
            shop_id=f"{prefix}{n}",
            name=f"{prefix}店{n}",
            primary_owner=owner,
            backup_owner=backup,
        )
        for n in range(count)
    ]
    return Store.objects.bulk_create(stores)


def run_pipeline(stores, new_pages, shipped_pages, decode) -> tuple[float, int, int]:
    from orders.services import orders_upsert_page

    updates = events = 0
    started = time.perf_counter()
    for bodies in (new_pages, shipped_pages):
        for store in stores:
            result = orders_upsert_page(store=store, rows=decode(bodies))
            updates += len(result.inserted) + len(result.updated)
            events += len(result.events)
    return time.perf_counter() - started, updates, events


def straightforward_upsert(store, rows, kind: str, *, page_transaction: bool = False) -> int:
    """Per order: update_or_create, then Event.objects.create — what a first version would write: in Django's
    autocommit (update_or_create's own atomic block, then the event's insert), or, with `page_transaction`, the
    page in one transaction (a first version that already knew to batch its commits)."""
    from contextlib import nullcontext

    from django.db import transaction
    from django.utils import timezone

    from events.models import Event
    from orders.models import Order

    now = time.time()
    with transaction.atomic() if page_transaction else nullcontext():
        for row in rows:
            Order.objects.update_or_create(
                store=store,
                order_id=row.order_id,
                defaults={
                    "order_number": row.order_number,
                    "fulfilment": row.fulfilment,
                    "status": row.status,
                    "platform_status": row.platform_status,
                    "amount": row.amount,
                    "currency": row.currency,
                    "buyer_name": row.buyer_name,
                    "ship_by": row.ship_by,
                    "carrier": row.carrier,
                    "tracking_number": row.tracking_number,
                    "item_count": len(row.items),
                    "items_digest": row.items_digest,
                    "platform_created_at": row.platform_created_at,
                    "platform_updated_at": row.platform_updated_at,
                    "synced_at": timezone.now(),
                },
            )
            Event.objects.create(
                kind=kind,
                store=store,
                payload={"order_id": row.order_id, "status": row.status, "at": now},
                dedupe_key=f"{kind}:{store.pk}:{row.order_id}",
            )
    return len(rows)


def run_straightforward(stores, new_pages, shipped_pages, decode, *, page_transaction=False) -> tuple[float, int]:
    updates = 0
    started = time.perf_counter()
    for bodies, kind in ((new_pages, "order.new"), (shipped_pages, "order.shipped")):
        for store in stores:
            updates += straightforward_upsert(store, decode(bodies), kind, page_transaction=page_transaction)
    return time.perf_counter() - started, updates


def statements_per_page(store, new_pages, shipped_pages, decode) -> dict[int, tuple[int, int]]:
    """Statements one page costs (new orders, then the same orders shipped) for pages of 10, 50 and 100."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.services import orders_upsert_page

    new_rows = decode(new_pages)
    shipped = {row.order_id: row for row in decode(shipped_pages)}
    counts = {}
    for size in (10, 50, 100):
        originals = [new_rows[k % len(new_rows)] for k in range(size)]
        figures = []
        for page in (
            [_renamed(row, f"{size}-{k}") for k, row in enumerate(originals)],
            [_renamed(shipped[row.order_id], f"{size}-{k}") for k, row in enumerate(originals)],
        ):
            with CaptureQueriesContext(connection) as queries:
                orders_upsert_page(store=store, rows=page)
            figures.append(len(queries))
        counts[size] = (figures[0], figures[1])
    return counts


def _renamed(row, suffix: str):
    """The same order under another id (so each page size writes fresh orders)."""
    from dataclasses import replace

    return replace(row, order_id=f"{row.order_id}-{suffix}")


# ------------------------------------------------------------------------------------------- poll round


def start_simulator_process() -> tuple[object, str]:
    """`manage.py simulate` in a process of its own (port chosen by the OS); (process, base URL)."""
    import subprocess

    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "simulate", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.test")},
    )
    line = process.stdout.readline()
    base = line.split("Simulators at ", 1)[1].split("/", 3)[:3]
    return process, "/".join(base)


def make_polled_stores(control, shopee: int, ozon: int) -> list[int]:
    """`shopee` authorized Shopee shops and `ozon` Ozon sellers, each mirrored as a connected Store whose sync
    state already went past its first import (cursors a minute old): a steady-state round with nothing new."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from orders.models import SyncState
    from orders.polling import sync_states_ensure
    from stores.models import OzonCredential, ShopeeApp, ShopeeCredential

    partner = control.create_partner()
    app = ShopeeApp.objects.create(
        name="bench", partner_id=partner["partner_id"], partner_key=partner["partner_key"], environment="simulator"
    )
    shops = [control.create_shop(partner_id=app.partner_id)["shop_id"] for _ in range(shopee)]
    tokens = [control.issue_tokens(shop_id, partner_id=app.partner_id) for shop_id in shops]
    sellers = [control.create_seller() for _ in range(ozon)]
    stores = make_stores(shopee, "poll-s") + make_stores(ozon, "poll-o")
    for store, shop_id in zip(stores[:shopee], shops, strict=True):
        store.shop_id = str(shop_id)
    for store, seller in zip(stores[shopee:], sellers, strict=True):
        store.platform, store.site, store.shop_id = "ozon", "RU", str(seller["client_id"])
    type(stores[0]).objects.bulk_update(stores, ["platform", "site", "shop_id"], batch_size=1000)
    now = timezone.now()
    ShopeeCredential.objects.bulk_create(
        [
            ShopeeCredential(
                store=store,
                app=app,
                access_token=t["access_token"],
                refresh_token=t["refresh_token"],
                access_expires_at=now + timedelta(hours=4),
                refresh_issued_at=now,
                refresh_expires_at=now + timedelta(days=30),
                authorized_at=now,
                authorization_expires_at=now + timedelta(days=365),
            )
            for store, t in zip(stores[:shopee], tokens, strict=True)
        ],
        batch_size=1000,
    )
    OzonCredential.objects.bulk_create(
        [
            OzonCredential(store=store, client_id=seller["client_id"], api_key=seller["api_key"])
            for store, seller in zip(stores[shopee:], sellers, strict=True)
        ],
        batch_size=1000,
    )
    sync_states_ensure()
    stamp = (now - timedelta(minutes=1)).timestamp()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SyncState._meta.db_table} SET cursors = jsonb_build_object("
            "'orders', %s::float, 'returns', %s::float, 'stock', %s::float, 'fbs', %s::float, 'fbo', %s::float)",
            [stamp, stamp, now.timestamp(), stamp, stamp],
        )
    return [store.pk for store in stores]


def _poll_batch(store_ids: list[int]) -> tuple[list[str], float]:
    """One poll_stores task (a few stores, their waits overlapped on threads) and the CPU time this worker
    process spent on it (load-independent, unlike the wall clock)."""
    from orders.polling import stores_poll

    cpu = time.process_time()
    outcomes = stores_poll(store_ids=store_ids)
    return list(outcomes.values()), time.process_time() - cpu


def _warm(_: int) -> int:
    from django.db import connection

    connection.ensure_connection()
    return os.getpid()


def poll_round(
    store_ids: list[int], processes: int, *, every_stream: bool = False
) -> tuple[float, dict[str, int], float]:
    """One round as beat + workers run it: the dispatcher claims every due store (SKIP LOCKED, batches of 500,
    committed) into poll_stores tasks of 20 stores, then `processes` worker processes run them (forked, like
    Celery's prefork pool, started and connected before the clock starts; each task overlaps its stores' waits
    on SHOPCREW_POLL_THREADS threads). Returns (seconds, outcomes, CPU seconds the workers spent polling)."""
    import multiprocessing
    from collections import Counter
    from datetime import timedelta

    from django.db import connections
    from django.utils import timezone

    from orders.models import SyncState
    from orders.polling import sync_dispatch

    SyncState.objects.filter(store_id__in=store_ids).update(next_poll_at=timezone.now() - timedelta(seconds=1))
    if every_stream:  # returns, stock and FBO due too (they are read at most every 5-10 minutes)
        _age_slow_streams(store_ids)
    connections.close_all()
    pool = multiprocessing.get_context("fork").Pool(processes)
    try:
        pool.map(_warm, range(processes * 4))
        started = time.perf_counter()
        tasks: list[list[int]] = []
        sync_dispatch(queue=tasks.append)
        results = list(pool.imap_unordered(_poll_batch, tasks))
        seconds = time.perf_counter() - started
    finally:
        pool.close()
        pool.join()
    assert sum(map(len, tasks)) == len(store_ids), (sum(map(len, tasks)), len(store_ids))
    outcomes = Counter(outcome for batch, _ in results for outcome in batch)
    return seconds, dict(outcomes), sum(cpu for _, cpu in results)


def _age_slow_streams(store_ids: list[int]) -> None:
    from django.db import connection
    from django.utils import timezone

    from orders.models import SyncState

    stamp = timezone.now().timestamp() - 3600
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SyncState._meta.db_table} SET cursors = cursors || jsonb_build_object("
            "'returns', %s::float, 'stock', %s::float, 'fbo', %s::float) WHERE store_id = ANY(%s)",
            [stamp, stamp, stamp, store_ids],
        )


def run_poll_round(args) -> None:
    """The poll-round figure: a round over `--poll-stores` stores with nothing new, on 1 and on 2 processes."""
    import logging

    from sandbox.control import Control

    process, base = start_simulator_process()
    try:
        from django.conf import settings

        settings.SHOPEE_BASE_URL, settings.OZON_BASE_URL = f"{base}/shopee", f"{base}/ozon"
        control = Control(base, timeout=60)
        ozon = int(args.poll_stores * args.ozon_share)
        started = time.perf_counter()
        store_ids = make_polled_stores(control, args.poll_stores - ozon, ozon)
        logging.disable(logging.WARNING)
        print(
            f"\npoll round: {args.poll_stores:,} stores ({args.poll_stores - ozon:,} Shopee, {ozon:,} Ozon), "
            f"nothing new; set up in {time.perf_counter() - started:.0f} s; simulator in its own process"
        )
        print(f"{'figure':<58}{'measured':>16}{'goal':>14}  result")
        for every_stream in (False, True):
            kind = "every stream due" if every_stream else "steady state"
            for processes in (1, 2):
                before = (control.requests(limit=1) or [{"id": 0}])[-1]["id"]
                seconds, outcomes, cpu = poll_round(store_ids, processes, every_stream=every_stream)
                ok = outcomes.get("ok", 0) == len(store_ids)
                plural = "es" if processes > 1 else ""
                label = f"round ({kind}), {processes} worker process{plural} {outcomes}"
                verdict = "PASS" if seconds <= 30 and ok else "FAIL"
                print(f"{label:<58}{f'{seconds:.1f} s':>16}{'≤ 30 s':>14}  {verdict}")
                # the simulator keeps its last 5,000 calls: the count comes from their ids, the time from the mean
                served = control.requests(since_id=before, limit=1_000_000)
                calls = served[-1]["id"] - before if served else 0
                inside = sum(r.get("duration") or 0 for r in served) / max(1, len(served)) * calls
                print(f"{'  of which inside the simulator (its handlers, summed)':<58}{f'{inside:.1f} s':>16}")
                per_store = cpu / len(store_ids) * 1000
                print(f"{'  workers CPU per store (load-independent)':<58}{f'{per_store:.2f} ms':>16}")
                print(f"{'  platform calls per store':<58}{calls / len(store_ids):>16.1f}")
                if processes == 1:
                    one = seconds
            print(f"{f'  speed-up from 1 to 2 processes ({kind})':<58}{f'{one / seconds:.2f}×':>16}")
        control.close()
    finally:
        process.terminate()
        process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--page", type=int, default=100)
    parser.add_argument("--plain-stores", type=int, default=20, help="stores for the straightforward path")
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--poll-round", action="store_true", help="only the poll-round figure (see run_poll_round)")
    parser.add_argument("--poll-stores", type=int, default=5000, help="stores in the poll round")
    parser.add_argument("--ozon-share", type=float, default=0.2, help="share of Ozon stores in the poll round")
    args = parser.parse_args()

    recreate_database(args.database)
    setup_django(args.database, migrate=True)
    if args.poll_round:
        run_poll_round(args)
        return
    from django.db import connection

    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, database {connection.settings_dict['NAME']}"
    )
    new_pages, shipped_pages = capture_pages(args.page)
    decode = decoder()
    assert len(decode(new_pages)) == args.page

    stores = make_stores(args.stores, "p")
    plain = make_stores(args.plain_stores, "s")
    batched = make_stores(args.plain_stores, "t")
    probe = make_stores(1, "q")[0]
    decode(new_pages)  # warm imports and caches outside the timings

    seconds, updates, events = run_pipeline(stores, new_pages, shipped_pages, decode)
    rate = updates / seconds
    plain_seconds, plain_updates = run_straightforward(plain, new_pages, shipped_pages, decode)
    plain_rate = plain_updates / plain_seconds
    paged_seconds, paged_updates = run_straightforward(batched, new_pages, shipped_pages, decode, page_transaction=True)
    paged_rate = paged_updates / paged_seconds
    counts = statements_per_page(probe, new_pages, shipped_pages, decode)

    orders = args.stores * args.page
    print(f"\nintake: {orders:,} orders across {args.stores} stores, each seen new then shipped, pages of {args.page}")
    print(f"{'figure':<58}{'measured':>16}{'goal':>14}  result")

    def line(name, value, goal, ok):
        print(f"{name:<58}{value:>16}{goal:>14}  {'PASS' if ok else 'FAIL'}")

    line(
        f"pipeline: {updates:,} order updates, {events:,} events, {seconds:.2f} s",
        f"{rate:,.0f}/s",
        "≥ 6,000/s",
        rate >= 6000,
    )
    line(
        f"straightforward (autocommit): {plain_updates:,} order updates, {plain_seconds:.2f} s",
        f"{plain_rate:,.0f}/s",
        "",
        True,
    )
    line("pipeline ÷ straightforward", f"{rate / plain_rate:.1f}×", "≥ 20×", rate / plain_rate >= 20)
    print(
        f"{'  stricter: straightforward with one transaction per page':<58}{paged_rate:>14,.0f}/s"
        f"{'':>14}  pipeline ÷ it: {rate / paged_rate:.1f}×"
    )
    constant = len({pair[0] for pair in counts.values()}) == 1 and len({pair[1] for pair in counts.values()}) == 1
    per_size = ", ".join(f"{size}: {new}/{shipped}" for size, (new, shipped) in counts.items())
    line(f"SQL statements per page (new/shipped) {per_size}", "constant" if constant else "grows", "constant", constant)
    assert events == 2 * orders, (events, orders)


if __name__ == "__main__":
    main()
