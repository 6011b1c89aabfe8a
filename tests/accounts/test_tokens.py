"""API tokens: hashed, several per person, limited to stores and to reading, expiring, revocable, audited."""

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.testing import stale_second_factor, totp_code, verified_login
from staff.models import ApiToken
from tests.factories import StaffFactory, StoreFactory, SuperuserFactory, api_token

from .helpers import actions

pytestmark = pytest.mark.django_db
STORES_API = "/api/v1/stores/"


def says(response, *words) -> bool:
    """The API's error names the reason (in the caller's language: either wording)."""
    detail = str(response.json()).lower()
    return any(word.lower() in detail for word in words)


def call(client, method, url, secret, **kwargs):
    return getattr(client, method)(url, HTTP_AUTHORIZATION=f"Token {secret}", content_type="application/json", **kwargs)


def test_a_token_is_shown_once_and_only_its_digest_is_kept(client):
    admin = SuperuserFactory()
    verified_login(client, admin)
    response = client.post(reverse("accounts:token_issue"), {"name": "订单同步脚本", "days": "30"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    secret = response.context["key"]
    token = ApiToken.objects.get(user=admin)
    assert token.name == "订单同步脚本" and token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and len(secret) > 40
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    with connection.cursor() as cursor:  # the secret is in no column of the table
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        assert not any(secret in str(value) for row in cursor.fetchall() for value in row)
    event = AuditEvent.objects.get(action="auth.token_issue")
    assert secret not in str(event.after) and event.after["prefix"] == token.prefix
    listing = client.get(reverse("accounts:token_list"))
    assert token.prefix.encode() in listing.content and secret.encode() not in listing.content

    assert call(client.__class__(), "get", "/api/v1/audit-events/", secret).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_ip == "127.0.0.1"


def test_several_tokens_and_a_maximum_lifetime(client, settings):
    settings.SHOPCREW_API_TOKEN_MAX_DAYS = 60
    admin = SuperuserFactory()
    verified_login(client, admin)
    too_long = client.post(reverse("accounts:token_issue"), {"name": "a", "days": "61"})
    assert too_long.status_code == 200 and too_long.context["form"].errors["days"]
    for name in ("a", "b"):
        assert client.post(reverse("accounts:token_issue"), {"name": name, "days": "60"}).status_code == 200
    assert ApiToken.objects.filter(user=admin, revoked_at__isnull=True).count() == 2


def test_a_store_limited_read_only_token_cannot_write_nor_see_another_store(client, grant, roles):
    a, b = StoreFactory(name="A店"), StoreFactory(name="B店")
    person = StaffFactory()
    grant(person, roles["store_admin"], a)
    grant(person, roles["store_admin"], b)
    reader = api_token(person, stores=[a], read_only=True)
    api = client.__class__()

    listed = call(api, "get", STORES_API, reader)
    assert listed.status_code == 200 and [row["id"] for row in listed.json()["results"]] == [a.pk]
    assert call(api, "get", f"{STORES_API}{b.pk}/", reader).status_code == 404
    refused = call(api, "patch", f"{STORES_API}{a.pk}/", reader, data={"name": "改名"})
    assert refused.status_code == 403 and says(refused, "read-only", "只读")
    a.refresh_from_db()
    assert a.name == "A店"

    writer = api_token(person, stores=[a])  # the store limit binds writes too
    assert call(api, "patch", f"{STORES_API}{b.pk}/", writer, data={"name": "改名"}).status_code == 404
    assert call(api, "patch", f"{STORES_API}{a.pk}/", writer, data={"name": "A店新名"}).status_code == 200


def test_a_super_admins_token_limited_to_one_store_sees_only_that_store(client):
    a, _b = StoreFactory(), StoreFactory()
    admin = SuperuserFactory()
    secret = api_token(admin, stores=[a])
    listed = call(client, "get", STORES_API, secret)
    assert [row["id"] for row in listed.json()["results"]] == [a.pk]


def test_a_store_limit_is_checked_with_no_query_per_row(client, django_assert_max_num_queries, grant, roles):
    stores = [StoreFactory() for _ in range(12)]
    person = StaffFactory()
    for store in stores:
        grant(person, roles["store_admin"], store)
    secret = api_token(person, stores=stores[:10])
    call(client, "get", STORES_API, secret)  # the first use is noted (one write)
    with django_assert_max_num_queries(12):
        listed = call(client, "get", STORES_API, secret)
    assert len(listed.json()["results"]) == 10


def test_an_expired_token_is_refused_and_audited_once(client):
    person = StaffFactory()
    secret = api_token(person)
    ApiToken.objects.filter(user=person).update(expires_at=timezone.now() - timedelta(seconds=1))
    for _ in range(2):
        response = call(client, "get", "/api/v1/departments/", secret)
        assert response.status_code in (401, 403) and says(response, "expired", "过期")
    assert actions(action="auth.token_expired") == ["auth.token_expired"]
    assert AuditEvent.objects.get(action="auth.token_expired").actor_id == person.pk


def test_a_revoked_or_unknown_token_is_refused(client):
    person = StaffFactory()
    secret = api_token(person)
    token = ApiToken.objects.get(user=person)
    from staff.token_services import api_token_revoke

    assert api_token_revoke(actor=person, token=token)
    for refused in (call(client, "get", "/api/v1/departments/", key) for key in (secret, "sct_nothing")):
        assert refused.status_code in (401, 403) and says(refused, "revoked", "吊销")


def test_use_from_a_new_address_is_audited(client):
    person = StaffFactory()
    secret = api_token(person)
    call(client, "get", "/api/v1/departments/", secret, REMOTE_ADDR="198.51.100.7")
    call(client, "get", "/api/v1/departments/", secret, REMOTE_ADDR="198.51.100.7")
    assert not AuditEvent.objects.filter(action="auth.token_new_address").exists()
    call(client, "get", "/api/v1/departments/", secret, REMOTE_ADDR="203.0.113.9")
    event = AuditEvent.objects.get(action="auth.token_new_address")
    assert event.after["ip"] == "203.0.113.9" and event.actor_id == person.pk
    token = ApiToken.objects.get(user=person)
    assert token.last_used_ip == "203.0.113.9"


def test_owners_revoke_their_own_and_super_admins_anyones(client):
    owner, stranger, admin = StaffFactory(), StaffFactory(), SuperuserFactory()
    api_token(owner, name="mine")
    token = ApiToken.objects.get(user=owner)
    verified_login(client, stranger)
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404

    verified_login(client, admin)
    page = client.get(reverse("accounts:token_company_list"))
    assert page.status_code == 200 and token.prefix.encode() in page.content
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]), {"back": "company"})
    assert response.status_code == 302 and response.url == reverse("accounts:token_company_list")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.get(action="auth.token_revoke").actor_id == admin.pk

    verified_login(client, stranger)
    assert client.get(reverse("accounts:token_company_list")).status_code == 403


