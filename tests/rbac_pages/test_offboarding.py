"""The offboarding page (rbac:staff_offboard) and its button on the staff page: the preview lists exactly
what ends, the POST ends it (grid and guardian agree), refusals are form errors in the viewer's language,
and nothing of a store the viewer cannot see is named."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from guardian.shortcuts import get_users_with_perms

from audit.models import AuditEvent
from rbac import services
from rbac.models import AccessRequest, ExceptionGrant, RequestStatus, RoleBinding
from staff.choices import StaffStatus
from staff.models import Staff
from tests.factories import RoleFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


def url(person):
    return reverse("rbac:staff_offboard", args=[person.pk])


def nonfield_errors(response):
    match = re.search(r'<ul class="errorlist nonfield" role="alert">(.*?)</ul>', response.content.decode(), re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def actions_since(mark):
    return list(AuditEvent.objects.filter(pk__gt=mark).order_by("id").values_list("action", flat=True))


def last_event_id():
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def leaver(roles, grant, sa, store_a, store_b):
    """Someone with roles on A and B, an expired binding the sweep has not ended yet, an ended binding, a
    single permission on A, a request for them and one they made."""
    person = StaffFactory(name="离职员工小李")
    grant(person, roles["customer_service"], store_a)
    grant(person, roles["listing_editor"], store_b)
    lapsed = grant(
        person,
        RoleFactory(name="临时查看", permissions=["reports_view"]),
        store_a,
        expires_at=timezone.now() + timedelta(days=1),
    )
    RoleBinding.objects.filter(pk=lapsed.pk).update(expires_at=timezone.now() - timedelta(minutes=5))
    ended = grant(person, RoleFactory(name="已结束角色", permissions=["ads_view"]), store_a)
    services.binding_revoke(actor=sa, binding=ended, reason="no longer needed")
    services.exception_grant(actor=sa, staff=person, store=store_a, permission="finance_view", reason="audit")
    services.access_request_create(actor=sa, staff=person, store=store_b, role=roles["ads"], reason="campaign")
    services.access_request_create(
        actor=person, staff=person, store=store_a, role=roles["inventory"], reason="stock counts"
    )
    person.ended_binding = ended
    return person


class TestPreview:
    def test_lists_exactly_what_offboarding_ends(self, as_user, sa, leaver):
        client = as_user(sa)
        response = client.get(url(leaver))
        assert response.status_code == 200
        preview = response.context["preview"]
        unrevoked = set(RoleBinding.objects.filter(staff=leaver, revoked_at__isnull=True).values_list("pk", flat=True))
        grants = set(ExceptionGrant.objects.filter(staff=leaver, revoked_at__isnull=True).values_list("pk", flat=True))
        pending = set(AccessRequest.objects.filter(status=RequestStatus.PENDING).values_list("pk", flat=True))
        assert {b.pk for b in preview.bindings} == unrevoked and len(unrevoked) == 3
        assert leaver.ended_binding.pk not in unrevoked
        assert {g.pk for g in preview.exceptions} == grants and len(grants) == 1
        assert {r.pk for r in preview.requests} == pending and len(pending) == 2
        assert not preview.blocked and preview.hidden == 0
        html = response.content.decode()
        for text in ("客服/售后", "上架编辑", "临时查看", "finance_view", "甲店 Alpha", "乙店 Bravo"):
            assert text in html
        assert "已结束角色" not in html

        response = client.post(url(leaver), {"reason": "resigned"})
        assert response.status_code == 302
        assert (
            set(
                RoleBinding.objects.filter(staff=leaver, revoked_by=sa, revoke_reason="resigned").values_list(
                    "pk", flat=True
                )
            )
            == unrevoked
        )
        assert set(ExceptionGrant.objects.filter(staff=leaver, revoked_by=sa).values_list("pk", flat=True)) == grants
        assert set(AccessRequest.objects.filter(status=RequestStatus.CANCELLED).values_list("pk", flat=True)) == pending

    def test_rows_in_stores_the_viewer_cannot_see_are_only_counted(self, as_user, admin_a, leaver):
        response = as_user(admin_a).get(url(leaver))
        assert response.status_code == 200
        preview = response.context["preview"]
        assert {b.store.name for b in preview.bindings} == {"甲店 Alpha"}
        assert preview.hidden_bindings == 1 and preview.hidden_requests == 1
        html = response.content.decode()
        assert "乙店 Bravo" not in html and "上架编辑" not in html
        assert preview.blocked  # the role on B is not theirs to revoke
        assert "someone who manages users there must offboard this person" in html
        assert re.search(r'<button type="submit" class="btn danger"\s+disabled', html)

    def test_the_staff_page_has_the_button_only_for_those_who_may(self, as_user, admin_a, admin_b, clerk_a, sa):
        # the button leads to offboarding in one action (sop: the stores' new owners chosen on the same page)
        def button(person):
            return reverse("sop:staff_offboard", args=[person.pk])

        detail = reverse("staff:staff_detail", args=[clerk_a.pk])
        assert button(clerk_a) in as_user(admin_a).get(detail).content.decode()
        own = as_user(admin_a).get(reverse("staff:staff_detail", args=[admin_a.pk])).content.decode()
        assert button(admin_a) not in own
        services.staff_offboard(actor=sa, staff=clerk_a, reason="left")
        assert button(clerk_a) not in as_user(sa).get(detail).content.decode()


class TestOffboard:
    def test_revokes_every_live_binding_closes_the_account_and_audits(self, as_user, admin_a, clerk_a, store_a):
        binding = RoleBinding.objects.live().get(staff=clerk_a)
        assert clerk_a in get_users_with_perms(store_a, with_group_users=True)
        client = as_user(admin_a)
        before = client.get(reverse("rbac:grid")).context["grid"]
        assert any(row.staff.pk == clerk_a.pk and any(row.cells) for row in before.rows)
        mark = last_event_id()

        response = client.post(url(clerk_a), {"reason": "resigned"})

        assert response.status_code == 302 and response["Location"] == clerk_a.get_absolute_url()
        assert "has been offboarded" in str(list(get_messages(response.wsgi_request))[0])
        clerk_a.refresh_from_db()
        assert clerk_a.status == StaffStatus.OFFBOARDED and not clerk_a.is_active
        assert not RoleBinding.objects.live().filter(staff=clerk_a).exists()
        binding.refresh_from_db()
        assert binding.revoked_by == admin_a and binding.revoke_reason == "resigned"
        assert not clerk_a.groups.exists()
        assert clerk_a not in get_users_with_perms(store_a, with_group_users=True)
        assert actions_since(mark) == ["binding.revoke", "staff.offboard"]
        grid = client.get(reverse("rbac:grid")).context["grid"]
        assert clerk_a.pk not in {row.staff.pk for row in grid.rows}
        event = AuditEvent.objects.get(action="staff.offboard")
        assert event.target_id == str(clerk_a.pk) and event.reason == "resigned"
        assert event.after["bindings_revoked"] == 1

    def test_a_reason_is_required(self, as_user, admin_a, clerk_a):
        response = as_user(admin_a).post(url(clerk_a), {"reason": " "})
        assert response.status_code == 400 and "reason" in response.context["form"].errors
        clerk_a.refresh_from_db()
        assert clerk_a.is_active and RoleBinding.objects.live().filter(staff=clerk_a).exists()

    @pytest.mark.parametrize("language", ["en", "zh-hans"])
    def test_refused_while_they_own_stores_naming_only_the_stores_the_viewer_sees(
        self, as_user, admin_a, clerk_a, store_a, language
    ):
        StoreFactory(name="秘密店铺", primary_owner=clerk_a)
        store_a.backup_owner = clerk_a
        store_a.save()
        client = as_user(admin_a, language)

        preview = client.get(url(clerk_a))
        html = preview.content.decode()
        assert reverse("stores:store_edit", args=[store_a.pk]) in html
        assert reverse("sop:staff_offboard", args=[clerk_a.pk]) in html  # or all in one step, owners chosen there
        assert "秘密店铺" not in html and preview.context["preview"].hidden_owned == 1

        response = client.post(url(clerk_a), {"reason": "resigned"})
        assert response.status_code == 400
        with translation.override(language):
            expected = gettext("%(name)s still owns stores (%(stores)s); hand them to other owners first.") % {
                "name": clerk_a,
                "stores": ngettext(
                    "%(stores)s and %(count)d store you cannot see", "%(stores)s and %(count)d stores you cannot see", 1
                )
                % {"stores": store_a, "count": 1},
            }
        assert nonfield_errors(response) == [expected]
        assert "秘密店铺" not in response.content.decode()
        clerk_a.refresh_from_db()
        assert clerk_a.is_active and RoleBinding.objects.live().filter(staff=clerk_a).exists()
        assert not AuditEvent.objects.filter(action="staff.offboard").exists()

    def test_refused_for_the_last_super_admin(self, as_user, super_admins, roles):
        first, second = super_admins
        temp = StaffFactory(name="临时总管")
        req = services.binding_grant(
            actor=first,
            staff=temp,
            role=roles["super_admin"],
            store=None,
            reason="cover",
            expires_at=timezone.now() + timedelta(days=1),
        )
        services.access_request_approve(actor=second, access_request=req, reason="ok")
        services.staff_offboard(actor=first, staff=second, reason="left")
        client = as_user(temp)
        last = "This would leave no active super admin; grant the super admin role to someone else first."
        assert last in client.get(url(first)).context["preview"].refusals
        response = client.post(url(first), {"reason": "r"})
        assert response.status_code == 400 and nonfield_errors(response) == [last]
        first.refresh_from_db()
        assert first.is_active and RoleBinding.objects.live().filter(staff=first).exists()

    def test_refused_for_someone_with_roles_where_the_viewer_does_not_manage_users(self, as_user, admin_a, leaver):
        response = as_user(admin_a).post(url(leaver), {"reason": "r"})
        assert response.status_code == 400
        assert nonfield_errors(response) == ["You do not manage users in this store."]
        assert Staff.objects.get(pk=leaver.pk).is_active


class TestAccess:
    def test_no_user_management_anywhere_is_403(self, as_user, clerk_a, admin_a):
        client = as_user(clerk_a)
        assert client.get(url(admin_a)).status_code == 403
        assert client.post(url(admin_a), {"reason": "r"}).status_code == 403

    def test_someone_outside_the_viewers_stores_is_404(self, as_user, admin_b, clerk_a):
        client = as_user(admin_b)
        assert client.get(url(clerk_a)).status_code == 404
        assert client.post(url(clerk_a), {"reason": "r"}).status_code == 404
        assert Staff.objects.get(pk=clerk_a.pk).is_active

    def test_offboarding_needs_a_fresh_second_factor(self, as_user, sa, leaver):
        from core.testing import stale_second_factor

        client = as_user(sa)
        stale_second_factor(client)
        response = client.post(url(leaver), {"reason": "离职"})
        assert response.status_code == 200 and 'id="step-up"' in response.content.decode()
        leaver.refresh_from_db()
        assert leaver.status != StaffStatus.OFFBOARDED
        assert RoleBinding.objects.live().filter(staff=leaver).exists()

    def test_nobody_offboards_themselves(self, as_user, admin_a):
        client = as_user(admin_a)
        assert "You cannot offboard yourself." in client.get(url(admin_a)).context["preview"].refusals
        response = client.post(url(admin_a), {"reason": "r"})
        assert response.status_code == 400 and nonfield_errors(response) == ["You cannot offboard yourself."]


class TestStaffEdit:
    def test_the_edit_form_can_no_longer_offboard(self, as_user, admin_a, clerk_a):
        edit = reverse("staff:staff_edit", args=[clerk_a.pk])
        client = as_user(admin_a)
        assert "offboarded" not in dict(client.get(edit).context["form"].fields["status"].choices)
        response = client.post(edit, {"username": clerk_a.username, "name": clerk_a.name, "status": "offboarded"})
        assert response.status_code == 200 and "status" in response.context["form"].errors
        clerk_a.refresh_from_db()
        assert clerk_a.status == StaffStatus.ACTIVE and RoleBinding.objects.live().filter(staff=clerk_a).exists()
