#!/usr/bin/env python
"""Pages for a large seller: server time, size and queries of every page, for two people (issue 8, f).

    .venv/bin/python benchmarks/page_bench.py [--database URL] [--reuse] [--only REGEX] [--repeat 5]

Builds, in a database of its own (BENCH_DATABASE_URL or --database, default
postgres://postgres@127.0.0.1:5432/shopcrew_pagebench — dropped and recreated, so its name must contain
"bench"), the data set of benchmarks/rbac_bench.py: 5,000 stores, 10,000 staff, 250,000 role bindings
(its builder, without the guardian per-user rows that only the guardian comparison needs), plus
departments, positions, 500 group robots, 2,000 access requests, 500 exception grants and 50,000 audit
events, spread over the platforms and sites. Two people are measured:

- a super admin (the super admin role on all stores);
- a colleague with the store admin role on 1,000 stores, owning 50 more, with a few grants ending soon.

Each page is fetched in-process with Django's test client (server time only: no network, no
browser), once to warm up and then --repeat times; the table shows the median time, the size of the
response and its number of queries, each beside its goal (≤ 300 ms, ≤ 200 KB). A page the person may
not open (403) is shown as such and not counted. The script exits 1 when any page misses a goal.
With --reuse an existing bench database is measured again without rebuilding it.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.rbac_bench import DataSet, copy_rows, setup_django, sql, user  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shopcrew_pagebench"
TIME_GOAL_MS = 300
SIZE_GOAL_KB = 200
STORES, STAFF, PER_STAFF = 5000, 5000, 50  # 5,000 people + their 5,000 shadows = 10,000 staff
COLLEAGUE_STORES, COLLEAGUE_OWNS = 1000, 50
SITES = ["SG", "MY", "TH", "TW", "VN", "PH", "ID", "BR", "MX", "CO", "CL"]


# ---------------------------------------------------------------------------------------------- the data set


def recreate_database(url: str) -> None:
    import psycopg
    from dj_database_url import parse

    cfg = parse(url)
    name = cfg["NAME"]
    if "bench" not in name:
        sys.exit(f"refusing to drop database {name!r}: a benchmark database's name must contain 'bench'")
    conninfo = {"host": cfg["HOST"], "port": cfg["PORT"], "user": cfg["USER"], "password": cfg["PASSWORD"]}
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v}, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_ready(url: str) -> bool:
    """An earlier run's data set is there (its last step records the two people)."""
    import psycopg
    from dj_database_url import parse

    cfg = parse(url)
    conninfo = {"host": cfg["HOST"], "port": cfg["PORT"], "user": cfg["USER"], "password": cfg["PASSWORD"]}
    try:
        with psycopg.connect(**{k: v for k, v in conninfo.items() if v}, dbname=cfg["NAME"]) as conn:
            return conn.execute("SELECT to_regclass('bench_people') IS NOT NULL").fetchone()[0]
    except psycopg.OperationalError:
        return False


def build() -> None:
    from django.core.management import call_command

    from core import context
    from rbac import services
    from rbac.models import Role

    call_command("migrate", verbosity=0)
    data = DataSet(per_staff=PER_STAFF, per_user_rows=False)
    with context.bound(source="system", actor_display="benchmark"):
        (admin,) = data.staff(1, "admin")
        services.binding_bootstrap(staff=user(admin), role=Role.objects.get(key="super_admin"), reason="benchmark")
        data.roles()
        t0 = time.perf_counter()
        data.grow(stores=STORES, staff=STAFF)
        print(f"built {STORES} stores, {2 * STAFF} staff, {STAFF * PER_STAFF:,} bindings", flush=True)
        spread_stores()
        organisation(data)
        colleague = colleague_bindings(data)
        side_records(data, colleague)
        sql("CREATE TABLE bench_people (persona text PRIMARY KEY, staff_id bigint)")
        sql("INSERT INTO bench_people VALUES ('super admin', %s), ('colleague', %s)", [admin, colleague])
        print(f"data set ready in {time.perf_counter() - t0:.0f} s", flush=True)
    sql("VACUUM ANALYZE")


def spread_stores() -> None:
    """Stores over the Shopee sites (a tenth on Ozon Russia), with names as varied as a seller's."""
    sql(
        "UPDATE stores_store SET site = (%s::text[])[1 + id %% 11], name = 'Bench ' || (%s::text[])[1 + id %% 11] "
        "|| ' 店铺 ' || id, timezone = 'UTC'",
        [SITES, SITES],
    )
    sql("UPDATE stores_store SET platform = 'ozon', site = 'RU', name = 'Bench Ozon 店铺 ' || id WHERE id %% 10 = 0")