# ---- step-up ------------------------------------------------------------------------------------------------
def wrong(device) -> str:
    return f"{(int(totp_code(device)) + 500000) % 1000000:06d}"


def test_step_up_re_posts_the_typed_fields_and_then_issues(client):
    admin = SuperuserFactory()
    device = verified_login(client, admin)
    stale_second_factor(client)
    typed = {"name": "备份脚本", "days": "30", "read_only": "on"}

    asked = client.post(reverse("accounts:token_issue"), typed)
    assert asked.status_code == 200 and asked.templates[0].name == "accounts/step_up.html"
    assert set(asked.context["fields"]) == {("name", "备份脚本"), ("days", "30"), ("read_only", "on")}
    assert asked.context["action"] == reverse("accounts:token_issue")
    assert not ApiToken.objects.exists()

    refused = client.post(reverse("accounts:token_issue"), {**typed, "_step_up_code": wrong(device)})
    assert refused.status_code == 400 and set(refused.context["fields"]) == set(asked.context["fields"])
    failed = AuditEvent.objects.get(action="auth.2fa_failed")
    assert failed.after["purpose"] == "step_up"
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # counted by django-otp's throttling
    type(device).objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)

    issued = client.post(reverse("accounts:token_issue"), {**typed, "_step_up_code": totp_code(device)})
    assert issued.status_code == 200 and issued.context["key"]
    token = ApiToken.objects.get(user=admin)
    assert (token.name, token.read_only) == ("备份脚本", True)
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    # now fresh: the next issue goes straight through
    assert client.post(reverse("accounts:token_issue"), {"name": "又一个", "days": "5"}).context["key"]


def test_step_up_on_a_download_returns_to_it(client):
    admin = SuperuserFactory()
    device = verified_login(client, admin)
    stale_second_factor(client)
    export = reverse("audit:event_export") + "?action=auth.2fa_verify"
    asked = client.get(export)
    assert asked.status_code == 200 and asked.context["fields"] == [("next", export)]
    assert asked.context["action"] == reverse("accounts:step_up")
    back = client.post(reverse("accounts:step_up"), {"next": export, "_step_up_code": totp_code(device)})
    assert back.status_code == 302 and back.url == export
    assert client.get(export)["Content-Type"].startswith("text/csv")


