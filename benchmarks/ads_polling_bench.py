#!/usr/bin/env python
"""An hour of ads polling over 1,000 stores against the platforms' published limits (issue "Ads", Done when).

    .venv/bin/python benchmarks/ads_polling_bench.py [--stores 1000 --ozon-share 0.5 --threads 8]

In a database of its own (BENCH_DATABASE_URL, default postgres://…/shopcrew_ads_bench — dropped and recreated), with
the simulators in a process of their own (real HTTP on loopback): that many connected stores (Shopee shops with the
ads API, Ozon sellers with a Performance account), then the rounds beat and the workers run —
ads.polling.ads_dispatch claims every due store, ads_poll reads it through the real clients:

1. the first round: today so far and the last 14 closed days of every store (what a store's first poll reads);
2. an hour later: the steady hourly round (today so far only);
3. the next day: today, and yesterday now closed.

For each round it prints the wall time (the hourly interval is the budget), the platform calls per store, the most
calls any one shop or Performance account took, and the failures; then a day at this rate (23 hourly rounds and
the day-closing one; a store's first poll is once) per Ozon Performance account against its published 100,000 requests a day,
with the asynchronous report (1 in flight per account) never used on this path. Calls are counted by the clients
(each reading's `calls`): one store is one shop or one Performance account. Shopee publishes no ads rate
numbers (platform-ads-apis.md §1.1): its figure is printed for the record and checked against the simulator's
configured limits (no ads.rate_limit.* answer).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support import recreate_database, setup_django  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shopcrew_ads_bench"
OZON_DAILY_LIMIT = 100_000


def poll_all(store_ids: list[int], threads: int, now) -> tuple[float, Counter, dict[int, int]]:
    """Every claimed store polled on `threads` threads (each with its own connection): (seconds, outcomes, the
    platform calls each store's reading made — one store is one shop or one Performance account)."""
    from django.db import connection

    from ads.polling import ads_poll

    todo = list(store_ids)
    lock = threading.Lock()
    outcomes: Counter = Counter()
    calls: dict[int, int] = {}

    def work() -> None:
        try:
            while True:
                with lock:
                    if not todo:
                        return
                    store_id = todo.pop()
                result = ads_poll(store_id=store_id, now=now)
                with lock:
                    outcomes[result.outcome] += 1
                    calls[store_id] = result.reading.calls if result.reading else 0
        finally:
            connection.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - started, outcomes, calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--ozon-share", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()

    recreate_database(args.database)
    setup_django(args.database, migrate=True)
    from datetime import timedelta

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from ads.polling import ads_dispatch
    from benchmarks.pipeline_bench import make_polled_stores, start_simulator_process
    from sandbox.control import Control

    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, database {connection.settings_dict['NAME']}"
    )
    process, base = start_simulator_process()
    try:
        settings.SHOPEE_BASE_URL, settings.OZON_BASE_URL = f"{base}/shopee", f"{base}/ozon"
        settings.OZON_PERFORMANCE_BASE_URL = f"{base}/ozon-performance"
        control = Control(base, timeout=120)
        ozon = int(args.stores * args.ozon_share)
        shopee = args.stores - ozon
        started = time.perf_counter()
        store_ids = make_polled_stores(control, shopee, ozon)
        shopee_ids = set(store_ids[:shopee])
        performance_accounts(control, store_ids[shopee:])
        print(
            f"{args.stores:,} stores ({shopee:,} Shopee, {ozon:,} Ozon) set up in {time.perf_counter() - started:.0f} s; "
            f"polled on {args.threads} threads, simulators in their own process"
        )
        print(f"{'round':<44}{'wall':>9}{'calls/store':>13}{'max/account':>13}  outcomes")
        now = timezone.now()
        per_round = {}
        for name, offset in (("first poll (today + 14 closed days)", 0), ("an hour later (today)", 3600),
                             ("the next day (today + yesterday)", 86400)):  # fmt: skip
            if offset:
                control.advance(offset - (per_round.get("offset") or 0))
            per_round["offset"] = offset
            at = now + timedelta(seconds=offset)
            queued: list[int] = []
            ads_dispatch(queue=queued.extend, now=at)
            seconds, outcomes, calls = poll_all(queued, args.threads, at)
            shopee_calls = sum(n for pk, n in calls.items() if pk in shopee_ids)
            ozon_calls = sum(n for pk, n in calls.items() if pk not in shopee_ids)
            per_round[name] = (shopee_calls, ozon_calls)
            print(
                f"{name:<44}{f'{seconds:.1f} s':>9}{sum(calls.values()) / max(1, len(queued)):>13.1f}"
                f"{max(calls.values(), default=0):>13}  {dict(outcomes)}"
            )
        _first, hourly, closing = (per_round[k] for k in list(per_round)[1:])
        if ozon:
            day = 23 * hourly[1] + closing[1]
            per_account = day / ozon
            verdict = "PASS" if per_account <= OZON_DAILY_LIMIT else "FAIL"
            print(
                f"Ozon Performance: a day's calls per account at this rate {per_account:,.0f} "
                f"(limit {OZON_DAILY_LIMIT:,}/day)  {verdict}; asynchronous reports ordered: 0 (1 in flight allowed)"
            )
        if shopee:
            shop_day = (23 * hourly[0] + closing[0]) / shopee
            print(f"Shopee Ads: a day's calls per shop at this rate {shop_day:,.0f} (no published limit; none refused)")
        control.close()
    finally:
        process.terminate()
        process.wait(10)


def performance_accounts(control, ozon_store_ids: list[int]) -> None:
    """Each Ozon store's Performance credentials: every simulated seller has an account whose keys derive from the
    seller's (sandbox/ozon_performance.py)."""
    from sandbox.ozon_performance import account_client_id, account_secret
    from stores.models import OzonCredential, OzonPerformanceCredential

    sellers = OzonCredential.objects.filter(store_id__in=ozon_store_ids)
    OzonPerformanceCredential.objects.bulk_create(
        [
            OzonPerformanceCredential(
                store_id=c.store_id,
                client_id=account_client_id(int(c.client_id)),
                client_secret=account_secret(int(c.client_id), c.api_key),
            )
            for c in sellers
        ],
        batch_size=1000,
    )


if __name__ == "__main__":
    main()
