"""The Celery runtime's configuration (config/celery.py, "The Celery runtime" in config/settings/base.py):
JSON only, limits on every task, at-least-once delivery, the queues, the broker each environment gets.

Settings modules are loaded in a fresh interpreter where the environment matters (base.py reads it once), so
each case sees exactly the settings a process started that way would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, django
django.setup()
from django.conf import settings
from config.celery import app
c = app.conf
print(json.dumps({
    "broker": c.broker_url, "options": c.broker_transport_options, "limiter": settings.SHOPCREW_RATE_LIMITER,
    "beat": sorted(c.beat_schedule), "queues": [q.name for q in c.task_queues],
    "demo_tick": c.beat_schedule.get("sandbox-demo-tick"),
}))
"""


def settings_in(module: str, **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "SHOPCREW_", "DJANGO_SETTINGS"))}
    clean.update(DJANGO_SETTINGS_MODULE=module, SHOPCREW_VAR_DIR=env.pop("var", str(ROOT / "var")), **env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_json_only_limits_on_every_task_and_at_least_once():
    conf = app.conf
    assert conf.accept_content == ["json"]
    assert conf.result_accept_content == ["json"]
    assert conf.task_serializer == conf.result_serializer == "json"
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.worker_cancel_long_running_tasks_on_connection_loss is True
    assert conf.broker_connection_retry_on_startup is True


def test_every_registered_task_of_ours_has_soft_and_hard_limits():
    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert "sandbox.tasks.demo_tick" in ours
    for name, task in ours.items():
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft and hard and soft < hard, name


def test_the_redis_visibility_timeout_outlasts_the_hard_limit_and_the_retries():
    from core.tasks import AuditedTask

    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    longest_retry = AuditedTask.retry_backoff * 2 ** (AuditedTask.max_retries - 1)
    assert timeout > app.conf.task_time_limit
    assert timeout > longest_retry + AuditedTask.time_limit


def test_the_tests_use_the_test_redis_as_broker():
    """config/settings/test.py overrides REDIS_URL after base.py computed the broker from it: the broker
    follows, so queued tasks never land in a running console's Redis database."""
    assert settings.REDIS_URL == os.environ.get("TEST_REDIS_URL", settings.REDIS_URL)
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL
    assert app.conf.broker_url == settings.REDIS_URL


def test_the_queues_are_declared_from_the_setting():
    assert [q.name for q in app.conf.task_queues] == list(settings.SHOPCREW_TASK_QUEUES)
    assert set(settings.SHOPCREW_TASK_QUEUES) == {"default", "intake", "polling", "delivery"}
    assert app.conf.task_default_queue == "default"


def test_redis_broker_by_default_with_the_redis_limiter():
    seen = settings_in("config.settings.local", REDIS_URL="redis://127.0.0.1:6379/9")
    assert seen["broker"] == "redis://127.0.0.1:6379/9"
    assert seen["options"] == {"visibility_timeout": 3600}
    assert seen["limiter"] == "redis"
    assert "sandbox-demo-tick" not in seen["beat"]  # demo mode off


def test_the_embedded_broker_shares_one_folder_under_var(tmp_path):
    seen = settings_in(
        "config.settings.local", CELERY_BROKER_URL="filesystem://", SHOPCREW_RATE_LIMITER="database", var=str(tmp_path)
    )
    folder = str(tmp_path / "celery-broker" / "queue")
    assert seen["broker"] == "filesystem://"
    assert seen["options"]["data_folder_in"] == seen["options"]["data_folder_out"] == folder
    assert seen["limiter"] == "database"
    # config.celery made the folders when the app was configured, in whichever process came first.
    assert (tmp_path / "celery-broker" / "queue").is_dir() and (tmp_path / "celery-broker" / "control").is_dir()


def test_an_unknown_limiter_stops_start_up():
    with pytest.raises(subprocess.CalledProcessError) as refused:
        settings_in("config.settings.local", SHOPCREW_RATE_LIMITER="memcached")
    assert 'SHOPCREW_RATE_LIMITER must be "redis" or "database"' in refused.value.stderr


def test_demo_mode_schedules_the_demo_tick():
    seen = settings_in(
        "config.settings.local", SHOPCREW_DEMO="1", SHOPCREW_SANDBOX_CONTROL_URL="http://127.0.0.1:1/sandbox/control"
    )
    assert seen["demo_tick"] == {
        "task": "sandbox.tasks.demo_tick",
        "schedule": 20.0,
        "options": {"expires": 20.0},
    }
    assert {"stores-refresh-shopee-tokens", "rbac-expire-due"} <= set(seen["beat"])
