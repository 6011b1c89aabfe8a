"""The demo stores dispatch their work in turn to their customer service (orders.work_demo), once."""

import io

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from orders.choices import AssignmentMode
from orders.models import StoreSettings

pytestmark = pytest.mark.django_db


def test_demo_stores_put_their_customer_service_on_duty(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("SHOPCREW_ADMIN_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path
    settings.SHOPCREW_SANDBOX_CONTROL_URL = ""
    call_command("seed_demo", stdout=io.StringIO())

    rows = list(StoreSettings.objects.filter(assignment_mode=AssignmentMode.ROUND_ROBIN).prefetch_related("on_duty"))
    assert rows
    for row in rows:
        people = list(row.on_duty.all())
        assert people and all(p.position and p.position.name.startswith("客服") for p in people if p.position)
    audited = AuditEvent.objects.filter(action="order_settings.update").count()
    assert audited == len(rows)

    call_command("seed_demo", stdout=io.StringIO())
    assert AuditEvent.objects.filter(action="order_settings.update").count() == audited
