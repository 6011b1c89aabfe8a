"""Searchable choosers (issue 8, f): a field that picks a store, a person or a department renders only
what is chosen and searches a scoped endpoint; the endpoint answers one page of what the viewer may use.
"""

import re

import pytest
from django.urls import reverse

from core.choosers import PAGE_SIZE
from rbac.forms import GrantForm
from tests.factories import DepartmentFactory, RobotFactory, StaffFactory, StoreFactory

MANY = 45  # more than two pages of the endpoint


@pytest.fixture
def many_stores(db):
    """45 stores named 众店NN (each with two owners: 90 more people)."""
    return [StoreFactory(name=f"众店{i:02d}") for i in range(MANY)]


@pytest.fixture
def store_admin(roles, grant, many_stores):
    """店铺管理员 of the first three stores only."""
    person = StaffFactory(name="三店店长")
    for store in many_stores[:3]:
        grant(person, roles["store_admin"], store)
    return person


def lookup(client, name, **query):
    return client.get(reverse(name), query)


def texts(response) -> list[str]:
    return [row["text"] for row in response.json()["results"]]


# ---------------------------------------------------------------------------------------------- the endpoint


def test_store_lookup_offers_only_the_viewers_stores(login, store_admin, many_stores):
    client = login(store_admin)
    answer = lookup(client, "stores:store_lookup", scope="users_manage")
    assert answer.status_code == 200
    assert sorted(texts(answer)) == sorted(str(s) for s in many_stores[:3])
    assert answer.json()["more"] is False
    # A store outside their reach is not found however it is searched.
    assert texts(lookup(client, "stores:store_lookup", scope="users_manage", q="众店44")) == []


def test_store_lookup_searches_every_word_and_pages(login, sa, many_stores):
    client = login(sa)
    first = lookup(client, "stores:store_lookup", scope="users_manage")
    assert len(texts(first)) == PAGE_SIZE and first.json()["more"] is True
    second = lookup(client, "stores:store_lookup", scope="users_manage", page=2)
    assert not set(texts(first)) & set(texts(second))
    assert texts(lookup(client, "stores:store_lookup", scope="users_manage", q="店07 众")) == [str(many_stores[7])]
    shop = lookup(client, "stores:store_lookup", q=many_stores[12].shop_id)
    assert texts(shop) == [str(many_stores[12])]


def test_lookup_answers_a_page_that_is_no_page_number_with_400(login, sa, many_stores):
    client = login(sa)
    client.cookies["django_language"] = "zh-hans"
    for page in ("²", "99999999999999999999", "-3", "0", "51", "abc"):
        answer = lookup(client, "stores:store_lookup", page=page)
        assert answer.status_code == 400, page
        assert "页码" in answer.json()["error"]
    assert len(texts(lookup(client, "stores:store_lookup", page=""))) == PAGE_SIZE


def test_lookup_refuses_an_unknown_scope_and_people_without_the_permission(
    login, store_admin, many_stores, roles, grant
):
    client = login(store_admin)
    assert lookup(client, "stores:store_lookup", scope="nonsense").status_code == 400
    clerk = StaffFactory(name="只看订单")
    grant(clerk, roles["customer_service"], many_stores[0])
    client = login(clerk)
    assert lookup(client, "stores:store_lookup", scope="users_manage").status_code == 403
    assert texts(lookup(client, "stores:store_lookup", scope="view")) == [str(many_stores[0])]


def test_lookup_needs_sign_in(client, db):
    answer = lookup(client, "staff:staff_lookup", q="x")
    assert answer.status_code == 302 and reverse("accounts:login") in answer["Location"]


def test_staff_lookup_offers_people_of_the_viewers_stores_only(login, store_admin, many_stores):
    client = login(store_admin)
    found = texts(lookup(client, "staff:staff_lookup", scope="active"))
    owners_of_mine = {str(p) for s in many_stores[:3] for p in (s.primary_owner, s.backup_owner)}
    assert owners_of_mine <= set(found)
    assert str(many_stores[10].primary_owner) not in found


