"""Deployment check of the audit log's settings (`manage.py check --deploy`).

- audit.E001: SHOPCREW_AUDIT_CHECKPOINT_KEYS is empty: no checkpoint can be signed or verified, so rows cut from
  the end of the log are caught only against the security robot's copy (`verify_audit_chain --checkpoint`).
- audit.E002: a key is shorter than 32 characters (too easy to guess for an HMAC key). Never prints a key.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

MIN_KEY_LENGTH = 32


@register(Tags.security, deploy=True)
def checkpoint_keys_check(app_configs=None, **kwargs) -> list[Error]:
    keys = [key for key in (getattr(settings, "SHOPCREW_AUDIT_CHECKPOINT_KEYS", None) or []) if key]
    hint = "Set it to a random value kept apart from the database's owner, e.g. python -c 'import secrets; "
    hint += "print(secrets.token_hex(32))'"
    if not keys:
        return [
            Error(
                "SHOPCREW_AUDIT_CHECKPOINT_KEYS is empty: audit log checkpoints cannot be signed or verified.",
                hint=hint,
                id="audit.E001",
            )
        ]
    return [
        Error(
            f"SHOPCREW_AUDIT_CHECKPOINT_KEYS: key number {position} (of {len(keys)}) is shorter than "
            f"{MIN_KEY_LENGTH} characters.",
            hint=hint,
            id="audit.E002",
        )
        for position, key in enumerate(keys, start=1)
        if len(key) < MIN_KEY_LENGTH
    ]