def organisation(data: DataSet) -> None:
    """Departments and positions, and everyone in one of them."""
    from staff.models import Department, Position

    departments = Department.objects.bulk_create(Department(name=f"部门 {i}") for i in range(12))
    Position.objects.bulk_create(
        Position(name=f"岗位 {i}", department=departments[i % len(departments)]) for i in range(24)
    )
    sql(
        "UPDATE staff_staff SET department_id = (SELECT min(id) FROM staff_department) + id %% 12, "
        "position_id = (SELECT min(id) FROM staff_position) + id %% 24, mobile = '138' || lpad(id::text, 8, '0')"
    )


def colleague_bindings(data: DataSet) -> int:
    """The colleague: store admin on 1,000 stores (30 of them ending within the week), owner of 50 more."""
    from django.utils import timezone

    from rbac.models import Role

    (colleague,) = data.staff(1, "colleague")
    store_admin = Role.objects.get(key="store_admin").pk
    stores = data.rng.sample(data.store_ids, COLLEAGUE_STORES + COLLEAGUE_OWNS)
    now, soon = timezone.now(), timezone.now() + timezone.timedelta(days=3)
    rows = [
        (colleague, store_admin, store, "bench", now, "", False, soon if i < 30 else None)
        for i, store in enumerate(stores[:COLLEAGUE_STORES])
    ]
    copy_rows(
        "rbac_rolebinding",
        ["staff_id", "role_id", "store_id", "reason", "created_at", "revoke_reason", "expired", "expires_at"],
        rows,
    )
    sql("UPDATE stores_store SET primary_owner_id = %s WHERE id = ANY(%s)", [colleague, stores[COLLEAGUE_STORES:]])
    data.mirror([colleague])
    return colleague


def side_records(data: DataSet, colleague: int) -> None:
    """What the other pages list: robots, access requests, exception grants and audit events."""
    import uuid

    from django.contrib.auth.models import Permission
    from django.utils import timezone

    from audit.models import AuditEvent
    from notifications.models import Robot
    from rbac.models import AccessRequest, ExceptionGrant, Role

    rng, now = data.rng, timezone.now()
    stores, people = data.store_ids, data.staff_ids
    roles = list(Role.objects.filter(is_super_admin=False).values_list("pk", flat=True))
    perms = list(Permission.objects.filter(content_type__app_label="stores").values_list("pk", flat=True))
    Robot.objects.bulk_create(
        Robot(name=f"店铺{i}-客服部-新订单", webhook_key=f"bench-key-{i}", store_id=stores[i * 9]) for i in range(500)
    )
    statuses = ["pending", "pending", "approved", "rejected", "cancelled"]
    AccessRequest.objects.bulk_create(
        AccessRequest(
            status=statuses[i % len(statuses)],
            requested_by_id=colleague if i % 20 == 0 else rng.choice(people),
            staff_id=rng.choice(people),
            role_id=rng.choice(roles),
            store_id=rng.choice(stores),
            reason="bench",
            expires_at=now + timezone.timedelta(days=7),
        )
        for i in range(2000)
    )
    pairs = {(rng.choice(people), rng.choice(stores), rng.choice(perms)) for _ in range(500)}
    ExceptionGrant.objects.bulk_create(
        ExceptionGrant(staff_id=s, store_id=st, permission_id=p, reason="bench") for s, st, p in pairs
    )
    actions = ["binding.grant", "binding.revoke", "store.update", "staff.update", "auth.login", "robot.update"]
    copy_rows(
        AuditEvent._meta.db_table,
        ["created_at", "actor_id", "actor_display", "source", "request_id", "user_agent", "store_id", "action"]
        + ["target_type", "target_id", "target_label", "reason", "prev_hash", "hash"],
        (
            (
                now - timezone.timedelta(minutes=i),
                actor,
                f"s{actor}",
                "web",
                "",
                "bench",
                rng.choice(stores),
                actions[i % len(actions)],
                "store",
                str(i),
                f"Bench 店铺 {i}",
                "bench",
                "",
                uuid.uuid4().hex,
            )
            for i in range(50_000)
            for actor in [rng.choice(people)]
        ),
    )


# ---------------------------------------------------------------------------------------------- the pages


@dataclass
class Ids:
    """Objects the detail and edit pages open: each within the colleague's reach."""

    store: int
    staff: int
    binding: int
    department: int
    position: int
    role: int
    request: int
    grant: int
    event: int
    robot: int


