"""Every grant, revoke, expiry, approval, rejection and role edit is audited, with before/after,
actor and store, and the chain stays valid."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import verify_chain
from core import context
from rbac import services
from rbac.models import RoleBinding
from tests.factories import RoleFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _new_events(since: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=since).order_by("id"))


def _last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _one(since: int, action: str) -> AuditEvent:
    events = _new_events(since)
    assert [e.action for e in events] == [action], [e.action for e in events]
    return events[0]


def test_role_create_update_delete(sa):
    with context.bound(actor_id=sa.pk, actor_display=str(sa)):
        mark = _last_id()
        role = services.role_create(actor=sa, name="质检", permissions=["orders_view"], description="QA")
        event = _one(mark, "role.create")
        assert event.after == {"name": "质检", "description": "QA", "permissions": ["orders_view"]}
        assert event.actor_id == sa.pk

        mark = _last_id()
        services.role_update(actor=sa, role=role, permissions=["orders_view", "shipping_view"])
        event = _one(mark, "role.update")
        assert event.before == {"permissions": ["orders_view"]}
        assert event.after == {"permissions": ["orders_view", "shipping_view"]}

        mark = _last_id()
        services.role_delete(actor=sa, role=role, reason="merged")
        event = _one(mark, "role.delete")
        assert event.before["name"] == "质检" and event.reason == "merged"


def test_grant_revoke_and_expire(sa, store):
    role = RoleFactory(permissions=["orders_view"])
    person = StaffFactory()
    mark = _last_id()
    binding = services.binding_grant(
        actor=sa, staff=person, role=role, store=store, reason="cover", expires_at=timezone.now() + timedelta(hours=1)
    )
    event = _one(mark, "binding.grant")
    assert event.store_id == store.pk and event.target_type == "rbac.rolebinding"
    assert event.after["role"] == role.pk and event.after["staff"] == person.pk and event.reason == "cover"

    mark = _last_id()
    services.binding_revoke(actor=sa, binding=binding, reason="done")
    event = _one(mark, "binding.revoke")
    assert event.before["live"] is True and event.after["live"] is False and event.after["revoked_by"] == sa.pk

    again = services.binding_grant(
        actor=sa, staff=person, role=role, store=store, reason="again", expires_at=timezone.now() + timedelta(hours=1)
    )
    RoleBinding.objects.filter(pk=again.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    mark = _last_id()
    services.expire_due()
    event = _one(mark, "binding.expire")
    assert event.target_id == str(again.pk) and event.store_id == store.pk
    assert verify_chain()[1] is None


def test_request_create_approve_reject(super_admins, roles, store):
    first, second = super_admins
    mark = _last_id()
    req = services.binding_grant(
        actor=first, staff=StaffFactory(), role=roles["listing_editor"], store=store, reason="r"
    )
    event = _one(mark, "access_request.create")
    assert event.after["description"]["high_risk"] == ["products_change_price"]

    mark = _last_id()
    services.access_request_approve(actor=second, access_request=req, reason="ok")
    assert [e.action for e in _new_events(mark)] == ["binding.grant", "access_request.approve"]
    approve = _new_events(mark)[-1]
    assert approve.before["status"] == "pending" and approve.after["status"] == "approved"

    other = services.binding_grant(actor=first, staff=StaffFactory(), role=roles["ads"], store=store, reason="r")
    mark = _last_id()
    services.access_request_reject(actor=second, access_request=other, reason="no budget")
    event = _one(mark, "access_request.reject")
    assert event.reason == "no budget" and event.after["status"] == "rejected"


def test_exception_grant_and_revoke(sa, store):
    mark = _last_id()
    grant = services.exception_grant(
        actor=sa, staff=StaffFactory(), store=store, permission="reports_export", reason="audit"
    )
    event = _one(mark, "exception.grant")
    assert event.after["permission"] == "reports_export" and event.store_id == store.pk
    mark = _last_id()
    services.exception_revoke(actor=sa, grant=grant, reason="done")
    assert _one(mark, "exception.revoke").after["live"] is False


def test_offboarding_is_one_event_plus_one_per_binding(sa, store):
    person = StaffFactory()
    services.binding_grant(
        actor=sa, staff=person, role=RoleFactory(permissions=["orders_view"]), store=store, reason="r"
    )
    mark = _last_id()
    services.staff_offboard(actor=sa, staff=person, reason="resigned")
    events = _new_events(mark)
    assert [e.action for e in events] == ["binding.revoke", "staff.offboard"]
    assert events[-1].before["status"] == "active" and events[-1].before["is_active"] is True
    assert events[-1].after["status"] == "offboarded" and events[-1].after["bindings_revoked"] == 1
