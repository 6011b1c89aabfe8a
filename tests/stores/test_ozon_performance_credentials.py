"""An Ozon store's Performance API keys (ads): encrypted at rest, masked on pages and absent from the API, audited
as "changed" only, checked by fetching a token from the simulator (real HTTP on loopback)."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from sandbox.ozon_performance import account_secret
from stores.credentials import ozon_performance_credentials_save
from stores.demo import performance_keys
from stores.models import OzonPerformanceCredential
from stores.performance import performance_health, performance_test, performance_verify_and_save
from tests.factories import StaffFactory, StoreFactory, SuperuserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("grant")]

CLIENT_ID = "12345678-1700000000000@advertising.performance.ozon.ru"
SECRET = "Zq8vPerformanceSecret0000aaaabbbbccccdddd"
NEW_SECRET = "Yx7uPerformanceSecret1111eeeeffff22223333"


def audit_text() -> str:
    return json.dumps(list(AuditEvent.objects.values("before", "after", "reason", "target_label")), ensure_ascii=False)


@pytest.fixture
def perf(simulator, settings):
    """A simulated seller's Performance keys, and the console pointed at the Performance simulator."""
    settings.OZON_PERFORMANCE_BASE_URL = f"{simulator.base_url}/ozon-performance"
    seller = simulator.control.create_seller(name="Ozon Performance keys seller")
    return {
        "client_id": f"{seller['client_id']}@advertising.performance.ozon.ru",
        "client_secret": account_secret(seller["client_id"], seller["api_key"]),
        "seller": seller,
    }


def test_keys_are_encrypted_at_rest_and_read_back(grant):
    store = StoreFactory(platform="ozon", site="RU")
    manager = grant(StaffFactory(), {"settings_manage"}, stores=[store])

    credential = ozon_performance_credentials_save(
        actor=manager, store=store, client_id=CLIENT_ID, client_secret=SECRET
    )

    assert OzonPerformanceCredential.objects.get(pk=credential.pk).client_secret == SECRET
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM stores_ozonperformancecredential WHERE id = %s", [credential.pk])
        assert SECRET not in cursor.fetchone()[0]
    assert credential.saved_by == manager


def test_changes_are_audited_without_secrets(grant):
    store = StoreFactory(platform="ozon", site="RU")
    manager = grant(StaffFactory(), {"settings_manage"}, stores=[store])
    ozon_performance_credentials_save(actor=manager, store=store, client_id=CLIENT_ID, client_secret=SECRET)
    first = AuditEvent.objects.get(action="store.credentials_change")
    assert first.before is None and first.store_id == store.pk
    assert first.after == {"performance_client_id": "changed", "performance_client_secret": "changed"}

    ozon_performance_credentials_save(actor=manager, store=store, client_id=CLIENT_ID, client_secret=NEW_SECRET)

    latest = AuditEvent.objects.filter(action="store.credentials_change").first()  # newest first
    assert latest.before == {"performance_client_secret": "set"}
    assert latest.after == {"performance_client_secret": "changed"}
    text = audit_text()
    assert SECRET not in text and NEW_SECRET not in text and CLIENT_ID not in text
    assert OzonPerformanceCredential.objects.count() == 1


def test_only_settings_managers_of_an_ozon_store_may_save(grant):
    store = StoreFactory(platform="ozon", site="RU")
    with pytest.raises(PermissionDenied):
        ozon_performance_credentials_save(actor=StaffFactory(), store=store, client_id=CLIENT_ID, client_secret=SECRET)
    shopee = StoreFactory(platform="shopee")
    with pytest.raises(ValidationError):
        ozon_performance_credentials_save(
            actor=SuperuserFactory(), store=shopee, client_id=CLIENT_ID, client_secret=SECRET
        )
    assert not OzonPerformanceCredential.objects.exists() and not AuditEvent.objects.exists()


