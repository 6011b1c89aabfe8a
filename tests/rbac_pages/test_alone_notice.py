"""The grant form tells the sole super admin, before anything is sent, whether a high-risk grant may be approved
alone (issue "Access administration", item 1): offered when nobody else may approve, forbidden by the security
policy when it says so, and not offered at all once a second super admin exists."""

import pytest
from django.urls import reverse

from rbac import services
from security.models import SecurityPolicy
from tests.factories import StaffFactory

URL = reverse("rbac:binding_grant")


@pytest.fixture
def sole_admin(roles):
    person = StaffFactory(name="唯一管理员")
    services.binding_bootstrap(staff=person, role=roles["super_admin"], reason="bootstrap")
    return person


def notice(client):
    response = client.get(URL)
    assert response.status_code == 200
    return response.context["alone_notice"]


def test_the_sole_super_admin_is_offered_approving_alone(as_user, sole_admin):
    text = notice(as_user(sole_admin))
    assert text.startswith("Nobody but you may approve a high-risk grant.") and "second factor again" in text
    assert 'id="alone-notice"' in as_user(sole_admin).get(URL).content.decode()


def test_the_form_says_in_chinese_when_the_policy_forbids_it(as_user, sole_admin):
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"approval_fallback_allowed": False})
    english = notice(as_user(sole_admin))
    assert "the security policy forbids approving alone" in english
    html = as_user(sole_admin, "zh-hans").get(URL).content.decode()
    assert 'id="alone-notice"' in html and "Nobody but you" not in html


def test_no_fallback_is_offered_once_a_second_super_admin_exists(as_user, sole_admin, roles):
    second = StaffFactory(name="第二管理员")
    services.binding_bootstrap(staff=second, role=roles["super_admin"], reason="bootstrap")
    assert notice(as_user(sole_admin)) is None
    assert 'id="alone-notice"' not in as_user(sole_admin).get(URL).content.decode()
