"""/api/v1/audit-events/: read-only, restricted like the pages, the same filters, a fixed number of queries."""

import pytest

from audit.services import record
from core.testing import verified_login
from tests.factories import StaffFactory, SuperuserFactory

from .conftest import store_events

pytestmark = pytest.mark.django_db
URL = "/api/v1/audit-events/"


def test_super_admin_lists_and_filters(client, login, two_stores):
    first, second = two_stores
    store_events(first, 3)
    store_events(second, 2, action="store.archive")
    login(SuperuserFactory())
    body = client.get(URL).json()
    assert body["count"] == 6  # with the sign-in
    assert [row["id"] for row in body["results"]] == sorted((row["id"] for row in body["results"]), reverse=True)
    archived = client.get(URL, {"action": "store.archive"}).json()["results"]
    assert len(archived) == 2 and archived[0]["store"] == second.pk and archived[0]["store_name"] == second.name
    assert archived[0]["before"] == {"name": "旧名"} and archived[0]["hash"]
    assert client.get(URL, {"store": first.pk, "q": "改名"}).json()["count"] == 3
    one = client.get(f"{URL}{archived[0]['id']}/").json()
    assert one["action"] == "store.archive"


def test_store_viewer_sees_only_their_stores(client, login, two_stores, store_viewer):
    first, second = two_stores
    store_events(first, 2)
    theirs = store_events(second, 1)[0]
    companywide = record("department.create", target_type="staff.department", target_id=1, target_label="财务")
    login(store_viewer)
    body = client.get(URL).json()
    assert body["count"] == 2 and {row["store"] for row in body["results"]} == {first.pk}
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.get(f"{URL}{companywide.pk}/").status_code == 404


def test_read_only_and_refused_without_users_view(client, login, two_stores):
    event = store_events(two_stores[0], 1)[0]
    login(SuperuserFactory())
    assert client.post(URL, {"action": "x"}, content_type="application/json").status_code == 405
    assert client.delete(f"{URL}{event.pk}/").status_code == 405
    other = client.__class__()
    verified_login(other, StaffFactory())
    assert other.get(URL).status_code == 403
    assert client.__class__().get(URL).status_code in (401, 403)


@pytest.mark.parametrize("count", [5, 160])
def test_list_takes_a_fixed_number_of_queries(client, login, two_stores, django_assert_max_num_queries, count):
    store_events(two_stores[0], count // 2)
    store_events(two_stores[1], count - count // 2)
    login(SuperuserFactory())
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"action": "store.", "page_size": 100})
    assert len(response.json()["results"]) == min(count, 100)
