"""The lifecycle pages read a fixed number of queries however many roles and stores the person has."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rbac import services
from tests.factories import RoleFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


def person_with(sa, n: int, role):
    person = StaffFactory()
    stores = [StoreFactory() for _ in range(n)]
    services.bindings_bulk_grant(actor=sa, role=role, staff=[person], stores=stores, reason="test")
    for store in stores[:2]:
        store.backup_owner = person
        store.save()
    return person


@pytest.mark.parametrize(
    "name", ["sop:staff_offboard", "sop:staff_platform_sheet", "sop:staff_leave", "sop:staff_transfer"]
)
def test_a_fixed_number_of_queries_however_many_roles(client, login, sa, name):
    role = RoleFactory(name="报表查看", permissions=["reports_view"])
    small, large = person_with(sa, 2, role), person_with(sa, 25, role)
    login(sa)
    client.get(reverse(name, args=[small.pk]))  # warm the process-wide caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(name, args=[small.pk])).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(name, args=[large.pk])).status_code == 200
    assert len(many.captured_queries) <= len(few.captured_queries), [q["sql"] for q in many.captured_queries]