def pick_ids(colleague: int) -> Ids:
    from audit.models import AuditEvent
    from notifications.models import Robot
    from rbac.models import AccessRequest, ExceptionGrant, Role, RoleBinding
    from staff.models import Department, Position

    theirs = RoleBinding.objects.filter(staff_id=colleague).values("store_id")
    binding = RoleBinding.objects.filter(store_id__in=theirs).exclude(staff_id=colleague).order_by("pk").first()
    return Ids(
        store=binding.store_id,
        staff=binding.staff_id,
        binding=binding.pk,
        department=Department.objects.order_by("pk").first().pk,
        position=Position.objects.order_by("pk").first().pk,
        role=Role.objects.get(key="customer_service").pk,
        request=AccessRequest.objects.filter(store_id__in=theirs).order_by("pk").first().pk,
        grant=(ExceptionGrant.objects.filter(store_id__in=theirs).first() or ExceptionGrant.objects.first()).pk,
        event=AuditEvent.objects.filter(store_id__in=theirs).order_by("-pk").first().pk,
        robot=(Robot.objects.filter(store_id__in=theirs).first() or Robot.objects.first()).pk,
    )


def pages(ids: Ids) -> list[tuple[str, str]]:
    """(label, URL) of every page measured."""
    from django.urls import NoReverseMatch, reverse

    def u(name, *args, query=""):
        try:
            return reverse(name, args=args) + (f"?{query}" if query else "")
        except NoReverseMatch:
            return None  # that part of the console is not installed

    listed = [
        ("home", u("core:home")),
        ("我的职责 (my duties)", u("rbac:my_duties")),
        ("stores: list", u("stores:store_list")),
        ("stores: list, filtered by owner", u("stores:store_list", query=f"owner={ids.staff}&platform=shopee")),
        ("stores: duties table", u("stores:store_duties")),
        ("stores: new", u("stores:store_create")),
        ("stores: detail", u("stores:store_detail", ids.store)),
        ("stores: edit", u("stores:store_edit", ids.store)),
        ("stores: archive", u("stores:store_archive", ids.store)),
        ("staff: list", u("staff:staff_list")),
        ("staff: list, filtered by store", u("staff:staff_list", query=f"store={ids.store}")),
        ("staff: new", u("staff:staff_create")),
        ("staff: detail", u("staff:staff_detail", ids.staff)),
        ("staff: edit", u("staff:staff_edit", ids.staff)),
        ("departments: list", u("staff:department_list")),
        ("departments: detail", u("staff:department_detail", ids.department)),
        ("departments: edit", u("staff:department_edit", ids.department)),
        ("positions: list", u("staff:position_list")),
        ("positions: detail", u("staff:position_detail", ids.position)),
        ("positions: edit", u("staff:position_edit", ids.position)),
        ("roles: matrix", u("rbac:role_matrix")),
        ("roles: detail", u("rbac:role_detail", ids.role)),
        ("roles: edit", u("rbac:role_edit", ids.role)),
        ("positions: default roles", u("rbac:position_roles", ids.position)),
        ("assignment grid", u("rbac:grid")),
        ("grant a role", u("rbac:binding_grant")),
        ("revoke a binding", u("rbac:binding_revoke", ids.binding)),
        ("bulk grant by stores", u("rbac:binding_bulk_grant_stores")),
        ("bulk grant by staff", u("rbac:binding_bulk_grant_staff")),
        ("bulk revoke", u("rbac:binding_bulk_revoke")),
        ("exception grant", u("rbac:exception_grant")),
        ("exception revoke", u("rbac:exception_revoke", ids.grant)),
        ("offboard", u("rbac:staff_offboard", ids.staff)),
        ("why", u("rbac:why")),
        ("why, answered", u("rbac:why", query=f"staff={ids.staff}&permission=orders_view&store={ids.store}")),
        ("access requests", u("rbac:access_request_list")),
        ("access requests, all", u("rbac:access_request_list", query="status=")),
        ("ask for access", u("rbac:access_request_create")),
        ("access request detail", u("rbac:access_request_detail", ids.request)),
        ("audit log", u("audit:event_list")),
        ("audit log, filtered by store", u("audit:event_list", query=f"store={ids.store}")),
        ("audit event", u("audit:event_detail", ids.event)),
        ("robots: list", u("notifications:robot_list")),
        ("robots: new", u("notifications:robot_create")),
        ("robots: detail", u("notifications:robot_detail", ids.robot)),
        ("robots: edit", u("notifications:robot_edit", ids.robot)),
        ("Shopee apps", u("store_auth:shopeeapp_list")),
        ("API: staff", u("api:staff-list")),
        ("API: staff detail", u("api:staff-detail", ids.staff)),
        ("API: stores", u("api:store-list")),
        ("API: store detail", u("api:store-detail", ids.store)),
        ("API: departments", u("api:department-list")),
        ("API: positions", u("api:position-list")),
        ("API: roles", u("api:role-list")),
        ("API: bindings", u("api:binding-list")),
        ("API: access requests", u("api:access-request-list")),
        ("API: exception grants", u("api:exception-grant-list")),
        ("API: audit events", u("api:audit-event-list")),
        ("API: robots", u("api:robot-list")),
        ("API: my permissions", u("api:me-permissions")),
        ("lookup: stores", u("stores:store_lookup", query="q=店铺 1")),
        ("lookup: staff", u("staff:staff_lookup", query="q=s1")),
        ("lookup: departments", u("staff:department_lookup", query="q=部门")),
    ]
    return [(label, url) for label, url in listed if url]


