#!/usr/bin/env python
"""Importing the 员工信息表 on PostgreSQL (issue 11, "Done when"): the time to check and to apply 5,000 rows.

    .venv/bin/python benchmarks/staff_import_bench.py [--rows 5000] [--stores 50]

In a database of its own (BENCH_DATABASE_URL, default postgres://…/shopcrew_import_bench — dropped and recreated, so
its name must end in "bench"): two super admins, `--stores` stores, ten positions and a plain role. A 员工信息表 of
`--rows` new colleagues (each on two stores with that role) is written as xlsx, checked (sop.spreadsheets: every
row, nothing written) and applied all or nothing (staff.services.staff_create per row, rbac's bulk grants per role ×
store set) as the worker does it. Prints the time of each step, the SQL statements, and what was made.
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

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shopcrew_import_bench"


class Counter:
    """Counts SQL statements (a connection execute wrapper: no log, no limit)."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def build(args):
    """Two super admins, the stores (owned by two other people), positions and a plain role."""
    from django.contrib.auth.models import Permission

    from rbac import services
    from rbac.models import Role
    from staff.models import Position, Staff
    from stores.models import Store

    admins = [Staff.objects.create_user(username=f"admin{i}", name=f"总管理员{i}", password="x") for i in (1, 2)]
    super_role = Role.objects.get(key="super_admin")
    for admin in admins:
        services.binding_bootstrap(staff=admin, role=super_role, reason="benchmark")
    owners = [Staff.objects.create_user(username=f"owner{i}", name=f"店主{i}") for i in range(2)]
    Store.objects.bulk_create(
        Store(
            platform="shopee",
            site="SG",
            shop_id=str(500000 + i),
            name=f"店铺{i:03d}",
            primary_owner=owners[0],
            backup_owner=owners[1],
        )
        for i in range(args.stores)
    )
    for i in range(10):
        Position.objects.create(name=f"岗位{i}")
    role = Role.objects.create(name="报表查看")
    role.permissions.set(Permission.objects.filter(codename="reports_view"))
    return admins[0]


def sheet(args) -> bytes:
    from sop.spreadsheets import formats, staff_sheet

    rows = []
    for i in range(args.rows):
        a, b = i % args.stores, (i + 1) % args.stores
        rows.append(
            [
                f"B{i:06d}",
                f"同事{i}",
                f"岗位{i % 10}",
                f"店铺{a:03d}、店铺{b:03d}",
                "报表查看",
                f"139{i:08d}",
                "2026-01-15",
                "",
                "在职",
                "",
                "",
            ]
        )
    return formats.write(rows, staff_sheet.COLUMNS, formats.XLSX)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()

    recreate_database(args.database)
    setup_django(args.database, migrate=True)
    from django.db import connection

    from core import context
    from rbac.models import RoleBinding
    from sop.models import ImportJob, ImportKind, ImportStatus
    from sop.spreadsheets import jobs
    from staff.models import Staff

    with context.bound(source="system", actor_display="benchmark"):
        actor = build(args)
        content = sheet(args)
        checking, applying = Counter(), Counter()
        with connection.execute_wrapper(checking):
            started = time.perf_counter()
            job = jobs.import_job_create(
                actor=actor, kind=ImportKind.STAFF, filename="员工信息表.xlsx", content=content
            )
            checked_s = time.perf_counter() - started
        assert job.status == ImportStatus.PREVIEW, job.errors[:3]
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.QUEUED)  # as import_job_apply hands it over
        with connection.execute_wrapper(applying):
            started = time.perf_counter()
            job = jobs.import_job_run(job_id=job.pk)  # what the worker runs: checks the file again, then applies
            applied_s = time.perf_counter() - started
    assert job.status == ImportStatus.DONE, job.errors[:3]
    made = Staff.objects.filter(employee_id__startswith="B").count()
    bound = RoleBinding.objects.live().filter(staff__employee_id__startswith="B").count()
    assert made == args.rows and bound == 2 * args.rows

    title = f"员工信息表, {args.rows:,} rows (xlsx, {len(content) // 1024} KB)"
    print()
    print(f"{title:<60} {'time':>10} {'SQL':>10}")
    print(f"{'check every row (upload → preview)':<60} {checked_s:>9.1f}s {checking.n:>10,}")
    print(f"{'apply all or nothing (check again + create + grant)':<60} {applied_s:>9.1f}s {applying.n:>10,}")
    print(f"{'total':<60} {checked_s + applied_s:>9.1f}s")
    print(f"made {made:,} colleagues and {bound:,} role bindings in one transaction")


if __name__ == "__main__":
    main()
