"""Fixtures shared by the roles tests and the roles pages tests: the built-in roles, two super admins,
and `grant(...)`, which goes through the services and gets the second super admin's approval when the
two-person rule turns the grant into an access request. Import them into a conftest to use them."""

import pytest

from rbac import services
from rbac.models import AccessRequest, Role
from tests.factories import StaffFactory


@pytest.fixture
def roles(db):
    """The seven built-in roles by key."""
    return {r.key: r for r in Role.objects.filter(builtin=True)}


@pytest.fixture
def super_admins(roles):
    """Two super admins (a second person is needed to approve high-risk grants)."""
    people = [StaffFactory(name="总管理员甲"), StaffFactory(name="总管理员乙")]
    for person in people:
        services.binding_bootstrap(staff=person, role=roles["super_admin"], reason="bootstrap")
    return people


@pytest.fixture
def sa(super_admins):
    return super_admins[0]


@pytest.fixture
def grant(super_admins):
    """grant(staff, role, store=None, actor=None, **kw) → the live binding, approved by the other super
    admin when the two-person rule turned the grant into a request."""

    def _grant(staff, role, store=None, actor=None, **kwargs):
        actor = actor or super_admins[0]
        kwargs.setdefault("reason", "test grant")
        result = services.binding_grant(actor=actor, staff=staff, role=role, store=store, **kwargs)
        if isinstance(result, AccessRequest):
            approver = next(p for p in super_admins if p.pk not in (actor.pk, staff.pk))
            result = services.access_request_approve(actor=approver, access_request=result, reason="ok")
        return result

    return _grant
