"""Local console: embedded SQLite under var/ unless DATABASE_URL says otherwise.

DEBUG is off unless asked for (SHOPCREW_DEBUG=1, or DEBUG=1): the console shows its own error pages, never
Django's debug pages with their list of every URL, and whitenoise serves the static files.
"""

from .base import *  # noqa: F401,F403
from .base import SECRET_KEY, VAR_DIR, env_bool

VAR_DIR.mkdir(parents=True, exist_ok=True)
DEBUG = env_bool("SHOPCREW_DEBUG") or env_bool("DEBUG")
# whitenoise serves static files straight from the apps' and project's static folders (no collectstatic step).
WHITENOISE_USE_FINDERS = True
if not SECRET_KEY:
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        from django.core.management.utils import get_random_secret_key

        _key_file.write_text(get_random_secret_key())
    SECRET_KEY = _key_file.read_text().strip()