# ---------------------------------------------------------------------------------------------- measuring


@dataclass
class Figure:
    persona: str
    label: str
    status: int
    ms: float = 0.0
    kb: float = 0.0
    queries: int = 0

    @property
    def measured(self) -> bool:
        return self.status == 200

    @property
    def ok(self) -> bool:
        return self.measured and self.ms <= TIME_GOAL_MS and self.kb <= SIZE_GOAL_KB


def measure(client, persona: str, label: str, url: str, repeat: int) -> Figure:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up (caches, the first compile of templates)
    if response.status_code != 200:
        return Figure(persona, label, response.status_code)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return Figure(persona, label, 200, statistics.median(times), len(body) / 1024, len(ctx.captured_queries))


def signed_in(pk: int):
    from django.conf import settings
    from django.test import Client

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    from core.testing import verified_login

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    verified_login(client, user(pk))
    return client


def report(figures: list[Figure]) -> int:
    width = max(len(f.label) for f in figures)
    head = (
        f"{'page':<{width}}  {'person':<11}  {'time ms':>8} {'(≤300)':<6}  {'size KB':>8} {'(≤200)':<6}  {'queries':>7}"
    )
    print("\n" + head + "\n" + "-" * len(head))
    for f in figures:
        if not f.measured:
            print(f"{f.label:<{width}}  {f.persona:<11}  {'— answered ' + str(f.status):>40}")
            continue
        t_mark = "ok" if f.ms <= TIME_GOAL_MS else "MISS"
        s_mark = "ok" if f.kb <= SIZE_GOAL_KB else "MISS"
        print(
            f"{f.label:<{width}}  {f.persona:<11}  {f.ms:>8.1f} {t_mark:<6}  {f.kb:>8.1f} {s_mark:<6}  {f.queries:>7}"
        )
    measured = [f for f in figures if f.measured]
    if not measured:
        print("no page answered 200")
        return 1
    missed = [f for f in measured if not f.ok]
    print(
        f"\n{len(measured)} page views measured, {len(missed)} missed a goal"
        + (": " + ", ".join(f"{f.label} ({f.persona})" for f in missed) if missed else "")
    )
    slowest = max(measured, key=lambda f: f.ms)
    largest = max(measured, key=lambda f: f.kb)
    print(
        f"slowest: {slowest.label} ({slowest.persona}) {slowest.ms:.0f} ms; largest: {largest.label} "
        f"({largest.persona}) {largest.kb:.0f} KB"
    )
    return 1 if missed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--reuse", action="store_true", help="measure an existing bench database again")
    parser.add_argument("--only", default="", help="measure only the pages whose label matches this regex")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    if not (args.reuse and database_ready(args.database)):
        recreate_database(args.database)
        setup_django(args.database)
        build()
    else:
        setup_django(args.database)
    people = dict(sql("SELECT persona, staff_id FROM bench_people"))
    ids = pick_ids(people["colleague"])
    only = re.compile(args.only) if args.only else None
    figures = []
    for persona in ("super admin", "colleague"):
        client = signed_in(people[persona])
        for label, url in pages(ids):
            if only and not only.search(label):
                continue
            figures.append(measure(client, persona, label, url, args.repeat))
            f = figures[-1]
            print(f"  {persona:<11} {label:<34} {f.status} {f.ms:7.1f} ms {f.kb:7.1f} KB {f.queries:3} q", flush=True)
    sys.exit(report(figures))


if __name__ == "__main__":
    main()
