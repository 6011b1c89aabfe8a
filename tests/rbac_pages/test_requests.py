"""The two-person rule through the pages: a high-risk grant becomes a request; another entitled person
approves or rejects it with a reason; requester and grantee never get the approve button."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from rbac.models import AccessRequest, RoleBinding
from tests.factories import RoleBindingFactory, RoleFactory, StaffFactory

pytestmark = pytest.mark.django_db

APPROVE_BUTTON = 'id="decision-form"'


@pytest.fixture
def newcomer(store_a):
    person = StaffFactory(name="新同事")
    RoleBindingFactory(staff=person, store=store_a, role=RoleFactory(permissions=["reports_view"]))
    return person


@pytest.fixture
def request_on_a(as_user, admin_a, newcomer, store_a, roles):
    """admin_a grants 客服/售后 (it includes approving refunds) to the newcomer through the page."""
    as_user(admin_a).post(
        reverse("rbac:binding_grant"),
        {"staff": newcomer.pk, "role": roles["customer_service"].pk, "store": store_a.pk, "reason": "help desk"},
    )
    return AccessRequest.objects.get(staff=newcomer)


def detail(client, req):
    return client.get(reverse("rbac:access_request_detail", args=[req.pk]))


def test_the_detail_shows_the_frozen_description(as_user, sa, request_on_a):
    html = detail(as_user(sa), request_on_a).content.decode()
    assert "新同事" in html and "客服/售后" in html and "甲店 Alpha" in html and "help desk" in html
    assert '<span class="badge risk">Approve refunds</span>' in html
    assert "New for this person there:" in html and "View after-sales" in html


def test_requester_and_grantee_never_see_the_approve_button(
    as_user, admin_a, newcomer, sa, request_on_a, grant, roles, store_a
):
    assert APPROVE_BUTTON not in detail(as_user(admin_a), request_on_a).content.decode()
    assert APPROVE_BUTTON not in detail(as_user(newcomer), request_on_a).content.decode()
    assert APPROVE_BUTTON in detail(as_user(sa), request_on_a).content.decode()
    colleague = StaffFactory()
    grant(colleague, roles["store_admin"], store_a)
    assert APPROVE_BUTTON in detail(as_user(colleague), request_on_a).content.decode()


def test_the_service_refuses_the_requester_anyway(as_user, admin_a, request_on_a):
    response = as_user(admin_a).post(reverse("rbac:access_request_approve", args=[request_on_a.pk]), {"reason": "me"})
    assert response.status_code == 403
    assert "You made this request; another person must decide it." in response.content.decode()
    request_on_a.refresh_from_db()
    assert request_on_a.status == "pending"


def test_approving_through_the_page(as_user, sa, newcomer, request_on_a, roles, store_a):
    client = as_user(sa)
    assert [r.pk for r in client.get(reverse("rbac:access_request_list")).context["to_decide"]] == [request_on_a.pk]
    response = client.post(reverse("rbac:access_request_approve", args=[request_on_a.pk]), {"reason": "ok, trained"})
    assert response.status_code == 302
    request_on_a.refresh_from_db()
    assert request_on_a.status == "approved" and request_on_a.decided_by == sa
    binding = RoleBinding.objects.live().get(staff=newcomer, role=roles["customer_service"], store=store_a)
    assert binding.request_id == request_on_a.pk
    assert AuditEvent.objects.filter(action="access_request.approve", target_id=str(request_on_a.pk)).count() == 1
    assert AuditEvent.objects.filter(action="binding.grant", target_id=str(binding.pk)).count() == 1
    html = detail(client, request_on_a).content.decode()
    assert "ok, trained" in html and APPROVE_BUTTON not in html


def test_rejecting_needs_a_reason(as_user, sa, newcomer, request_on_a):
    client = as_user(sa)
    response = client.post(reverse("rbac:access_request_reject", args=[request_on_a.pk]), {"reason": ""})
    assert response.status_code == 400
    client.post(reverse("rbac:access_request_reject", args=[request_on_a.pk]), {"reason": "not yet trained"})
    request_on_a.refresh_from_db()
    assert request_on_a.status == "rejected" and request_on_a.decision_reason == "not yet trained"
    assert not RoleBinding.objects.filter(staff=newcomer, role=request_on_a.role).exists()
    assert AuditEvent.objects.filter(action="access_request.reject", target_id=str(request_on_a.pk)).count() == 1


def test_the_requester_sees_it_among_their_own_and_may_cancel(as_user, admin_a, request_on_a):
    client = as_user(admin_a)
    assert request_on_a in client.get(reverse("rbac:access_request_list")).context["mine"]
    assert 'id="cancel-form"' in detail(client, request_on_a).content.decode()
    client.post(reverse("rbac:access_request_cancel", args=[request_on_a.pk]), {"reason": "wrong person"})
    request_on_a.refresh_from_db()
    assert request_on_a.status == "cancelled"


def test_asking_for_oneself(as_user, clerk_a, admin_a, store_a, roles):
    response = as_user(clerk_a).post(
        reverse("rbac:access_request_create"),
        {"role": roles["finance_analyst"].pk, "store": store_a.pk, "reason": "month-end close"},
    )
    req = AccessRequest.objects.get(staff=clerk_a, status="pending")
    assert response["Location"] == reverse("rbac:access_request_detail", args=[req.pk])
    assert req.requested_by == clerk_a and req.status == "pending"
    assert req in as_user(admin_a).get(reverse("rbac:access_request_list")).context["to_decide"]
    refused = as_user(clerk_a).post(reverse("rbac:access_request_create"), {"reason": "x", "store": store_a.pk})
    assert "Ask for either a role or a single permission." in refused.content.decode()


def test_the_history_is_filtered_and_scoped(as_user, admin_a, admin_b, request_on_a, store_b, roles):
    client = as_user(admin_b)
    response = client.get(reverse("rbac:access_request_list"))
    assert request_on_a not in response.context["page_obj"].object_list
    assert "新同事" not in response.content.decode()
    response = as_user(admin_a).get(reverse("rbac:access_request_list"), {"status": "pending"})
    assert list(response.context["page_obj"].object_list) == [request_on_a]
