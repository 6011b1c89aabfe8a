"""The 权限矩阵 and role editing pages."""

import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core.permissions import forget_permissions
from rbac.models import PositionRole, Role
from rbac.permissions import load_permissions
from stores.catalogue import HIGH_RISK, PERMISSIONS
from tests.factories import PositionFactory, StaffFactory

pytestmark = pytest.mark.django_db


def matrix_row(html, role):
    """The codenames ticked in a role's row of the matrix."""
    row = re.search(rf'<tr id="role-{role.pk}">(.*?)</tr>', html, re.S).group(1)
    return set(re.findall(r'data-perm="([a-z_]+)"><span class="tick"', row))


class TestMatrix:
    def test_rows_are_roles_and_ticks_follow_their_permissions(self, as_user, admin_a, roles):
        html = as_user(admin_a).get(reverse("rbac:role_matrix")).content.decode()
        assert matrix_row(html, roles["customer_service"]) == {
            "orders_view",
            "orders_operate",
            "after_sales_view",
            "after_sales_operate",
            "after_sales_approve_refund",
            "shipping_view",
            "products_view",
        }
        assert matrix_row(html, roles["listing_editor"]) == {
            "products_view",
            "products_operate",
            "products_change_price",
        }
        assert matrix_row(html, roles["super_admin"]) == {p.codename for p in PERMISSIONS}

    def test_columns_are_grouped_by_module_and_high_risk_ones_are_flagged(self, as_user, admin_a):
        html = as_user(admin_a).get(reverse("rbac:role_matrix")).content.decode()
        assert '<th colspan="3" class="module">Inventory</th>' in html
        flagged = re.findall(r'<th class="action risk" title="[^"]*">([^<]+) <span class="risk-mark"', html)
        assert {label for label in flagged} == {str(p.label) for p in PERMISSIONS if p.codename in HIGH_RISK}

    def test_it_is_printable(self, as_user, admin_a):
        html = as_user(admin_a).get(reverse("rbac:role_matrix")).content.decode()
        assert 'class="printable"' in html and "window.print()" in html

    def test_holder_counts_only_for_super_admins(self, as_user, admin_a, sa):
        assert "Holders" not in as_user(admin_a).get(reverse("rbac:role_matrix")).content.decode()
        assert "Holders" in as_user(sa).get(reverse("rbac:role_matrix")).content.decode()


class TestRoleEditing:
    def test_the_form_lists_the_catalogue_with_meanings_and_risk_badges(self, as_user, sa, roles, admin_a):
        response = as_user(sa).get(reverse("rbac:role_edit", args=[roles["store_admin"].pk]))
        html = response.content.decode()
        for perm in PERMISSIONS:
            assert f'value="{perm.codename}" checked' in html
            assert str(perm.meaning).replace("'", "&#x27;") in html
        assert html.count('class="perm-choice risk"') == len(HIGH_RISK)
        assert re.search(r'id="holder-warning">\s*1 live binding \(1 people\)', html)

    def test_creating_a_role_through_the_page(self, as_user, sa):
        response = as_user(sa).post(
            reverse("rbac:role_create"),
            {
                "name": "仓库质检",
                "description": "Checks inbound stock",
                "permissions": ["inventory_view", "orders_view"],
            },
        )
        role = Role.objects.get(name="仓库质检")
        assert response.status_code == 302 and response["Location"] == reverse("rbac:role_detail", args=[role.pk])
        assert set(role.permissions.values_list("codename", flat=True)) == {"inventory_view", "orders_view"}
        assert AuditEvent.objects.filter(action="role.create", target_id=str(role.pk)).count() == 1

    def test_editing_changes_what_every_holder_may_do_at_once(
        self, as_user, sa, roles, clerk_a, store_a, django_capture_on_commit_callbacks
    ):
        role = roles["customer_service"]
        assert not load_permissions(clerk_a).has("reports_view", store_a.pk)
        codes = list(role.permissions.values_list("codename", flat=True)) + ["reports_view"]
        with django_capture_on_commit_callbacks(execute=True):
            response = as_user(sa).post(
                reverse("rbac:role_edit", args=[role.pk]),
                {"name": role.name, "description": role.description, "permissions": codes},
            )
        assert response.status_code == 302
        forget_permissions(clerk_a)
        assert load_permissions(clerk_a).has("reports_view", store_a.pk)
        assert AuditEvent.objects.filter(action="role.update", target_id=str(role.pk)).count() == 1

    def test_the_super_admin_role_keeps_every_permission(self, as_user, sa, roles):
        role = roles["super_admin"]
        client = as_user(sa)
        assert (
            "The super admin role always holds every permission."
            in client.get(reverse("rbac:role_edit", args=[role.pk])).content.decode()
        )
        response = client.post(
            reverse("rbac:role_edit", args=[role.pk]),
            {"name": role.name, "description": "Runs everything", "permissions": ["orders_view"]},
        )
        assert response.status_code == 302
        role.refresh_from_db()
        assert role.description == "Runs everything" and role.is_super_admin

    def test_a_duplicate_name_is_a_field_error(self, as_user, sa, roles):
        response = as_user(sa).post(reverse("rbac:role_create"), {"name": roles["ads"].name, "permissions": []})
        assert response.status_code == 400
        assert re.search(r'id="errors-name"><li>A role named .* already exists', response.content.decode())

    def test_deleting_a_role_in_use_is_refused_with_the_reason(self, as_user, sa, grant, store_a):
        role = Role.objects.create(name="临时角色")
        grant(StaffFactory(), role, store_a)
        response = as_user(sa).post(reverse("rbac:role_delete", args=[role.pk]), {"reason": "cleanup"})
        assert response.status_code == 400
        assert "is in use (1 live bindings, 0 pending requests)" in response.content.decode()
        assert Role.objects.filter(pk=role.pk).exists()

    def test_deleting_an_unused_role(self, as_user, sa):
        role = Role.objects.create(name="无人角色")
        response = as_user(sa).post(reverse("rbac:role_delete", args=[role.pk]), {"reason": "cleanup"})
        assert response.status_code == 302
        assert not Role.objects.filter(pk=role.pk).exists()
        assert AuditEvent.objects.filter(action="role.delete", target_id=str(role.pk)).count() == 1

    def test_position_default_roles(self, as_user, sa, roles):
        position = PositionFactory(name="客服-初级")
        client = as_user(sa)
        response = client.post(
            reverse("rbac:position_roles", args=[position.pk]), {"roles": [roles["customer_service"].pk]}
        )
        assert response.status_code == 302
        assert list(PositionRole.objects.filter(position=position).values_list("role_id", flat=True)) == [
            roles["customer_service"].pk
        ]
        assert AuditEvent.objects.filter(action="position.roles").count() == 1
        html = client.get(reverse("rbac:role_matrix")).content.decode()
        assert re.search(r"客服-初级</td>.*?<span class=\"badge\">客服/售后</span>", html, re.S)