def test_someone_without_an_authenticator_enrols_first(client):
    from core.testing import password_login

    person = StaffFactory()
    password_login(client, person)
    response = client.post(
        reverse("accounts:token_issue"), {"name": "x", "days": "1"}, HTTP_REFERER="http://testserver/accounts/"
    )
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:otp_setup"))
    assert not ApiToken.objects.exists()


# ---- the API's step-up scope --------------------------------------------------------------------------------
NEW_KEY = "693a91f6-7999-4bc4-97a0-0ec2sifa5bbb"


def test_replacing_a_robot_key_through_the_api_needs_the_step_up_scope(client, login):
    from tests.factories import RobotFactory

    admin = SuperuserFactory()
    robot = RobotFactory()
    url = f"/api/v1/robots/{robot.pk}/"
    plain, scoped = api_token(admin), api_token(admin, step_up=True)
    api = client.__class__()

    refused = call(api, "patch", url, plain, data={"webhook_key": NEW_KEY})
    assert refused.status_code == 403 and says(refused, "step-up scope", "高风险操作授权")
    renamed = call(api, "patch", url, plain, data={"name": "店铺1-客服部-售后"})
    assert renamed.status_code == 200, renamed.content
    assert call(api, "patch", url, scoped, data={"webhook_key": NEW_KEY}).status_code == 200

    login(admin)  # a browser session: a fresh second factor instead of the scope
    assert client.patch(url, {"webhook_key": NEW_KEY}, content_type="application/json").status_code == 200
    stale_second_factor(client)
    assert client.patch(url, {"webhook_key": NEW_KEY}, content_type="application/json").status_code == 403


def test_setting_a_password_through_the_api_needs_the_step_up_scope(client):
    admin, person = SuperuserFactory(), StaffFactory()
    url = f"/api/v1/staff/{person.pk}/"
    plain, scoped = api_token(admin), api_token(admin, step_up=True)
    refused = call(client, "patch", url, plain, data={"password": "a-new-Passw0rd-42"})
    assert refused.status_code == 403 and says(refused, "step-up scope", "高风险操作授权")
    assert call(client, "patch", url, plain, data={"name": "新名字"}).status_code == 200
    assert call(client, "patch", url, scoped, data={"password": "a-new-Passw0rd-42"}).status_code == 200
    person.refresh_from_db()
    assert person.check_password("a-new-Passw0rd-42")


def test_token_lists_take_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    admin = SuperuserFactory()
    stores = [StoreFactory() for _ in range(3)]
    for n in range(30):  # the admin's limited to 0-2 stores, the others' (who work nowhere) unlimited
        api_token(StaffFactory(), name=f"t{n}") if n % 2 else api_token(admin, name=f"t{n}", stores=stores[: n % 3])
    verified_login(client, admin)
    for name in ("accounts:token_list", "accounts:token_company_list"):
        with django_assert_max_num_queries(14):
            page = client.get(reverse(name))
        assert page.status_code == 200
    assert len(page.context["object_list"]) == 30  # the company list; the admin's own list had 15


def test_a_store_limit_survives_reloading_the_permissions():
    from core.permissions import forget_permissions, limit_to_stores, permissions_of

    a, b = StoreFactory(), StoreFactory()
    admin = SuperuserFactory()
    limit_to_stores(admin, [a.pk])
    forget_permissions(admin)  # as a service does after changing someone's rights mid-request
    perms = permissions_of(admin)
    assert not perms.super_admin and perms.stores_with("settings_manage") == frozenset({a.pk})
    assert admin.has_perm("stores.settings_manage", a) and not admin.has_perm("stores.settings_manage", b)


def test_an_administrators_token_works_only_from_the_administrator_networks(client):
    from security.models import SecurityPolicy

    SecurityPolicy.objects.update_or_create(pk=1, defaults={"admin_networks": "198.51.100.0/24"})
    admin, clerk = SuperuserFactory(), StaffFactory()
    admin_secret, clerk_secret = api_token(admin), api_token(clerk)
    inside = call(client, "get", STORES_API, admin_secret, REMOTE_ADDR="198.51.100.7")
    outside = call(client, "get", STORES_API, admin_secret, REMOTE_ADDR="203.0.113.9")
    assert inside.status_code == 200
    assert outside.status_code in (401, 403) and says(outside, "networks", "网络")
    # the networks bind administrators only: an ordinary colleague's token works from anywhere
    ordinary = call(client, "get", STORES_API, clerk_secret, REMOTE_ADDR="203.0.113.9")
    assert ordinary.status_code != 401 and not says(ordinary, "networks", "网络")
