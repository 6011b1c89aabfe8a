"""A closed /admin/: read-only inspection for super admins that never shows a secret nor writes anything.

Secrets are planted where they live (an API token, a TOTP key, backup codes, a robot webhook key, a Shopee partner
key and shop tokens, an Ozon Api-Key, a password hash); then every changelist and every change page of every
model registered on the admin site is fetched as a super admin. The secret-holding models are registered on the
site for the test as a careless future admin.py would: the site keeps the credential models out and the secret
fields off the pages, whatever registers them. Add, change and delete are refused.
"""

from __future__ import annotations

import base64
import importlib

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.urls import NoReverseMatch, clear_url_caches, reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.admin_site import ClosedAdminSite, hidden
from stores.models import OzonCredential, ShopeeApp, ShopeeCredential
from tests.factories import (
    OzonCredentialFactory,
    RobotFactory,
    ShopeeAppFactory,
    StaffFactory,
    StoreFactory,
    SuperuserFactory,
)

TOTP_KEY = "3132333435363738393031323334353637383930"  # hex, as django-otp stores it
SECRETS = {
    "totp key": TOTP_KEY,
    "totp key (base32, as in the QR code)": base64.b32encode(bytes.fromhex(TOTP_KEY)).decode(),
    "backup code": "bk7q2m9x",
    "robot webhook key": "5f1d9c2e-aaaa-4bbb-8ccc-0123456789ab",
    "partner key": "shpk" + "6e" * 30,
    "access token": "4d6f72652053656372657420416363657373",
    "refresh token": "52656672657368205365637265742054",
    "ozon api key": "9a8b7c6d-1111-4222-8333-444455556666",
}


def secret_models():
    """Models holding secrets, which a future admin.py might register: the site must keep them harmless."""
    models = [TOTPDevice, StaticDevice, StaticToken, ShopeeApp, ShopeeCredential, OzonCredential]
    models.append(apps.get_model("notifications", "Robot"))
    models.append(apps.get_model("staff", "ApiToken"))
    if apps.is_installed("rest_framework.authtoken"):
        from rest_framework.authtoken.models import Token, TokenProxy

        models += [Token, TokenProxy]
    return models


@pytest.fixture
def registered_too():
    """The secret-holding models registered on admin.site as plain ModelAdmins, and the admin's URLs rebuilt."""
    added = [m for m in secret_models() if not admin.site.is_registered(m)]
    for model in added:
        admin.site.register(model)
    import config.urls

    importlib.reload(config.urls)
    clear_url_caches()
    yield
    for model in added:
        if admin.site.is_registered(model):
            admin.site.unregister(model)
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def planted(db):
    person = StaffFactory()
    TOTPDevice.objects.create(user=person, name="phone", key=TOTP_KEY, confirmed=True)
    backup = StaticDevice.objects.create(user=person, name="backup", confirmed=True)
    backup.token_set.create(token=SECRETS["backup code"])
    planted = dict(SECRETS)
    from staff.token_services import api_token_issue

    token, planted["api token"] = api_token_issue(user=person, name="脚本", second_factor_passed=True)
    planted["api token digest"] = token.digest
    if apps.is_installed("rest_framework.authtoken"):
        from rest_framework.authtoken.models import Token

        planted["legacy api token"] = Token.objects.create(user=person).key
    RobotFactory(webhook_key=SECRETS["robot webhook key"])
    app = ShopeeAppFactory(partner_key=SECRETS["partner key"])
    ShopeeCredential.objects.create(
        store=StoreFactory(platform="shopee"),
        app=app,
        access_token=SECRETS["access token"],
        refresh_token=SECRETS["refresh token"],
    )
    OzonCredentialFactory(api_key=SECRETS["ozon api key"])
    planted["password hash"] = person.password
    return planted


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def every_admin_page():
    for model in admin.site._registry:
        yield model, admin_url(model, "changelist")
        for obj in model._default_manager.all()[:20]:
            yield model, admin_url(model, "change", obj.pk)


@pytest.mark.django_db
def test_no_admin_page_shows_a_planted_secret(registered_too, planted, client, login):
    login(SuperuserFactory())
    pages = [(None, reverse("admin:index")), *every_admin_page()]
    shown = {model for model, _url in pages if model}
    assert {ShopeeApp, ShopeeCredential, OzonCredential} <= shown  # the walk really reached the secret holders
    for _model, url in pages:
        answer = client.get(url)
        assert answer.status_code == 200, url
        html = answer.content.decode()
        leaked = [name for name, value in planted.items() if value in html]
        assert not leaked, f"{url} shows the {leaked}"
        assert "qrcode" not in html.lower() and "config_url" not in html, url


@pytest.mark.django_db
def test_credential_models_are_never_registered_whatever_registers_them(registered_too):
    credentials = [
        m for m in secret_models() if m._meta.app_label.startswith("otp_") or m._meta.app_label == "authtoken"
    ]
    assert credentials and all(hidden(m) for m in credentials)
    for model in credentials:
        assert not admin.site.is_registered(model)
        with pytest.raises(NoReverseMatch):
            admin_url(model, "changelist")
    admin.site.unregister(TOTPDevice)  # unregistering a hidden model (as another admin.py might) is harmless


@pytest.mark.django_db
def test_every_admin_refuses_add_change_and_delete(registered_too, planted, client, login):
    login(SuperuserFactory())
    for model, model_admin in admin.site._registry.items():
        assert not model_admin.has_add_permission(None)
        assert client.get(admin_url(model, "add")).status_code == 403, model
        assert client.post(admin_url(model, "add"), {}).status_code == 403, model
        obj = model._default_manager.first()
        if obj is None:
            continue
        before = model._default_manager.filter(pk=obj.pk).values().get()
        assert client.post(admin_url(model, "change", obj.pk), {"name": "changed"}).status_code == 403, model
        assert client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403, model
        changelist = client.post(
            admin_url(model, "changelist"), {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
        )
        assert changelist.status_code in (200, 302, 403), model
        assert model._default_manager.filter(pk=obj.pk).values().get() == before, model


def test_a_secret_field_is_kept_off_whatever_admin_declares_it():
    site = ClosedAdminSite(name="probe")

    class Careless(admin.ModelAdmin):
        list_display = ["name", "webhook_key"]
        fields = ["name", "webhook_key"]
        search_fields = ["webhook_key"]

    robot = apps.get_model("notifications", "Robot")
    site.register(robot, Careless)
    request = RequestFactory().get("/")
    model_admin = site._registry[robot]
    assert model_admin.get_list_display(request) == ["name"]
    assert model_admin.get_fields(request) == ["name"] and model_admin.get_search_fields(request) == []
    assert "webhook_key" in model_admin.get_exclude(request)
    assert not model_admin.has_change_permission(request) and not model_admin.get_actions(request)


@pytest.mark.django_db
def test_only_super_admins_get_in_and_passwords_change_in_the_console(client, login):
    login(StaffFactory(is_staff=True))
    assert client.get(reverse("admin:index")).status_code == 403
    login(SuperuserFactory())
    assert client.get(reverse("admin:index")).status_code == 200
    moved = client.get(reverse("admin:password_change"))
    assert moved.status_code == 302 and moved["Location"] == reverse("accounts:security")
