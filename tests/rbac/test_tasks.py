"""The expiry beat task: scheduled every minute, sweeps guardian, audited as the task."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from audit.models import AuditEvent
from rbac import services, tasks
from rbac.models import ExceptionGrant, RoleBinding
from tests.factories import RoleFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_scheduled_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["rbac-expire-due"]
    assert entry["task"] == "rbac.tasks.expire_due" and entry["schedule"] <= 60


def test_sweeps_expired_bindings_and_grants_as_the_task(sa, store):
    person = StaffFactory()
    soon = timezone.now() + timedelta(hours=1)
    binding = services.binding_grant(
        actor=sa,
        staff=person,
        role=RoleFactory(permissions=["orders_view"]),
        store=store,
        reason="cover",
        expires_at=soon,
    )
    grant = services.exception_grant(
        actor=sa, staff=person, store=store, permission="reports_export", reason="audit", expires_at=soon
    )
    past = timezone.now() - timedelta(seconds=1)
    RoleBinding.objects.filter(pk=binding.pk).update(expires_at=past)
    ExceptionGrant.objects.filter(pk=grant.pk).update(expires_at=past)

    counts = tasks.expire_due()

    assert counts == {"bindings": 1, "exception_grants": 1, "requests": 0}
    assert not person.groups.exists()
    assert not person.storeuserobjectpermission_set.exists()
    events = AuditEvent.objects.filter(action="binding.expire")
    assert events.count() == 2 and {e.source for e in events} == {"task"}
    assert tasks.expire_due() == {"bindings": 0, "exception_grants": 0, "requests": 0}
