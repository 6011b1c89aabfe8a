"""Saving platform credentials: encrypted, masked, audited as "changed" only, by the right people."""

import json
import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from audit.models import AuditEvent
from notifications.clients.wecom import WeComRobot
from notifications.services import robot_create, robot_record_result
from stores import authorization
from stores.clients.errors import PlatformError
from stores.credentials import (
    connection_record,
    masked,
    ozon_credentials_save,
    sanitize_error,
    shopee_app_save,
)
from stores.models import OzonCredential, ShopeeApp, ShopeeCredential
from tests.factories import OzonCredentialFactory, ShopeeAppFactory, StaffFactory, StoreFactory, SuperuserFactory
from tests.stores.connection_support import authorize_through_views

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("grant")]

API_KEY = "7d1e0c4a-93b2-4f6e-8a15-2c9b7e4d0f31"
NEW_API_KEY = "c0ffee00-1234-4abc-9def-0123456789ab"
PARTNER_KEY = "shpk6a6b6c6d6e6f70717273747576777879707a7b7c7d7e7f8081828384858687"


def audit_text() -> str:
    return json.dumps(list(AuditEvent.objects.values("before", "after", "reason", "target_label")), ensure_ascii=False)


def test_saved_keys_are_encrypted_and_read_back(grant):
    store = StoreFactory(platform="ozon", site="RU")
    manager = grant(StaffFactory(), {"settings_manage"}, stores=[store])

    credential = ozon_credentials_save(actor=manager, store=store, client_id=123456, api_key=API_KEY)

    assert OzonCredential.objects.get(pk=credential.pk).api_key == API_KEY
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key FROM stores_ozoncredential WHERE id = %s", [credential.pk])
        assert API_KEY not in cursor.fetchone()[0]
    assert credential.saved_by == manager


def test_the_first_save_is_audited_with_changed_only(grant):
    store = StoreFactory(platform="ozon", site="RU")
    manager = grant(StaffFactory(), {"settings_manage"}, stores=[store])

    ozon_credentials_save(actor=manager, store=store, client_id=123456, api_key=API_KEY)

    event = AuditEvent.objects.get(action="store.credentials_change")
    assert event.store_id == store.pk
    assert event.actor_id is None or event.actor_id == manager.pk
    assert event.before is None
    assert event.after == {"client_id": "changed", "api_key": "changed"}
    assert API_KEY not in audit_text() and "123456" not in audit_text()


def test_replacing_the_key_names_only_the_changed_field(grant):
    store = StoreFactory(platform="ozon", site="RU")
    manager = grant(StaffFactory(), {"settings_manage"}, stores=[store])
    ozon_credentials_save(actor=manager, store=store, client_id=123456, api_key=API_KEY)

    ozon_credentials_save(actor=manager, store=store, client_id=123456, api_key=NEW_API_KEY)

    event = AuditEvent.objects.filter(action="store.credentials_change").first()  # newest first
    assert event.before == {"api_key": "set"}
    assert event.after == {"api_key": "changed"}
    assert OzonCredential.objects.get(store=store).api_key == NEW_API_KEY
    text = audit_text()
    assert API_KEY not in text and NEW_API_KEY not in text
    assert OzonCredential.objects.count() == 1


def test_only_settings_managers_of_the_store_may_save_keys(grant):
    store, other = StoreFactory(platform="ozon", site="RU"), StoreFactory(platform="ozon", site="RU")
    viewer = grant(StaffFactory(), {"settings_view", "orders_view"}, stores=[store])
    outsider = grant(StaffFactory(), {"settings_manage"}, stores=[other])

    for actor in (viewer, outsider):
        with pytest.raises(PermissionDenied):
            ozon_credentials_save(actor=actor, store=store, client_id=1, api_key=API_KEY)
    assert not OzonCredential.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_shopee_store_takes_no_ozon_keys():
    store = StoreFactory(platform="shopee")
    with pytest.raises(ValidationError):
        ozon_credentials_save(actor=SuperuserFactory(), store=store, client_id=1, api_key=API_KEY)


def test_shopee_apps_are_managed_by_super_admins_and_keep_their_key_when_left_empty(grant):
    store = StoreFactory()
    manager = grant(StaffFactory(), {"settings_manage"}, stores=[store])
    with pytest.raises(PermissionDenied):
        shopee_app_save(actor=manager, name="App", partner_id=2001887, partner_key=PARTNER_KEY)

    admin = SuperuserFactory()
    app = shopee_app_save(actor=admin, name="App", partner_id=2001887, partner_key=PARTNER_KEY)
    app = shopee_app_save(actor=admin, app=app, name="Main app", partner_id=2001887, partner_key="")

    assert ShopeeApp.objects.get(pk=app.pk).partner_key == PARTNER_KEY
    created, renamed = AuditEvent.objects.filter(action="store.credentials_change").order_by("id")
    assert created.after["partner_key"] == "changed"
    assert renamed.before == {"name": "App"} and renamed.after == {"name": "Main app"}
    assert PARTNER_KEY not in audit_text()


