"""Secrets at rest: Fernet encryption with rotating keys, and a model field that uses it.

Keys come from settings.SHOPCREW_FERNET_KEYS, newest first. New values are always encrypted with
the newest key; every listed key still decrypts, so a new key can be put in front and the data
re-encrypted afterwards with `manage.py rotate_secrets`, then the old key dropped.

Decrypted values are `SecretText`: an ordinary str whose repr() is masked, so a secret that ends up
in a traceback, a debug print or a log of a model's fields shows as `SecretText('••••')`.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

MASK = "••••"


class SecretText(str):
    """A decrypted secret: behaves as str, but its repr never shows the value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"SecretText('{MASK}')"


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key (the message names no value)."""


def mask(value: str | None, *, visible: int = 4) -> str:
    """The masked form shown after saving: "••••" plus the last `visible` characters ("••••abcd").

    Short values (8 characters or fewer) show only the mask, so the tail never is most of the secret.
    """
    if not value:
        return ""
    value = str(value)
    if len(value) <= 2 * visible:
        return MASK
    return MASK + value[-visible:]


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "SHOPCREW_FERNET_KEYS holds a value that is not a Fernet key (32 url-safe base64-encoded bytes)."
        ) from exc


def fernet() -> MultiFernet:
    """The MultiFernet for the configured keys (newest first); cached per key list."""
    keys = tuple(k for k in (settings.SHOPCREW_FERNET_KEYS or []) if k)
    if not keys:
        raise ImproperlyConfigured("SHOPCREW_FERNET_KEYS is empty: set at least one Fernet key to store secrets.")
    return _fernet_for(keys)


def encrypt(plaintext: str) -> str:
    """Encrypt with the newest key; returns the Fernet token as text."""
    return fernet().encrypt(str(plaintext).encode()).decode()


def decrypt(token: str) -> SecretText:
    """Decrypt with whichever configured key made the token."""
    try:
        return SecretText(fernet().decrypt(token.encode()).decode())
    except InvalidToken:
        raise DecryptionError("A stored secret cannot be decrypted with any key in SHOPCREW_FERNET_KEYS.") from None


def needs_rotation(token: str) -> bool:
    """True when the newest key did not make this token (an older key did, or none)."""
    newest = fernet()._fernets[0]
    try:
        newest.decrypt(token.encode())
    except InvalidToken:
        return True
    return False


def rotate(token: str) -> str:
    """Re-encrypt a token with the newest key (MultiFernet.rotate)."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("A stored secret cannot be decrypted with any key in SHOPCREW_FERNET_KEYS.") from None


class SecretFormField(forms.CharField):
    """A form field for secrets: a password input that never renders the stored value back."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))
        kwargs.setdefault("strip", True)
        super().__init__(*args, **kwargs)


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token: encrypts on save, decrypts on load.

    Empty values are stored as "" (nothing to hide). Encryption is randomized, so the column cannot
    be searched or compared in SQL; look rows up by other fields. Form fields built from it never
    show the stored value.
    """

    description = "Encrypted text"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def to_python(self, value):
        if value is None or isinstance(value, SecretText):
            return value
        return SecretText(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", SecretFormField)
        kwargs.setdefault("widget", forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))
        return super().formfield(**kwargs)

    def value_to_string(self, obj):
        # Serialization (dumpdata, fixtures) never exports secrets; they are entered again after a load.
        return ""

    def get_lookup(self, lookup_name):
        # Only emptiness can be asked in SQL: a randomized ciphertext never equals another one.
        if lookup_name not in {"isnull", "exact"}:
            return None
        return super().get_lookup(lookup_name)


def encrypted_fields():
    """(model, [field names]) for every installed model with encrypted columns."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found
