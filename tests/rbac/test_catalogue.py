"""The permission catalogue and the seller's built-in roles (the seven of the brief and the auditor)."""

import pytest
from django.contrib.auth.models import Permission

from rbac.builtin_roles import BUILTIN_ROLES
from stores.catalogue import BY_CODENAME, HIGH_RISK, MODULES, PERMISSIONS

pytestmark = pytest.mark.django_db


def test_every_catalogue_entry_is_a_django_permission_on_store_with_label_and_meaning():
    stored = set(
        Permission.objects.filter(content_type__app_label="stores", content_type__model="store").values_list(
            "codename", flat=True
        )
    )
    assert set(BY_CODENAME) <= stored
    for perm in PERMISSIONS:
        assert perm.module in {m.key for m in MODULES}
        assert str(perm.label) and str(perm.meaning)


def test_high_risk_flags_cover_the_sellers_list():
    assert {
        "after_sales_approve_refund",
        "products_change_price",
        "inventory_adjust_stock",
        "ads_change_budget",
        "finance_export",
        "users_manage",
    } <= HIGH_RISK
    assert "orders_view" not in HIGH_RISK


def test_the_builtin_roles_are_seeded_as_documented(roles):
    assert set(roles) == set(BUILTIN_ROLES)
    for key, spec in BUILTIN_ROLES.items():
        role = roles[key]
        assert role.name == spec["name"] and role.builtin
        assert set(role.permissions.values_list("codename", flat=True)) == set(spec["permissions"])
    assert roles["super_admin"].is_super_admin
    assert [r.key for r in roles.values() if r.is_super_admin] == ["super_admin"]


def test_customer_service_handles_refunds_but_never_prices_or_stock(roles):
    codes = set(roles["customer_service"].permissions.values_list("codename", flat=True))
    assert {"orders_view", "after_sales_view", "after_sales_operate", "after_sales_approve_refund"} <= codes
    assert not codes & {"products_change_price", "inventory_adjust_stock", "inventory_operate", "products_operate"}


def test_listing_editor_never_touches_orders_or_stock(roles):
    codes = set(roles["listing_editor"].permissions.values_list("codename", flat=True))
    assert {"products_view", "products_operate", "products_change_price"} <= codes
    assert not any(c.startswith(("orders_", "inventory_")) for c in codes)
