"""The top navigation (after the home link): each app registers its own entries (core names none); a person sees the entries whose
permission they hold somewhere, in the registered order."""

import re

import pytest
from django.urls import reverse

from core.navigation import entries
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _nav(client) -> list[tuple[str, str]]:
    html = client.get(reverse("rbac:my_duties")).content.decode()
    nav = html.split("<nav", 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)
    assert links[0][0] == reverse("core:home")
    return links[1:]


def test_every_app_registers_its_own_entries_in_order():
    assert [e.url_name for e in entries()] == [
        "rbac:my_duties",
        "stores:store_list",
        "staff:staff_list",
        "orders:order_list",
        "orders:case_list",
        "orders:stock_list",
        "reports:board",
        "ads:overview",
        "rbac:role_matrix",
        "rbac:grid",
        "rbac:access_request_list",
        "sop:checklist_list",
        "rbac:review_mine",
        "notifications:robot_list",
        "notifications:route_list",
        "notifications:delivery_list",
        "audit:event_list",
        "security:policy_edit",
    ]


def test_a_super_admin_sees_every_entry(login, sa):
    links = _nav(login(sa))
    assert [url for url, _label in links] == [reverse(e.url_name) for e in entries()]


def test_a_person_without_rights_sees_only_their_own_pages(login):
    links = _nav(login(StaffFactory()))
    assert [url for url, _label in links] == [
        reverse("rbac:my_duties"),
        reverse("rbac:access_request_list"),
        reverse("sop:checklist_list"),
        reverse("rbac:review_mine"),
    ]