def test_keys_are_checked_with_a_token_then_saved(perf, simulator):
    store = StoreFactory(platform="ozon", site="RU")
    before = len(simulator.control.requests(service="ozon_performance"))

    credential = performance_verify_and_save(
        actor=SuperuserFactory(), store=store, client_id=perf["client_id"], client_secret=perf["client_secret"]
    )

    calls = simulator.control.requests(service="ozon_performance")[before:]
    assert [c["path"] for c in calls] == ["/api/client/token"]
    assert perf["client_secret"] not in json.dumps(calls)  # the simulator's log masks it too
    assert credential.verified_at and credential.last_success_at
    assert performance_health(store=store).state == "healthy"


def test_refused_keys_are_not_saved_and_the_page_never_echoes_them(perf, login):
    store = StoreFactory(platform="ozon", site="RU")
    client = login(SuperuserFactory())
    url = reverse("store_auth:ozon_performance_keys", args=[store.pk])

    response = client.post(url, {"client_id": perf["client_id"], "client_secret": "wrong-secret-abcd"})

    page = response.content.decode()
    assert response.status_code == 200 and "invalid_client" in page and "wrong-secret-abcd" not in page
    assert not OzonPerformanceCredential.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="store.").exists()
    bad_id = client.post(url, {"client_id": "12345", "client_secret": perf["client_secret"]})
    assert bad_id.status_code == 200 and not OzonPerformanceCredential.objects.exists()


def test_the_form_saves_then_pages_show_the_mask_only(perf, login):
    store = StoreFactory(platform="ozon", site="RU")
    client = login(SuperuserFactory())
    url = reverse("store_auth:ozon_performance_keys", args=[store.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"client_id": perf["client_id"], "client_secret": perf["client_secret"]})

    assert response.status_code == 302 and response["Location"] == store.get_absolute_url()
    secret = perf["client_secret"]
    for page in (client.get(url), client.get(store.get_absolute_url())):
        text = page.content.decode()
        assert secret not in text and "••••" + secret[-4:] in text
    detail = client.get(store.get_absolute_url()).content.decode()
    assert perf["client_id"] in detail and reverse("store_auth:ozon_performance_test", args=[store.pk]) in detail
    api = client.get(reverse("api:store-detail", args=[store.pk]))
    assert api.status_code == 200 and secret not in api.content.decode()
    assert secret[-4:] not in json.dumps(api.json())
    event = AuditEvent.objects.get(action="store.credentials_change")
    assert secret not in audit_text() and event.after["performance_client_secret"] == "changed"


def test_the_form_is_for_ozon_stores_only(login):
    client = login(SuperuserFactory())
    shopee = StoreFactory(platform="shopee")
    assert client.get(reverse("store_auth:ozon_performance_keys", args=[shopee.pk])).status_code == 404


def test_the_test_fetches_a_token_and_records_the_outcome(perf, simulator, login):
    store = StoreFactory(platform="ozon", site="RU")
    admin = SuperuserFactory()
    OzonPerformanceCredential.objects.create(
        store=store, client_id=perf["client_id"], client_secret=perf["client_secret"]
    )
    assert performance_test(actor=admin, store=store) is True
    assert performance_health(store=store).state == "healthy"

    OzonPerformanceCredential.objects.filter(store=store).update(client_secret="now-refused-1234")
    client = login(admin)
    response = client.post(reverse("store_auth:ozon_performance_test", args=[store.pk]))

    assert response.status_code == 302
    health = performance_health(store=store)
    assert health.state == "error" and "invalid_client" in health.credential.last_error
    assert "now-refused-1234" not in health.credential.last_error
    events = AuditEvent.objects.filter(action="store.connection_test")
    assert [e.after["ok"] for e in events] == [False, True]  # newest first


def test_demo_keys_are_the_ones_the_simulator_derives():
    client_id, secret = performance_keys(4242, "demo-api-key")
    assert client_id == "4242@advertising.performance.ozon.ru"
    assert secret == account_secret(4242, "demo-api-key")
