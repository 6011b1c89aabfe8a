"""What every benchmark starts with: a database of its own, dropped and recreated, and Django set up on it."""

from __future__ import annotations

import logging
import os
import sys


def recreate_database(url: str) -> None:
    """Drop and create the benchmark's PostgreSQL database; refuses any name not ending in "bench"."""
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


def setup_django(url: str, *, migrate: bool = False) -> None:
    """Django on `url` with the test settings (warnings and below silenced); `migrate` brings the schema."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
    import django

    django.setup()
    logging.disable(logging.WARNING)
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