def test_department_lookup(login, store_admin):
    DepartmentFactory(name="客服部")
    DepartmentFactory(name="仓储部")
    client = login(store_admin)
    assert texts(lookup(client, "staff:department_lookup", q="仓储")) == ["仓储部"]


def test_lookup_queries_do_not_grow_with_the_data(login, sa, many_stores, django_assert_max_num_queries):
    client = login(sa)
    lookup(client, "staff:staff_lookup", scope="active")  # warm the session and the role map
    with django_assert_max_num_queries(8):
        assert len(texts(lookup(client, "staff:staff_lookup", scope="active"))) == PAGE_SIZE


# ---------------------------------------------------------------------------------------------- the widget


def test_form_renders_only_the_chosen_option_and_validates_against_the_scope(sa, store_admin, many_stores, roles):
    mine, theirs = many_stores[0], many_stores[20]
    form = GrantForm(data={"store": mine.pk}, viewer=store_admin)
    html = str(form["store"])
    assert 'data-chooser-url="/stores/lookup/?scope=users_manage"' in html
    assert re.findall(r"<option[^>]*>([^<]*)</option>", html) == ["---------", str(mine)]
    # Someone else's store: refused by the field and never rendered with its name.
    form = GrantForm(data={"store": theirs.pk, "staff": store_admin.pk}, viewer=store_admin)
    assert not form.is_valid() and "store" in form.errors
    assert str(theirs) not in str(form["store"])
    # Input that is no number at all renders nothing and fails validation without an error page.
    for junk in ("abc", "²", "99999999999999999999999"):
        form = GrantForm(data={"store": junk}, viewer=store_admin)
        assert not form.is_valid()
        assert "<option" in str(form["store"]) and "众店" not in str(form["store"])


# ---------------------------------------------------------------------------------------------- the pages

CHOOSER_PAGES = [
    ("stores:store_list", None),
    ("stores:store_create", None),
    ("stores:store_edit", "store"),
    ("staff:staff_list", None),
    ("staff:staff_create", None),
    ("staff:staff_edit", "person"),
    ("staff:department_create", None),
    ("staff:position_list", None),
    ("staff:position_create", None),
    ("rbac:binding_grant", None),
    ("rbac:binding_bulk_grant_stores", None),
    ("rbac:binding_bulk_grant_staff", None),
    ("rbac:binding_bulk_revoke", None),
    ("rbac:exception_grant", None),
    ("rbac:why", None),
    ("rbac:access_request_list", None),
    ("rbac:access_request_create", None),
    ("audit:event_list", None),
    ("notifications:robot_list", None),
    ("notifications:robot_create", None),
    ("notifications:robot_edit", "robot"),
]


@pytest.mark.parametrize(("name", "arg"), CHOOSER_PAGES, ids=[n for n, _ in CHOOSER_PAGES])
def test_no_page_lists_every_store_or_person(login, sa, many_stores, name, arg):
    """With 45 stores and 90 people, a form or filter names at most the one or two already chosen."""
    objects = {"store": many_stores[0], "person": many_stores[0].primary_owner, "robot": RobotFactory()}
    args = [objects[arg].pk] if arg else []
    body = login(sa).get(reverse(name, args=args)).content.decode()
    # the audit log's action and object-type choices are its vocabulary (fixed words), not stores or people
    body = re.sub(r'<select name="(action|target_type)".*?</select>', "", body, flags=re.S)
    options = re.findall(r"<option[^>]*>([^<]*)</option>", body)
    named = [o for o in options if "众店" in o or re.search(r"员工\d", o)]
    assert len(named) <= 2, f"{name} lists {len(named)} stores or people as options"
    assert len(options) <= 60, f"{name} renders {len(options)} options"
    assert "data-chooser-url" in body


def test_a_chosen_filter_value_is_shown_by_name(login, sa, many_stores):
    owner = many_stores[5].primary_owner
    body = login(sa).get(reverse("stores:store_list"), {"owner": owner.pk}).content.decode()
    assert re.search(rf'<option value="{owner.pk}" selected>{re.escape(str(owner))}</option>', body)
    assert many_stores[5].name in body and many_stores[6].name not in body  # the filter applied
