"""Local console: embedded SQLite under var/ unless DATABASE_URL says otherwise."""

from .base import *  # noqa: F401,F403
from .base import SECRET_KEY, VAR_DIR, env_bool

VAR_DIR.mkdir(parents=True, exist_ok=True)
DEBUG = env_bool("DEBUG", True)
if not SECRET_KEY:
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        from django.core.management.utils import get_random_secret_key

        _key_file.write_text(get_random_secret_key())
    SECRET_KEY = _key_file.read_text().strip()
