"""Deployment safety of the settings: production refuses demo mode; `check --deploy` flags a bad Fernet key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from core.checks import fernet_keys_check

ROOT = Path(__file__).resolve().parents[2]
GOOD = Fernet.generate_key().decode()


def start_production(**env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k != "SHOPCREW_DEMO"}
    base.update(DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY="x" * 60, SHOPCREW_FERNET_KEYS=GOOD)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_refuse_demo_mode_with_a_clear_message():
    refused = start_production(SHOPCREW_DEMO="1")
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr and "production settings refuse demo mode" in refused.stderr
    assert "Unset SHOPCREW_DEMO" in refused.stderr
    assert start_production(SHOPCREW_DEMO="0").stdout.strip() == "started"


@pytest.mark.parametrize(
    "bad", ["not-a-key", GOOD[:-4], "A" * 44, Fernet.generate_key().decode().replace("=", "") + "!"], ids=str
)
def test_check_deploy_flags_a_value_that_is_not_a_fernet_key_without_printing_it(settings, bad):
    settings.SHOPCREW_FERNET_KEYS = [GOOD, bad]
    with pytest.raises(SystemCheckError) as failed:
        call_command("check", deploy=True)
    message = str(failed.value)
    assert "shopcrew.E001" in message and "key number 2 (of 2)" in message
    assert bad not in message and GOOD not in message


def test_valid_keys_pass_and_no_key_at_all_is_flagged(settings):
    settings.SHOPCREW_FERNET_KEYS = [GOOD, Fernet.generate_key().decode()]
    assert fernet_keys_check() == []
    settings.SHOPCREW_FERNET_KEYS = []
    assert [e.id for e in fernet_keys_check()] == ["shopcrew.E002"]


def test_check_deploy_flags_demo_mode_and_plain_check_does_not(settings):
    settings.SHOPCREW_DEMO = True
    call_command("check")  # a demo on one machine is fine
    with pytest.raises(SystemCheckError, match="shopcrew.E003"):
        call_command("check", deploy=True)
