#!/usr/bin/env python
"""The audit log at millions of events, on PostgreSQL (issue "Managers", item 2).

    .venv/bin/python benchmarks/audit_bench.py [--events 5000000] [--reuse] [--repeat 5]

In a database of its own (BENCH_DATABASE_URL, default postgres://…/shopcrew_audit_bench — dropped and
recreated unless --reuse, so its name must end in "bench"): 1,000 stores, 300 staff in 10 departments and
`--events` audit events over the last year (sign-ins, grants, approvals, store and order changes …; four in
five on a store; actors, actions and sources in the proportions of a working console), loaded with COPY-speed
SQL. The rows are not a valid hash chain (the filters do not read hashes); everything the pages read is real.

Then the audit log page is fetched in-process with Django's test client (server time, no network) for every
filter, once to warm up and `--repeat` times; the table shows the worst time beside the goal (≤ 300 ms) and
the page's SQL statements, and fails any statement that counts the table. Two viewers: a super admin (the
whole log) and a store admin of 5 stores (only their stores' events).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.rbac_bench import bulk_load  # noqa: E402
from benchmarks.support import recreate_database, setup_django  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shopcrew_audit_bench"
GOAL_MS = 300.0
ACTIONS = [  # (action, weight, target type, on a store)
    ("auth.login", 20, "staff.staff", False),
    ("auth.logout", 6, "staff.staff", False),
    ("auth.2fa_verify", 12, "staff.staff", False),
    ("order.claim", 14, "orders.order", True),
    ("order.handle", 10, "orders.order", True),
    ("case.assign", 6, "orders.aftersalescase", True),
    ("case.handle", 5, "orders.aftersalescase", True),
    ("store.update", 4, "stores.store", True),
    ("binding.grant", 6, "rbac.rolebinding", True),
    ("binding.revoke", 3, "rbac.rolebinding", True),
    ("binding.expire", 2, "rbac.rolebinding", True),
    ("access_request.create", 2, "rbac.accessrequest", True),
    ("access_request.approve", 2, "rbac.accessrequest", True),
    ("access_request.reject", 1, "rbac.accessrequest", True),
    ("robot.update", 1, "notifications.robot", True),
    ("stock.threshold", 2, "orders.stocklevel", True),
    ("staff.update", 2, "staff.staff", False),
    ("auth.login_failed", 1, "staff.staff", False),
    ("access_request.approve_alone", 0, "rbac.accessrequest", True),  # rare: a handful, added below
]


def sql(statement: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchall() if cursor.description else None


def build(events: int) -> tuple[int, int]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from rbac.models import Role, RoleBinding
    from staff.models import Department
    from stores.models import Store

    Staff = get_user_model()
    departments = Department.objects.bulk_create([Department(name=f"部门{i}") for i in range(10)])
    people = Staff.objects.bulk_create(
        [
            Staff(
                username=f"s{i}",
                name=f"员工{i}",
                employee_id=f"E{i:05d}",
                email=f"s{i}@bench.invalid",
                password="!",
                department=departments[i % 10],
            )
            for i in range(300)
        ]
    )
    stores = Store.objects.bulk_create(
        [
            Store(
                platform="shopee",
                site="SG",
                shop_id=str(2_000_000 + i),
                name=f"店铺{i}",
                primary_owner=people[0],
                backup_owner=people[1],
                timezone="Asia/Singapore",
            )
            for i in range(1000)
        ]
    )
    admin = Staff.objects.create_superuser(username="boss", email="boss@bench.invalid", password="x", name="老板")
    viewer = people[2]
    store_admin = Role.objects.get(name="店铺管理员")
    RoleBinding.objects.bulk_create([RoleBinding(staff=viewer, role=store_admin, store=s) for s in stores[:5]])
    staff_ids = [p.pk for p in people]
    store_lo, store_hi = stores[0].pk, stores[-1].pk
    kinds = [(a, w, t, s) for a, w, t, s in ACTIONS if w]
    total = sum(w for _a, w, _t, _s in kinds)
    # one row of (action, target type, on a store, cumulative weight) per kind, as a VALUES list
    cumulative, acc = [], 0
    for action, weight, target, on_store in kinds:
        acc += weight
        cumulative.append(f"('{action}', '{target}', {str(on_store).lower()}, {acc / total})")
    now = timezone.now()
    chunk = 500_000
    t0 = time.perf_counter()
    sql("SET synchronous_commit TO OFF")
    with bulk_load("audit_auditevent"):  # indexes rebuilt once at the end, as a DBA would load millions
        load(events, chunk, now, store_lo, store_hi, staff_ids, cumulative, t0)
    print(f"  indexes built ({time.perf_counter() - t0:.0f} s)", flush=True)
    sql("VACUUM ANALYZE audit_auditevent")
    print(f"  loaded and analysed in {time.perf_counter() - t0:.0f} s", flush=True)
    return admin.pk, viewer.pk


def load(events, chunk, now, store_lo, store_hi, staff_ids, cumulative, t0) -> None:
    for start in range(0, events, chunk):
        n = min(chunk, events - start)
        sql(
            f"""
            WITH kinds(action, target_type, on_store, upto) AS (VALUES {", ".join(cumulative)}),
            g AS (SELECT s AS i, random() AS r, random() AS r2, random() AS r3 FROM generate_series(%s, %s) s)
            INSERT INTO audit_auditevent (created_at, actor_id, actor_display, source, request_id, ip, user_agent,
                store_id, action, target_type, target_id, target_label, before, after, reason, prev_hash, hash, names)
            SELECT %s::timestamptz - make_interval(secs => (%s - g.i) * (31536000.0 / %s)),
                   a.id, '员工' || (a.id %% 300), src.source, md5(g.i::text), '10.0.0.1', 'bench',
                   CASE WHEN k.on_store OR g.r3 < 0.1 THEN %s + floor(g.r2 * (%s - %s + 1))::int END,
                   k.action, k.target_type, (g.i %% 100000)::text, '对象' || (g.i %% 100000),
                   CASE WHEN g.r < 0.3 THEN jsonb_build_object('status', 'open') END,
                   CASE WHEN g.r < 0.3 THEN jsonb_build_object('status', 'done') END,
                   CASE WHEN g.r < 0.05 THEN '调岗' || (g.i %% 997) ELSE '' END,
                   '', md5(g.i::text) || md5((g.i + 1)::text), NULL
            FROM g
            JOIN LATERAL (SELECT action, target_type, on_store FROM kinds WHERE kinds.upto >= g.r ORDER BY upto
                          LIMIT 1) k ON true
            JOIN LATERAL (SELECT (%s::int[])[1 + floor(g.r2 * 300)::int] AS id) a ON true
            JOIN LATERAL (SELECT CASE WHEN g.r3 < 0.7 THEN 'web' WHEN g.r3 < 0.9 THEN 'task'
                                      WHEN g.r3 < 0.98 THEN 'api' ELSE 'system' END AS source) src ON true
            """,
            [start, start + n - 1, now, events, events, store_lo, store_hi, store_lo, staff_ids],
        )
        print(f"  {start + n:,} events ({time.perf_counter() - t0:.0f} s)", flush=True)
    # a handful of a rare action, spread over the year (bulk_load's replica role passes the append-only trigger)
    sql(
        "UPDATE audit_auditevent SET action = 'access_request.approve_alone' WHERE id %% %s = 7",
        [max(events // 12, 1)],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    if not args.reuse:
        recreate_database(url)
    setup_django(url, migrate=not args.reuse)

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.testing import verified_login

    Staff = get_user_model()
    if args.reuse:
        admin_pk, viewer_pk = Staff.objects.get(username="boss").pk, Staff.objects.get(username="s2").pk
    else:
        print(f"building {args.events:,} audit events …", flush=True)
        admin_pk, viewer_pk = build(args.events)
    count = sql("SELECT reltuples::bigint FROM pg_class WHERE relname = 'audit_auditevent'")[0][0]
    version = sql("SHOW server_version")[0][0]
    print(f"\nPostgreSQL {version}, {count:,} audit events (estimate), goal ≤ {GOAL_MS:.0f} ms a page\n")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    some_store = sql("SELECT id FROM stores_store ORDER BY id LIMIT 1 OFFSET 500")[0][0]
    viewer_store = sql("SELECT store_id FROM rbac_rolebinding WHERE staff_id = %s LIMIT 1", [viewer_pk])[0][0]
    department = sql("SELECT id FROM staff_department ORDER BY id LIMIT 1 OFFSET 3")[0][0]
    actor = sql("SELECT id FROM staff_staff WHERE username = 's42'")[0][0]
    middle = sql("SELECT max(id) / 2 FROM audit_auditevent")[0][0]
    day = sql("SELECT (now() - interval '200 days')::date")[0][0].isoformat()
    week_from = sql("SELECT (now() - interval '30 days')::date")[0][0].isoformat()
    week_to = sql("SELECT (now() - interval '23 days')::date")[0][0].isoformat()
    cases = [
        ("super admin", admin_pk, "no filter", {}),
        ("super admin", admin_pk, "actor", {"actor": actor}),
        ("super admin", admin_pk, "actor's department", {"department": department}),
        ("super admin", admin_pk, "store", {"store": some_store}),
        ("super admin", admin_pk, "action (common)", {"action": "auth.login"}),
        ("super admin", admin_pk, "action (rare)", {"action": "access_request.approve_alone"}),
        ("super admin", admin_pk, "action group (binding.)", {"action": "binding."}),
        ("super admin", admin_pk, "target type", {"target_type": "orders.aftersalescase"}),
        ("super admin", admin_pk, "one target's history", {"target_type": "rbac.accessrequest", "target_id": "4242"}),
        ("super admin", admin_pk, "source (api)", {"source": "api"}),
        ("super admin", admin_pk, "one day 200 days ago", {"since": day, "until": day}),
        ("super admin", admin_pk, "text (rare)", {"q": "调岗421"}),
        ("super admin", admin_pk, "text (no match)", {"q": "不存在的词"}),
        (
            "super admin",
            admin_pk,
            "store + action + week",
            {"store": some_store, "action": "binding.", "since": week_from, "until": week_to},
        ),
        ("super admin", admin_pk, "actor + action group", {"actor": actor, "action": "auth."}),
        ("super admin", admin_pk, "deep page (older than the middle)", {"before": middle}),
        ("store admin, 5 stores", viewer_pk, "no filter", {}),
        ("store admin, 5 stores", viewer_pk, "store", {"store": viewer_store}),
        ("store admin, 5 stores", viewer_pk, "action (rare)", {"action": "access_request.approve_alone"}),
        ("store admin, 5 stores", viewer_pk, "text (no match)", {"q": "不存在的词"}),
        ("store admin, 5 stores", viewer_pk, "deep page", {"before": middle}),
    ]
    clients: dict[int, Client] = {}
    failed = 0
    print(f"{'viewer':<22} {'filter':<36} {'worst':>9} {'median':>9} {'rows':>5} {'SQL':>4}  result")
    for who, pk, label, params in cases:
        if pk not in clients:
            clients[pk] = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
            verified_login(clients[pk], Staff.objects.get(pk=pk))
        client = clients[pk]
        response = client.get("/audit/", params)  # warm-up
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                t = time.perf_counter()
                response = client.get("/audit/", params)
                times.append((time.perf_counter() - t) * 1000)
        counting = [q for q in queries if "COUNT(" in q["sql"].upper() and "audit_auditevent" in q["sql"]]
        ok = response.status_code == 200 and max(times) <= GOAL_MS and not counting
        failed += not ok
        rows = len(re.findall(r'<a href="/audit/[0-9]+/">', response.content.decode()))
        times.sort()
        print(
            f"{who:<22} {label:<36} {times[-1]:>7.1f}ms {times[len(times) // 2]:>7.1f}ms {rows:>5} {len(queries):>4}  "
            f"{'PASS' if ok else 'FAIL'}{' (counts the table)' if counting else ''}"
            f"{'' if response.status_code == 200 else f' (HTTP {response.status_code})'}"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
