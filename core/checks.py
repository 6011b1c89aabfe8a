"""Deployment checks of ShopCrew's own settings (`manage.py check --deploy`).

- shopcrew.E001: a value in SHOPCREW_FERNET_KEYS is not a Fernet key (32 url-safe base64-encoded bytes); stored
  platform secrets and robot keys could not be encrypted or read with it. The message names the key's position,
  never its value.
- shopcrew.E002: SHOPCREW_FERNET_KEYS is empty.
- shopcrew.E003: demo mode (SHOPCREW_DEMO) is on: the platform simulators are mounted in the console.
"""

from __future__ import annotations

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register


def invalid_fernet_keys(keys) -> list[int]:
    """Positions (1-based, as listed) of the values that are not Fernet keys."""
    invalid = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode() if isinstance(key, str) else key)
        except (ValueError, TypeError):
            invalid.append(position)
    return invalid


@register(Tags.security, deploy=True)
def fernet_keys_check(app_configs=None, **kwargs) -> list[Error]:
    keys = [key for key in (getattr(settings, "SHOPCREW_FERNET_KEYS", None) or []) if key]
    if not keys:
        return [
            Error(
                "SHOPCREW_FERNET_KEYS is empty: stored platform secrets and robot keys cannot be encrypted.",
                hint="Set it to a key made with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'",
                id="shopcrew.E002",
            )
        ]
    return [
        Error(
            f"SHOPCREW_FERNET_KEYS: key number {position} (of {len(keys)}) is not a Fernet key "
            "(32 url-safe base64-encoded bytes).",
            hint="Keys are comma-separated, newest first; make one with Fernet.generate_key().",
            id="shopcrew.E001",
        )
        for position in invalid_fernet_keys(keys)
    ]


@register(Tags.security, deploy=True)
def demo_mode_check(app_configs=None, **kwargs) -> list[Error]:
    if not getattr(settings, "SHOPCREW_DEMO", False):
        return []
    return [
        Error(
            "SHOPCREW_DEMO is on: the platform simulators are mounted in the console under /sandbox/.",
            hint="Demo mode is for bin/run on one machine; unset SHOPCREW_DEMO for a deployment.",
            id="shopcrew.E003",
        )
    ]
