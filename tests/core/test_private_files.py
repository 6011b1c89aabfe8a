"""The secrets the console keeps under var/ and the SQLite database are readable by their owner only.

config.settings.local is loaded for real in a child process (with the permissive umask 022 most machines have),
on an empty var/ directory, with neither SECRET_KEY, SHOPCREW_FERNET_KEYS nor DATABASE_URL in the environment:
what it makes is 0600 (var/ itself 0700), and what an older installation left world-readable is narrowed on the
next start, keeping its value.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from core.private_files import private_secret
from staff.demo import admin_password

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS probe (x integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
print(json.dumps({"secret_key": settings.SECRET_KEY, "fernet": settings.SHOPCREW_FERNET_KEYS,
                  "db": str(settings.DATABASES["default"]["NAME"])}))
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def load_local_settings(var: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "SHOPCREW_FERNET_KEYS", "DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", SHOPCREW_VAR_DIR=str(var))
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_local_settings_make_their_secrets_and_the_database_owner_only(tmp_path):
    var = tmp_path / "var"
    made = load_local_settings(var)

    assert mode(var) == 0o700
    for name in ("secret_key", "fernet_key", "shopcrew.sqlite3"):
        assert mode(var / name) == 0o600, name
    assert made["db"] == str(var / "shopcrew.sqlite3")
    assert (var / "secret_key").read_text().strip() == made["secret_key"]
    assert made["fernet"] == [(var / "fernet_key").read_text().strip()]
    assert not [p.name for p in var.iterdir() if mode(p) & 0o077], "a file under var/ readable by others"


def test_an_older_world_readable_installation_is_narrowed_and_keeps_its_secrets(tmp_path):
    var = tmp_path / "var"
    first = load_local_settings(var)
    for path in [var, *var.iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)

    again = load_local_settings(var)

    assert again["secret_key"] == first["secret_key"] and again["fernet"] == first["fernet"]
    for name in ("secret_key", "fernet_key", "shopcrew.sqlite3"):
        assert mode(var / name) == 0o600, name


def test_a_secret_file_is_never_readable_by_others_even_under_a_permissive_umask(tmp_path):
    old = os.umask(0o000)
    try:
        value = private_secret(tmp_path / "new" / "token", lambda: "s3cret")
    finally:
        os.umask(old)
    assert value == "s3cret" and mode(tmp_path / "new" / "token") == 0o600 and mode(tmp_path / "new") == 0o700
    assert private_secret(tmp_path / "new" / "token", lambda: "other") == "s3cret"  # made once


def test_the_demo_admin_password_file_is_owner_only(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("SHOPCREW_ADMIN_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path
    password = admin_password()
    assert (tmp_path / "admin_password").read_text().strip() == password
    assert mode(tmp_path / "admin_password") == 0o600


def test_bin_run_makes_everything_under_var_owner_only():
    """The umask comes before var/ is made; the keys are the settings' to make (above), not a shell redirect's."""
    script = (ROOT / "bin" / "run").read_text()
    assert script.index("umask 077") < script.index('mkdir -p "$VAR"')
    assert '> "$VAR/' not in script
