"""Who may open which rbac page: sign-in first, then no right anywhere → 403, an object outside the
viewer's stores → 404."""

import pytest
from django.urls import reverse

from rbac import services
from rbac.models import AccessRequest
from tests.factories import PositionFactory, StaffFactory

pytestmark = pytest.mark.django_db

SELF_SERVICE = ["rbac:my_duties", "rbac:access_request_list", "rbac:access_request_create"]
USERS_VIEW = ["rbac:role_matrix", "rbac:grid", "rbac:why"]
USERS_MANAGE = [
    "rbac:binding_grant",
    "rbac:binding_bulk_grant_stores",
    "rbac:binding_bulk_grant_staff",
    "rbac:binding_bulk_revoke",
]
SUPER_ONLY = ["rbac:role_create"]


@pytest.mark.parametrize("name", SELF_SERVICE + USERS_VIEW + USERS_MANAGE + SUPER_ONLY)
def test_anonymous_people_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_every_signed_in_person_has_their_duties_and_requests(as_user, clerk_a):
    client = as_user(clerk_a)
    for name in SELF_SERVICE:
        assert client.get(reverse(name)).status_code == 200, name


def test_without_user_rights_the_admin_pages_are_forbidden(as_user, clerk_a, roles):
    client = as_user(clerk_a)
    for name in USERS_VIEW + USERS_MANAGE + SUPER_ONLY:
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("rbac:role_detail", args=[roles["customer_service"].pk])).status_code == 403


def test_a_store_admin_opens_the_admin_pages_but_not_role_editing(as_user, admin_a, roles):
    client = as_user(admin_a)
    for name in SELF_SERVICE + USERS_VIEW + USERS_MANAGE:
        assert client.get(reverse(name)).status_code == 200, name
    role = roles["customer_service"]
    assert client.get(reverse("rbac:role_detail", args=[role.pk])).status_code == 200
    for name in ("rbac:role_edit", "rbac:role_delete"):
        assert client.get(reverse(name, args=[role.pk])).status_code == 403, name
    assert client.get(reverse("rbac:role_create")).status_code == 403
    assert client.get(reverse("rbac:position_roles", args=[PositionFactory().pk])).status_code == 403


def test_a_super_admin_opens_everything(as_user, sa, roles):
    client = as_user(sa)
    for name in SELF_SERVICE + USERS_VIEW + USERS_MANAGE + SUPER_ONLY:
        assert client.get(reverse(name)).status_code == 200, name
    role = roles["listing_editor"]
    for name in ("rbac:role_detail", "rbac:role_edit", "rbac:role_delete"):
        assert client.get(reverse(name, args=[role.pk])).status_code == 200, name
    assert client.get(reverse("rbac:position_roles", args=[PositionFactory().pk])).status_code == 200
    assert client.get(reverse("rbac:role_detail", args=[999999])).status_code == 404


def test_a_binding_outside_the_viewers_stores_is_not_found(as_user, admin_a, admin_b, clerk_a, sa):
    binding = clerk_a.role_bindings.get()
    assert as_user(admin_b).get(reverse("rbac:binding_revoke", args=[binding.pk])).status_code == 404
    assert as_user(admin_a).get(reverse("rbac:binding_revoke", args=[binding.pk])).status_code == 200
    assert as_user(clerk_a).get(reverse("rbac:binding_revoke", args=[binding.pk])).status_code == 403
    all_store = services.binding_bootstrap(staff=StaffFactory(), role=sa.role_bindings.get().role, reason="x")
    assert as_user(admin_a).get(reverse("rbac:binding_revoke", args=[all_store.pk])).status_code == 404


def test_a_request_is_seen_by_its_store_admins_and_the_people_in_it_only(as_user, admin_a, admin_b, roles, store_a):
    person = StaffFactory(name="新人")
    req = services.access_request_create(
        actor=person, staff=person, store=None, role=roles["listing_editor"], reason="need it"
    )
    assert as_user(person).get(reverse("rbac:access_request_detail", args=[req.pk])).status_code == 200
    assert as_user(admin_a).get(reverse("rbac:access_request_detail", args=[req.pk])).status_code == 404
    on_a = services.binding_grant(
        actor=admin_a, staff=person, role=roles["customer_service"], store=store_a, reason="help desk"
    )
    assert isinstance(on_a, AccessRequest)
    assert as_user(admin_a).get(reverse("rbac:access_request_detail", args=[on_a.pk])).status_code == 200
    assert as_user(admin_b).get(reverse("rbac:access_request_detail", args=[on_a.pk])).status_code == 404
    outsider = StaffFactory()
    assert as_user(outsider).get(reverse("rbac:access_request_detail", args=[on_a.pk])).status_code == 404
    for name in ("rbac:access_request_approve", "rbac:access_request_reject", "rbac:access_request_cancel"):
        response = as_user(admin_b).post(reverse(name, args=[on_a.pk]), {"reason": "x"})
        assert response.status_code == 404, name


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_page_renders_in_both_languages(as_user, sa, admin_a, clerk_a, store_a, roles, language):
    person = StaffFactory()
    req = services.binding_grant(actor=admin_a, staff=person, role=roles["ads"], store=store_a, reason="ads")
    binding = clerk_a.role_bindings.get()
    client = as_user(sa, language=language)
    urls = [reverse(name) for name in SELF_SERVICE + USERS_VIEW + USERS_MANAGE + SUPER_ONLY] + [
        reverse("rbac:role_detail", args=[roles["ads"].pk]),
        reverse("rbac:role_edit", args=[roles["ads"].pk]),
        reverse("rbac:role_delete", args=[roles["ads"].pk]),
        reverse("rbac:position_roles", args=[PositionFactory().pk]),
        reverse("rbac:binding_revoke", args=[binding.pk]),
        reverse("rbac:access_request_detail", args=[req.pk]),
        reverse("rbac:why") + f"?staff={clerk_a.pk}&permission=orders_view&store={store_a.pk}",
        reverse("core:home"),
        store_a.get_absolute_url(),
        clerk_a.get_absolute_url(),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{language}">' in response.content.decode()
