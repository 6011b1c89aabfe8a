"""Secrets at rest: encrypted columns, masking, key rotation."""

import io

import pytest
from cryptography.fernet import Fernet
from django import forms
from django.core import serializers
from django.core.management import call_command
from django.db import connection

from core.crypto import DecryptionError, SecretText, mask
from stores.models import ShopeeApp
from tests.factories import ShopeeAppFactory

PARTNER_KEY = "shpk4f6d7a2b9c1e0f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f"


def raw_partner_key(app) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT partner_key FROM stores_shopeeapp WHERE id = %s", [app.pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_column_holds_ciphertext_and_the_model_the_plain_value():
    app = ShopeeAppFactory(partner_key=PARTNER_KEY)

    stored = raw_partner_key(app)
    assert PARTNER_KEY not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token
    assert ShopeeApp.objects.get(pk=app.pk).partner_key == PARTNER_KEY


@pytest.mark.django_db
def test_the_same_secret_encrypts_differently_each_time():
    first = ShopeeAppFactory(partner_key=PARTNER_KEY)
    second = ShopeeAppFactory(partner_key=PARTNER_KEY)
    assert raw_partner_key(first) != raw_partner_key(second)


@pytest.mark.django_db
def test_a_loaded_secret_does_not_show_in_repr():
    app = ShopeeApp.objects.get(pk=ShopeeAppFactory(partner_key=PARTNER_KEY).pk)
    assert isinstance(app.partner_key, SecretText)
    assert PARTNER_KEY not in repr(app.partner_key)
    assert PARTNER_KEY not in repr(vars(app))
    assert f"{app.partner_key}" == PARTNER_KEY  # still usable as the plain string


def test_mask_shows_only_the_last_four_characters():
    assert mask("693a91f6-7abc-4bc4-97a0-0ec2sifa5aaa") == "••••5aaa"
    assert mask("short") == "••••"
    assert mask("") == ""
    assert mask(None) == ""


@pytest.mark.django_db
def test_forms_never_render_the_saved_secret():
    app = ShopeeAppFactory(partner_key=PARTNER_KEY)
    form_class = forms.modelform_factory(ShopeeApp, fields=["name", "partner_key"])
    html = str(form_class(instance=ShopeeApp.objects.get(pk=app.pk)))
    assert PARTNER_KEY not in html
    assert 'type="password"' in html


@pytest.mark.django_db
def test_serialization_never_exports_secrets():
    ShopeeAppFactory(partner_key=PARTNER_KEY)
    dumped = serializers.serialize("json", ShopeeApp.objects.all())
    assert PARTNER_KEY not in dumped


@pytest.mark.django_db
def test_a_value_under_an_unknown_key_fails_without_revealing_anything(settings):
    app = ShopeeAppFactory(partner_key=PARTNER_KEY)
    settings.SHOPCREW_FERNET_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionError) as excinfo:
        ShopeeApp.objects.get(pk=app.pk)
    assert PARTNER_KEY not in str(excinfo.value)
    assert raw_partner_key(app) not in str(excinfo.value)


@pytest.mark.django_db
def test_rotation_reencrypts_with_the_newest_key_so_the_old_key_can_go(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SHOPCREW_FERNET_KEYS = [old_key]
    apps = [ShopeeAppFactory(partner_key=f"{PARTNER_KEY}{i}") for i in range(3)]

    # A new key goes first; everything still reads while the data is under the old key.
    settings.SHOPCREW_FERNET_KEYS = [new_key, old_key]
    assert ShopeeApp.objects.get(pk=apps[0].pk).partner_key == f"{PARTNER_KEY}0"
    dry = io.StringIO()
    call_command("rotate_secrets", "--dry-run", stdout=dry)
    assert "3 secret(s) would be re-encrypted" in dry.getvalue()

    out = io.StringIO()
    call_command("rotate_secrets", stdout=out)
    assert "3 secret(s) re-encrypted" in out.getvalue()
    assert PARTNER_KEY not in out.getvalue()
    for app in apps:
        Fernet(new_key.encode()).decrypt(raw_partner_key(app).encode())  # raises if not under the new key

    # The old key can now be dropped; a second run finds nothing to do.
    settings.SHOPCREW_FERNET_KEYS = [new_key]
    assert [a.partner_key for a in ShopeeApp.objects.order_by("pk")] == [f"{PARTNER_KEY}{i}" for i in range(3)]
    again = io.StringIO()
    call_command("rotate_secrets", stdout=again)
    assert "0 secret(s) re-encrypted" in again.getvalue()


@pytest.mark.django_db
def test_new_values_are_written_under_the_newest_key(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SHOPCREW_FERNET_KEYS = [new_key, old_key]
    app = ShopeeAppFactory(partner_key=PARTNER_KEY)
    assert Fernet(new_key.encode()).decrypt(raw_partner_key(app).encode()).decode() == PARTNER_KEY