def test_a_new_shopee_app_needs_its_partner_key():
    with pytest.raises(ValidationError):
        shopee_app_save(actor=SuperuserFactory(), name="App", partner_id=1, partner_key="")


def test_masked_display_shows_the_last_four_characters():
    assert masked(API_KEY) == "••••0f31"
    assert masked("") == ""


def test_stored_errors_never_hold_secrets():
    credential = OzonCredentialFactory(api_key=API_KEY)
    connection_record(
        credential=credential,
        ok=False,
        error=f"Invalid Api-Key {API_KEY}, request Api-Key: {API_KEY} access_token=abc123def456",
    )
    credential.refresh_from_db()
    assert API_KEY not in credential.last_error
    assert "abc123def456" not in credential.last_error
    assert "Invalid Api-Key" in credential.last_error
    assert credential.last_call_failed

    connection_record(credential=credential, ok=True)
    credential.refresh_from_db()
    assert not credential.last_call_failed


def test_sanitize_error_removes_known_values_and_secret_parameters():
    text = sanitize_error(f"refresh failed for {PARTNER_KEY}: sign=abcdef0123 code=zzz", secrets=(PARTNER_KEY,))
    assert PARTNER_KEY not in text
    assert "abcdef0123" not in text and "zzz" not in text


def test_super_admins_manage_shopee_apps_through_pages_that_never_show_the_key(login):
    client = login(SuperuserFactory())
    response = client.post(
        reverse("store_auth:shopeeapp_create"),
        {
            "name": "主应用",
            "partner_id": 2001887,
            "partner_key": PARTNER_KEY,
            "environment": "sandbox",
            "note": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    app = ShopeeApp.objects.get(partner_id=2001887)
    assert app.partner_key == PARTNER_KEY

    edit_url = reverse("store_auth:shopeeapp_edit", args=[app.pk])
    page = client.get(edit_url).content.decode()
    assert PARTNER_KEY not in page and "••••" + PARTNER_KEY[-4:] in page
    assert PARTNER_KEY not in client.get(reverse("store_auth:shopeeapp_list")).content.decode()

    response = client.post(
        edit_url,
        {
            "name": "主应用",
            "partner_id": 2001887,
            "partner_key": "",
            "environment": "production",
            "note": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.partner_key == PARTNER_KEY and app.environment == "production"


def test_a_new_shopee_app_page_requires_the_key(login):
    client = login(SuperuserFactory())
    response = client.post(
        reverse("store_auth:shopeeapp_create"),
        {"name": "App", "partner_id": 1, "partner_key": "", "environment": "sandbox", "is_active": "on"},
    )
    assert response.status_code == 200
    assert not ShopeeApp.objects.exists()


def test_shopee_app_pages_are_for_super_admins_only(login, grant):
    manager = grant(StaffFactory(), {"settings_manage", "users_manage"}, stores=[StoreFactory()])
    client = login(manager)
    app = ShopeeAppFactory()
    for url in (
        reverse("store_auth:shopeeapp_list"),
        reverse("store_auth:shopeeapp_create"),
        reverse("store_auth:shopeeapp_edit", args=[app.pk]),
    ):
        assert client.get(url).status_code == 403


# --- The secrets rule: no secret in logs, exceptions, audit rows, pages or API answers --------------------

KNOWN = {
    "partner_key": "shpk5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7",
    "ozon_api_key": "5ec7e75e-0a1b-4c2d-8e3f-5ec7e75e0a1b",
    "ozon_wrong_key": "5ec7e75e-dead-4bad-8bad-5ec7e75edead",
    "robot_key": "5ec7e75e-7e57-4bc4-97a0-5ec7e75e7e57",
    "unknown_robot_key": "5ec7e75e-0000-4bc4-97a0-5ec7e75e0000",
}
LOGGERS = ("", "httpx", "httpcore", "stores", "notifications", "sandbox", "django", "django.request", "celery")


def test_no_secret_appears_in_logs_exceptions_audit_rows_pages_or_api_answers(simulator, settings, caplog, login):
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    settings.SHOPEE_BASE_URL, settings.OZON_BASE_URL = simulator.shopee_url, simulator.ozon_url
    settings.WECOM_BASE_URL = simulator.wecom_url
    control = simulator.control
    partner = control.create_partner(partner_key=KNOWN["partner_key"])
    shop = control.create_shop(partner_id=partner["partner_id"])
    seller = control.create_seller(api_key=KNOWN["ozon_api_key"])
    control.create_robot(key=KNOWN["robot_key"])
    secrets = dict(KNOWN)
    raised: list[BaseException] = []
    admin = SuperuserFactory()
    client = login(admin)

    # Shopee: authorize through the pages, refresh, test the connection, fail a refresh.
    shopee_app = ShopeeAppFactory(partner_id=partner["partner_id"], partner_key=KNOWN["partner_key"])
    shopee_store = StoreFactory(platform="shopee", shop_id=str(shop["shop_id"]))
    authorize_through_views(client, shopee_store)
    credential = ShopeeCredential.objects.get(store=shopee_store)
    secrets.update(access_1=credential.access_token, refresh_1=credential.refresh_token)
    ShopeeCredential.objects.filter(pk=credential.pk).update(access_expires_at=credential.authorized_at)
    credential = authorization.shopee_refresh_tokens(store=shopee_store)
    secrets.update(access_2=credential.access_token, refresh_2=credential.refresh_token)
    client.post(reverse("store_auth:connection_test", args=[shopee_store.pk]))
    control.deauthorize(shop["shop_id"], partner_id=partner["partner_id"])
    client.post(reverse("store_auth:connection_test", args=[shopee_store.pk]))
    try:
        authorization.shopee_refresh_tokens(store=shopee_store, force=True)
    except PlatformError as exc:
        raised.append(exc)
    with authorization.shopee_client(shopee_app) as api:
        for call in (
            lambda: api.refresh_access_token(secrets["refresh_1"], shop["shop_id"]),
            lambda: api.get_token(secrets["access_1"], shop["shop_id"]),
            lambda: api.shop(shop_id=shop["shop_id"], access_token=secrets["access_2"]).verify(),
        ):
            try:
                call()
            except PlatformError as exc:
                raised.append(exc)

    # Ozon: a refused key, then the right one through the form, then a test.
    ozon_store = StoreFactory(platform="ozon", site="RU")
    keys_url = reverse("store_auth:ozon_keys", args=[ozon_store.pk])
    pages = [client.post(keys_url, {"client_id": seller["client_id"], "api_key": KNOWN["ozon_wrong_key"]})]
    client.post(keys_url, {"client_id": seller["client_id"], "api_key": KNOWN["ozon_api_key"]})
    client.post(reverse("store_auth:connection_test", args=[ozon_store.pk]))
    control.update_seller(seller["client_id"], active=False)
    client.post(reverse("store_auth:connection_test", args=[ozon_store.pk]))

    # WeCom: a robot that works and one whose key the platform does not know.
    robot = robot_create(actor=admin, name="测试店-客服部-新订单", webhook_key=KNOWN["robot_key"])
    lost = robot_create(actor=admin, name="测试店-客服部-售后", webhook_key=KNOWN["unknown_robot_key"])
    with WeComRobot.from_settings(key=robot.webhook_key) as sender:
        sender.send_text("新订单 1 笔")
    robot_record_result(robot=robot, ok=True)
    try:
        with WeComRobot.from_settings(key=lost.webhook_key) as sender:
            sender.send_text("新订单 1 笔")
    except PlatformError as exc:
        raised.append(exc)
        robot_record_result(robot=lost, ok=False, error=exc)
    assert len(raised) >= 4

    # What people and programs can read afterwards.
    request = RequestFactory().get("/")
    request.user = admin
    pages += [
        client.get(shopee_store.get_absolute_url()),
        client.get(ozon_store.get_absolute_url()),
        client.get(keys_url),
        client.get(reverse("store_auth:shopeeapp_list")),
        client.get(reverse("store_auth:shopeeapp_edit", args=[shopee_app.pk])),
    ]
    for name in ("audit:event_list", "api:store-list", "api:audit-event-list"):
        try:
            pages.append(client.get(reverse(name), {"page_size": 500}))
        except NoReverseMatch:
            pass
    pages.append(client.get(reverse("api:store-detail", args=[shopee_store.pk])))
    texts = {
        "logs": caplog.text + "\n".join(str(r.args) for r in caplog.records),
        "exceptions": "\n".join(f"{exc} {exc!r} {exc.args}" for exc in raised),
        "audit rows": audit_text(),
        "pages and API": "\n".join(p.content.decode() for p in pages)
        + render_to_string("stores/_connection.html", {"store": shopee_store}, request=request)
        + render_to_string("stores/_connection.html", {"store": ozon_store}, request=request),
        "stored errors": " ".join(str(v) for v in ShopeeCredential.objects.values_list("last_error", flat=True))
        + " ".join(OzonCredential.objects.values_list("last_error", flat=True))
        + " ".join(type(robot).objects.values_list("last_error", flat=True)),
    }
    assert all(p.status_code in (200, 302) for p in pages), [p.status_code for p in pages]
    assert (
        AuditEvent.objects.filter(
            action__in=["store.authorize", "store.credentials_change", "store.connection_test", "robot.create"]
        ).count()
        >= 6
    )
    # The search covers real material: HTTP calls were logged, the panels show the masked values.
    assert "/api/v2/auth/access_token/get" in texts["logs"] and "/cgi-bin/webhook/send" in texts["logs"]
    assert "••••" + KNOWN["ozon_api_key"][-4:] in texts["pages and API"]
    assert "Invalid Api-Key" in texts["pages and API"]
    leaks = [(where, name) for where, text in texts.items() for name, value in secrets.items() if value in text]
    assert leaks == []
