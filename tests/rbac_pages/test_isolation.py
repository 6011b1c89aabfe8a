"""A store admin of store A learns nothing of store B through any rbac page: not its name, its
people, its bindings, its requests, nor its platform and site among the filter choices."""

import pytest
from django.urls import reverse

from rbac import services
from rbac.models import RoleBinding
from tests.factories import RoleFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(admin_a, admin_b, clerk_a, store_a, store_b, roles, grant):
    """B has its own people, a binding that ended, a pending request; one person works in both stores."""
    secret = StaffFactory(name="乙店秘密员工")
    grant(secret, roles["ads"], store_b)
    ended = grant(StaffFactory(name="乙店离职员工"), roles["listing_editor"], store_b)
    services.binding_revoke(actor=admin_b, binding=ended, reason="乙店撤销原因")
    services.binding_grant(
        actor=admin_b, staff=secret, role=roles["finance_analyst"], store=store_b, reason="乙店申请理由"
    )
    both = StaffFactory(name="两店员工")
    grant(both, roles["customer_service"], store_a)
    grant(both, roles["inventory"], store_b, reason="乙店授权理由")
    ended_b = grant(both, RoleFactory(permissions=["orders_view"]), store_b)
    services.binding_revoke(actor=admin_b, binding=ended_b, reason="乙店历史原因")
    return {"secret": secret, "both": both}


SECRETS = [
    "乙店 Bravo",
    "店长乙乙",
    "乙店秘密员工",
    "乙店离职员工",
    "乙店撤销原因",
    "乙店申请理由",
    "乙店授权理由",
    "乙店历史原因",
    "998877",
    "Ozon",
]


def pages(world, store_a, clerk_a, roles):
    both = world["both"]
    return [
        (reverse("rbac:my_duties"), {}),
        (reverse("rbac:role_matrix"), {}),
        (reverse("rbac:role_detail", args=[roles["inventory"].pk]), {}),
        (reverse("rbac:role_detail", args=[roles["finance_analyst"].pk]), {}),
        (reverse("rbac:grid"), {}),
        (reverse("rbac:grid"), {"role": roles["inventory"].pk}),
        (reverse("rbac:why"), {}),
        (reverse("rbac:why"), {"staff": both.pk, "permission": "inventory_view", "store": store_a.pk}),
        (reverse("rbac:access_request_list"), {}),
        (reverse("rbac:access_request_create"), {}),
        (reverse("rbac:binding_grant"), {}),
        (reverse("rbac:binding_bulk_grant_stores"), {}),
        (reverse("rbac:binding_bulk_grant_staff"), {}),
        (reverse("rbac:binding_bulk_revoke"), {}),
        (reverse("core:home"), {}),
        (store_a.get_absolute_url(), {}),
        (clerk_a.get_absolute_url(), {}),
        (both.get_absolute_url(), {}),
    ]


def test_no_page_shows_anything_of_store_b(as_user, admin_a, world, store_a, clerk_a, roles):
    client = as_user(admin_a)
    for url, params in pages(world, store_a, clerk_a, roles):
        response = client.get(url, params)
        assert response.status_code == 200, url
        html = response.content.decode()
        leaked = [s for s in SECRETS if s in html]
        assert not leaked, (url, params, leaked)


def test_the_shared_persons_page_shows_only_store_a(as_user, admin_a, world, store_a):
    html = as_user(admin_a).get(world["both"].get_absolute_url()).content.decode()
    assert "客服/售后" in html and "采购/库存管理员" not in html


def test_nothing_of_store_b_can_be_reached_or_changed(as_user, admin_a, world, store_b, roles):
    client = as_user(admin_a)
    b_binding = RoleBinding.objects.live().get(staff=world["secret"], store=store_b)
    assert client.get(reverse("rbac:binding_revoke", args=[b_binding.pk])).status_code == 404
    assert client.post(reverse("rbac:binding_revoke", args=[b_binding.pk]), {"reason": "x"}).status_code == 404
    b_request = world["secret"].access_requests.get(status="pending")
    assert client.get(reverse("rbac:access_request_detail", args=[b_request.pk])).status_code == 404
    assert client.get(world["secret"].get_absolute_url()).status_code == 404
    for url, data in [
        (
            reverse("rbac:binding_grant"),
            {"staff": world["both"].pk, "role": roles["ads"].pk, "store": store_b.pk, "reason": "x"},
        ),
        (
            reverse("rbac:binding_bulk_grant_staff"),
            {"store": store_b.pk, "role": roles["ads"].pk, "staff": [world["both"].pk], "reason": "x"},
        ),
        (reverse("rbac:binding_bulk_revoke"), {"store": store_b.pk, "reason": "x", "step": "confirm"}),
        (reverse("rbac:binding_bulk_revoke"), {"staff": world["secret"].pk, "reason": "x"}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400, url
        assert not [s for s in SECRETS if s in response.content.decode()], url
    assert RoleBinding.objects.live().filter(store=store_b).count() == 3
