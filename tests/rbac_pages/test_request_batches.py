"""A bulk grant's requests are decided together from one request's page, with per-store exceptions (issue
"Access administration", item 1); approving needs a fresh second factor, rejecting does not."""

from django.urls import reverse

from core.testing import stale_second_factor
from rbac import services
from rbac.models import AccessRequest, RequestStatus, RoleBinding
from tests.factories import StaffFactory, StoreFactory


def open_batch(sa, roles, count=3):
    person = StaffFactory(name="三店店长")
    stores = [StoreFactory() for _ in range(count)]
    services.bindings_bulk_grant(actor=sa, staff=[person], role=roles["store_admin"], stores=stores, reason="三店")
    return person, list(AccessRequest.objects.filter(staff=person).order_by("pk"))


def test_the_batch_is_approved_in_one_action_leaving_out_an_unticked_store(as_user, super_admins, roles):
    first, second = super_admins
    person, batch = open_batch(first, roles)
    client = as_user(second)
    page = client.get(reverse("rbac:access_request_detail", args=[batch[0].pk])).content.decode()
    assert 'id="batch-form"' in page and page.count('name="requests"') == 3

    url = reverse("rbac:access_request_batch_decide", args=[batch[0].pk])
    ticked = [batch[0].pk, batch[2].pk]
    response = client.post(url, {"requests": ticked, "decision": "approve", "reason": "核实"})
    assert response.status_code == 302
    statuses = dict(AccessRequest.objects.filter(staff=person).values_list("pk", "status"))
    assert statuses == {
        batch[0].pk: RequestStatus.APPROVED,
        batch[1].pk: RequestStatus.PENDING,
        batch[2].pk: RequestStatus.APPROVED,
    }
    assert RoleBinding.objects.live().filter(staff=person).count() == 2


def test_the_batch_is_rejected_together_without_a_code(as_user, super_admins, roles):
    first, second = super_admins
    person, batch = open_batch(first, roles, count=2)
    client = as_user(second)
    stale_second_factor(client)
    url = reverse("rbac:access_request_batch_decide", args=[batch[1].pk])
    response = client.post(url, {"requests": [r.pk for r in batch], "decision": "reject", "reason": "不需要"})
    assert response.status_code == 302
    assert set(AccessRequest.objects.filter(staff=person).values_list("status", flat=True)) == {RequestStatus.REJECTED}


def test_approving_the_batch_with_a_stale_second_factor_asks_for_it_first(as_user, super_admins, roles):
    first, second = super_admins
    person, batch = open_batch(first, roles, count=2)
    client = as_user(second)
    stale_second_factor(client)
    url = reverse("rbac:access_request_batch_decide", args=[batch[0].pk])
    response = client.post(url, {"requests": [r.pk for r in batch], "decision": "approve", "reason": "核实"})
    assert response.status_code == 200 and 'id="step-up"' in response.content.decode()
    assert not RoleBinding.objects.filter(staff=person).exists()


def test_nothing_ticked_is_a_clear_error(as_user, super_admins, roles):
    first, second = super_admins
    _person, batch = open_batch(first, roles, count=2)
    response = as_user(second).post(
        reverse("rbac:access_request_batch_decide", args=[batch[0].pk]), {"decision": "reject", "reason": "x"}
    )
    assert response.status_code == 400 and "Tick at least one request" in response.content.decode()


def test_the_request_list_names_who_may_approve_in_a_fixed_number_of_queries(as_user, super_admins, roles):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first, second = super_admins
    open_batch(first, roles, count=2)
    client = as_user(first)
    url = reverse("rbac:access_request_list")
    client.get(url)  # the session's first page does its one-off work
    with CaptureQueriesContext(connection) as few:
        html = client.get(url).content.decode()
    assert 'class="approvers"' in html and "总管理员乙" in html.split('class="approvers"', 1)[1]
    open_batch(first, roles, count=6)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_approving_one_high_risk_request_with_a_stale_second_factor_asks_for_it_first(as_user, super_admins, roles):
    first, second = super_admins
    person = StaffFactory(name="一店店长")
    req = services.binding_grant(
        actor=first, staff=person, role=roles["store_admin"], store=StoreFactory(), reason="开店"
    )
    client = as_user(second)
    stale_second_factor(client)
    response = client.post(reverse("rbac:access_request_approve", args=[req.pk]), {"reason": "核实"})
    assert response.status_code == 200 and 'id="step-up"' in response.content.decode()
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING and not RoleBinding.objects.filter(staff=person).exists()
