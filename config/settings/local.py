"""Local console: embedded SQLite under var/ unless DATABASE_URL says otherwise.

DEBUG is off unless asked for (SHOPCREW_DEBUG=1, or DEBUG=1): the console shows its own error pages, never
Django's debug pages with their list of every URL, and whitenoise serves the static files.

The secrets this console makes for itself (SECRET_KEY, the Fernet key for stored platform secrets, the audit
checkpoint key) when the environment gives none, and the SQLite database, are files under var/ that only their
owner may read (core.private_files: 0600, var/ itself 0700 when created here). On one machine whoever holds var/
holds the checkpoint key too: a deployment sets SHOPCREW_AUDIT_CHECKPOINT_KEYS apart from the database's owner.
"""

from pathlib import Path

from core.private_files import private_database, private_dir, private_secret

from .base import *  # noqa: F401,F403
from .base import (
    DATABASES,
    SECRET_KEY,
    SHOPCREW_AUDIT_CHECKPOINT_KEYS,
    SHOPCREW_FERNET_KEYS,
    SHOPCREW_SANDBOX_CONTROL_TOKEN,
    VAR_DIR,
    derived_secret,
    env_bool,
)

private_dir(VAR_DIR)
DEBUG = env_bool("SHOPCREW_DEBUG") or env_bool("DEBUG")
# whitenoise serves static files straight from the apps' and project's static folders (no collectstatic step).
WHITENOISE_USE_FINDERS = True


def _new_secret_key() -> str:
    from django.core.management.utils import get_random_secret_key

    return get_random_secret_key()


def _new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _new_checkpoint_key() -> str:
    import secrets

    return secrets.token_hex(32)


SECRET_KEY = SECRET_KEY or private_secret(VAR_DIR / "secret_key", _new_secret_key)
SHOPCREW_FERNET_KEYS = SHOPCREW_FERNET_KEYS or [private_secret(VAR_DIR / "fernet_key", _new_fernet_key)]
SHOPCREW_AUDIT_CHECKPOINT_KEYS = SHOPCREW_AUDIT_CHECKPOINT_KEYS or [
    private_secret(VAR_DIR / "audit_checkpoint_key", _new_checkpoint_key)
]
SHOPCREW_SANDBOX_CONTROL_TOKEN = SHOPCREW_SANDBOX_CONTROL_TOKEN or derived_secret(SECRET_KEY, "sandbox-control")
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and DATABASES["default"]["NAME"] not in ("", ":memory:"):
    private_database(Path(DATABASES["default"]["NAME"]))
