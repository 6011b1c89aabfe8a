"""The staff × stores assignment grid."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import DepartmentFactory, RoleBindingFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


def cells(response):
    """{staff name: {store name or '*': [role names]}} as rendered."""
    grid = response.context["grid"]
    out = {}
    for row in grid.rows:
        entry = {"*": [r.name for r in row.everywhere]} if row.everywhere else {}
        for store, roles in zip(grid.stores, row.cells, strict=True):
            if roles:
                entry[store.name] = [r.name for r in roles]
        out[row.staff.name] = entry
    return out


def test_each_cell_shows_the_roles_held_and_all_store_roles_apart(as_user, sa, admin_a, clerk_a, store_a, roles, grant):
    grant(clerk_a, roles["listing_editor"], store_a)
    response = as_user(sa).get(reverse("rbac:grid"))
    table = cells(response)
    assert table["客服小王"] == {store_a.name: ["上架编辑", "客服/售后"]}
    assert table["店长阿甲"] == {store_a.name: ["店铺管理员"]}
    assert table["总管理员乙"] == {"*": ["总管理员"]}
    html = response.content.decode()
    assert '<td class="everywhere-col"><span class="badge everywhere">总管理员</span>' in html


def test_filters_by_department_platform_site_and_role(as_user, sa, admin_a, clerk_a, store_a, store_b, admin_b):
    client = as_user(sa)
    url = reverse("rbac:grid")
    by_department = client.get(url, {"department": clerk_a.department_id})
    assert [r.staff for r in by_department.context["grid"].rows] == [clerk_a]
    assert [s.pk for s in client.get(url, {"platform": "ozon"}).context["grid"].stores] == [store_b.pk]
    assert [s.pk for s in client.get(url, {"site": "SG"}).context["grid"].stores] == [store_a.pk]
    role = admin_a.role_bindings.get().role
    assert {r.staff for r in client.get(url, {"role": role.pk}).context["grid"].rows} == {admin_a, admin_b}


def test_a_store_admin_sees_only_their_stores_people_and_choices(as_user, admin_a, admin_b, clerk_a, store_a, store_b):
    StaffFactory(name="乙店员工", department=DepartmentFactory(name="乙部门"))
    response = as_user(admin_a).get(reverse("rbac:grid"))
    grid = response.context["grid"]
    assert [s.pk for s in grid.stores] == [store_a.pk]
    assert {r.staff.pk for r in grid.rows} == {
        admin_a.pk,
        clerk_a.pk,
        store_a.primary_owner_id,
        store_a.backup_owner_id,
    }
    choices = response.context["choices"]
    assert choices.platforms == [("shopee", "Shopee")]
    assert [value for value, _label in choices.sites] == ["SG"]
    assert {d.name for d in choices.departments} == {"店铺管理", "客服部"}
    html = response.content.decode()
    for secret in (store_b.name, admin_b.name, "乙店员工", "乙部门"):
        assert secret not in html
    for choice in ("Ozon", "RU"):  # as words: a random CSRF token may well contain "RU"
        assert not re.search(rf"\b{choice}\b", html), choice
    # a choice outside the viewer's reach is ignored, not applied
    assert (
        response.context["grid"].store_total
        == as_user(admin_a).get(reverse("rbac:grid"), {"platform": "ozon"}).context["grid"].store_total
    )


def test_pages_in_both_directions(as_user, sa, store_a):
    department = DepartmentFactory()
    StaffFactory.create_batch(12, department=department)
    for i in range(7):
        StoreFactory(name=f"Z{i:02d}", primary_owner=store_a.primary_owner, backup_owner=store_a.backup_owner)
    client = as_user(sa)
    first = client.get(reverse("rbac:grid"), {"department": department.pk, "rows": 5, "cols": 3})
    assert len(first.context["grid"].rows) == 5 and len(first.context["grid"].stores) == 3
    assert first.context["row_pages"]["last"] == 3
    html = first.content.decode()
    assert f'href="?department={department.pk}&amp;rows=5&amp;cols=3&amp;cpage=1&amp;page=2"' in html
    last = client.get(reverse("rbac:grid"), {"department": department.pk, "rows": 5, "cols": 3, "page": 3, "cpage": 3})
    assert len(last.context["grid"].rows) == 2 and len(last.context["grid"].stores) == 2
    capped = client.get(reverse("rbac:grid"), {"rows": 100000, "cols": 100000})
    assert capped.context["row_pages"]["last_index"] <= 100


def _build(staff_count, store_count, roles, owners):
    department = DepartmentFactory()
    people = StaffFactory.create_batch(staff_count, department=department)
    stores = [StoreFactory(primary_owner=owners[0], backup_owner=owners[1]) for _ in range(store_count)]
    role_list = [roles["customer_service"], roles["listing_editor"], roles["ads"]]
    for i, person in enumerate(people):
        for j, store in enumerate(stores[: 1 + i % 10]):
            RoleBindingFactory(staff=person, store=store, role=role_list[(i + j) % 3])
        if i % 17 == 0:
            RoleBindingFactory(staff=person, store=None, role=roles["finance_analyst"])
    return department


def _queries(client, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("rbac:grid"), params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_a_fixed_number_of_queries_however_many_rows_and_columns(as_user, sa, roles, django_assert_max_num_queries):
    owners = StaffFactory.create_batch(2)
    small = _build(4, 3, roles, owners)
    client = as_user(sa)
    client.get(reverse("rbac:grid"))  # warm the process-wide role map
    few, _ = _queries(client, {"department": small.pk, "role": roles["customer_service"].pk})
    large = _build(130, 110, roles, owners)
    with django_assert_max_num_queries(15):
        many, response = _queries(
            client, {"department": large.pk, "role": roles["customer_service"].pk, "rows": 100, "cols": 100}
        )
    assert len(response.context["grid"].rows) == 100 and len(response.context["grid"].stores) == 100
    assert many == few
    with django_assert_max_num_queries(15):
        client.get(reverse("rbac:grid"), {"rows": 100, "cols": 100})
    assert re.search(r"<h1>Assignments <span class=\"count\">", response.content.decode())
