"""Single grant and revoke forms, and the panels on the store, staff and home pages."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from audit.models import AuditEvent
from rbac.models import AccessRequest, RoleBinding
from tests.factories import RoleBindingFactory, RoleFactory, StaffFactory

pytestmark = pytest.mark.django_db

SELF_REFUSAL = "You cannot grant or revoke your own roles; ask another administrator."


@pytest.fixture
def read_only(db):
    return RoleFactory(name="只读", permissions=["orders_view", "products_view"])


@pytest.fixture
def newcomer(store_a):
    person = StaffFactory(name="新同事")
    RoleBindingFactory(staff=person, store=store_a, role=RoleFactory(permissions=["reports_view"]))
    return person


def nonfield_errors(response):
    match = re.search(r'<ul class="errorlist nonfield" role="alert">(.*?)</ul>', response.content.decode(), re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


class TestGrantForm:
    url = reverse("rbac:binding_grant")

    def test_prefilled_from_the_store_page_and_granted(self, as_user, admin_a, store_a, newcomer, read_only):
        client = as_user(admin_a)
        assert client.get(self.url, {"store": store_a.pk}).context["form"].initial == {"store": str(store_a.pk)}
        response = client.post(
            self.url,
            {
                "staff": newcomer.pk,
                "role": read_only.pk,
                "store": store_a.pk,
                "reason": "covers weekends",
                "next": store_a.get_absolute_url(),
            },
        )
        assert response.status_code == 302 and response["Location"] == store_a.get_absolute_url()
        binding = RoleBinding.objects.live().get(staff=newcomer, role=read_only, store=store_a)
        assert binding.granted_by == admin_a and binding.reason == "covers weekends"
        assert AuditEvent.objects.filter(action="binding.grant", target_id=str(binding.pk)).count() == 1

    def test_with_an_expiry(self, as_user, admin_a, store_a, newcomer, read_only):
        ends = (timezone.localtime() + timedelta(days=3)).replace(second=0, microsecond=0)
        as_user(admin_a).post(
            self.url,
            {
                "staff": newcomer.pk,
                "role": read_only.pk,
                "store": store_a.pk,
                "reason": "cover",
                "expires_at": ends.strftime("%Y-%m-%dT%H:%M"),
            },
        )
        assert RoleBinding.objects.get(staff=newcomer, role=read_only).expires_at == ends

    def test_an_expiry_in_the_past_is_a_field_error(self, as_user, admin_a, store_a, newcomer, read_only):
        response = as_user(admin_a).post(
            self.url,
            {
                "staff": newcomer.pk,
                "role": read_only.pk,
                "store": store_a.pk,
                "reason": "x",
                "expires_at": "2020-01-01T10:00",
            },
        )
        assert response.status_code == 400
        assert 'id="errors-expires_at"><li>The expiry must be in the future.</li>' in response.content.decode()

    def test_a_high_risk_role_opens_an_access_request(self, as_user, admin_a, store_a, newcomer, roles):
        response = as_user(admin_a).post(
            self.url,
            {"staff": newcomer.pk, "role": roles["customer_service"].pk, "store": store_a.pk, "reason": "help desk"},
        )
        req = AccessRequest.objects.get(staff=newcomer)
        assert response["Location"] == reverse("rbac:access_request_detail", args=[req.pk])
        assert not RoleBinding.objects.filter(staff=newcomer, role=roles["customer_service"]).exists()
        assert "waits for a second person's approval" in str(list(get_messages(response.wsgi_request))[0])

    def test_a_delegation_refusal_is_a_form_error(self, as_user, admin_a, store_a, read_only):
        response = as_user(admin_a).post(
            self.url, {"staff": admin_a.pk, "role": read_only.pk, "store": store_a.pk, "reason": "me"}
        )
        assert response.status_code == 400
        assert nonfield_errors(response) == [SELF_REFUSAL]
        assert not RoleBinding.objects.filter(staff=admin_a, role=read_only).exists()

    def test_the_refusal_is_in_the_users_language(self, as_user, admin_a, store_a, read_only):
        with translation.override("zh-hans"):
            expected = gettext(SELF_REFUSAL)
        response = as_user(admin_a, language="zh-hans").post(
            self.url, {"staff": admin_a.pk, "role": read_only.pk, "store": store_a.pk, "reason": "me"}
        )
        assert nonfield_errors(response) == [expected]

    def test_escalation_is_refused_with_the_missing_permissions(self, as_user, grant, store_a, newcomer, roles):
        limited = StaffFactory()
        grant(limited, RoleFactory(permissions=["users_view", "users_manage", "orders_view"]), store_a)
        response = as_user(limited).post(
            self.url, {"staff": newcomer.pk, "role": roles["listing_editor"].pk, "store": store_a.pk, "reason": "x"}
        )
        [error] = nonfield_errors(response)
        assert error.startswith("You cannot grant or revoke “上架编辑” in this store: you do not hold")
        assert "Change prices" in error

    def test_all_stores_only_for_super_admins(self, as_user, admin_a, sa, newcomer, read_only):
        response = as_user(admin_a).post(
            self.url, {"staff": newcomer.pk, "role": read_only.pk, "store": "", "reason": "x"}
        )
        assert response.status_code == 400 and 'id="errors-store"' in response.content.decode()
        assert 'name="all_stores"' not in as_user(admin_a).get(self.url).content.decode()
        # a super admin who leaves the store empty is asked for one: all stores is never the default
        response = as_user(sa).post(self.url, {"staff": newcomer.pk, "role": read_only.pk, "store": "", "reason": "x"})
        assert response.status_code == 400 and 'id="errors-store"' in response.content.decode()
        assert not RoleBinding.objects.filter(staff=newcomer, role=read_only).exists()
        as_user(sa).post(
            self.url, {"staff": newcomer.pk, "role": read_only.pk, "store": "", "all_stores": "on", "reason": "x"}
        )
        assert RoleBinding.objects.live().filter(staff=newcomer, role=read_only, store=None).exists()

    def test_the_form_never_opens_on_all_stores(self, as_user, sa):
        html = as_user(sa).get(self.url).content.decode()
        assert 'name="all_stores"' in html and 'name="all_stores" checked' not in html
        assert "全部店铺" not in html.split('name="store"', 1)[1].split("</select>", 1)[0]


class TestRevoke:
    def test_revoking_with_a_reason(self, as_user, admin_a, clerk_a):
        binding = clerk_a.role_bindings.get()
        response = as_user(admin_a).post(
            reverse("rbac:binding_revoke", args=[binding.pk]),
            {"reason": "moved to ads", "next": clerk_a.get_absolute_url()},
        )
        assert response.status_code == 302 and response["Location"] == clerk_a.get_absolute_url()
        binding.refresh_from_db()
        assert binding.revoked_by == admin_a and binding.revoke_reason == "moved to ads"
        assert AuditEvent.objects.filter(action="binding.revoke", target_id=str(binding.pk)).count() == 1

    def test_a_refusal_is_a_form_error(self, as_user, admin_a):
        binding = admin_a.role_bindings.get()
        response = as_user(admin_a).post(reverse("rbac:binding_revoke", args=[binding.pk]), {"reason": "x"})
        assert response.status_code == 400 and nonfield_errors(response) == [SELF_REFUSAL]
        assert RoleBinding.objects.live().filter(pk=binding.pk).exists()

    def test_an_unsafe_next_is_ignored(self, as_user, admin_a, clerk_a):
        binding = clerk_a.role_bindings.get()
        response = as_user(admin_a).post(
            reverse("rbac:binding_revoke", args=[binding.pk]), {"reason": "x", "next": "https://evil.example/"}
        )
        assert response["Location"] == clerk_a.get_absolute_url()


class TestPanels:
    def test_staff_page_lists_live_bindings_with_revoke_where_allowed(self, as_user, admin_a, clerk_a):
        client = as_user(admin_a)
        binding = clerk_a.role_bindings.get()
        html = client.get(clerk_a.get_absolute_url()).content.decode()
        assert 'id="staff-bindings"' in html and "客服/售后" in html
        assert reverse("rbac:binding_revoke", args=[binding.pk]) in html
        own = admin_a.role_bindings.get()
        html = client.get(admin_a.get_absolute_url()).content.decode()
        assert "店铺管理员" in html and reverse("rbac:binding_revoke", args=[own.pk]) not in html

    def test_staff_page_history_says_who_when_and_why(self, as_user, admin_a, clerk_a, sa):
        binding = clerk_a.role_bindings.get()
        as_user(admin_a).post(reverse("rbac:binding_revoke", args=[binding.pk]), {"reason": "moved to ads"})
        expired = RoleBindingFactory(
            staff=clerk_a,
            store=binding.store,
            role=RoleFactory(name="临时"),
            expires_at=timezone.now() - timedelta(hours=1),
        )
        html = as_user(sa).get(clerk_a.get_absolute_url()).content.decode()
        history = html[html.index('id="staff-history"') :]
        assert "moved to ads" in history and str(admin_a) in history
        assert "临时" in history and "expired" in history
        assert expired.role.name not in html[html.index('id="staff-bindings"') : html.index('id="staff-history"')]

    def test_staff_page_says_what_they_may_do(self, as_user, admin_a, clerk_a):
        html = as_user(admin_a).get(clerk_a.get_absolute_url()).content.decode()
        duties = html[html.index('id="staff-duties"') :]
        assert "Approve refunds" in duties and "Change prices" not in duties

    def test_store_page_shows_who_holds_which_role_and_the_owners(self, as_user, admin_a, clerk_a, store_a):
        html = as_user(admin_a).get(store_a.get_absolute_url()).content.decode()
        panel = html[html.index('id="store-roles"') :]
        for text in (
            "客服小王",
            "客服/售后",
            "店长阿甲",
            "店铺管理员",
            "总管理员",
            store_a.primary_owner.name,
            "Primary owner",
            "Backup owner",
        ):
            assert text in panel
        assert reverse("rbac:binding_revoke", args=[clerk_a.role_bindings.get().pk]) in panel

    def test_store_page_has_no_roles_panel_without_users_view(self, as_user, clerk_a, store_a):
        response = as_user(clerk_a).get(store_a.get_absolute_url())
        assert response.status_code == 200 and 'id="store-roles"' not in response.content.decode()

    def test_home_shows_requests_to_decide_and_grants_ending_soon(
        self, as_user, sa, admin_a, clerk_a, store_a, roles, newcomer
    ):
        from rbac import services

        services.binding_grant(
            actor=admin_a, staff=newcomer, role=roles["customer_service"], store=store_a, reason="help desk"
        )
        soon = RoleBindingFactory(
            staff=clerk_a, store=store_a, role=RoleFactory(name="短期"), expires_at=timezone.now() + timedelta(days=3)
        )
        html = as_user(sa).get(reverse("core:home")).content.decode()
        assert re.search(r'id="to-decide-count">1</span>', html) and "新同事" in html
        assert as_user(admin_a).get(reverse("core:home")).content.decode().count("短期") == 1
        clerk_home = as_user(clerk_a).get(reverse("core:home")).content.decode()
        assert "Your grants ending within 14 days" in clerk_home and soon.role.name in clerk_home
        assert 'id="to-decide-count"' not in clerk_home
