"""The security policy page (super admins): every setting, networks checked as CIDRs, audited; the networks can
never shut out the admin saving them, and the command line removes them (issue 10, item 4)."""

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from core.navigation import nav_items
from security.models import SecurityPolicy
from security.policy import current
from tests.factories import StaffFactory, SuperuserFactory

pytestmark = pytest.mark.django_db

URL = "/security/"


def form(**changes):
    data = {
        "approval_fallback_allowed": "on",
        "step_up_minutes": "10",
        "admin_networks": "",
        "max_password_age_days": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_defaults_say_password_age_is_off_as_guidance_advises(client, login):
    login(SuperuserFactory())
    page = client.get(URL)
    assert page.status_code == 200
    assert page.context["form"].initial["max_password_age_days"] is None
    assert "NIST SP 800-63B" in page.content.decode()
    assert "manage.py security_networks --clear" in page.content.decode()
    assert not SecurityPolicy.objects.exists()  # reading the page writes nothing


def test_every_setting_is_saved_and_audited(client, login):
    admin = SuperuserFactory()
    login(admin)
    response = client.post(
        URL,
        form(
            approval_fallback_allowed=None,
            step_up_minutes="5",
            admin_networks=" 127.0.0.0/8 \n\n10.1.0.0/16\n2001:db8::/32",
            max_password_age_days="180",
        ),
    )
    assert response.status_code == 302 and response.url == URL
    policy = current()
    assert (policy.approval_fallback_allowed, policy.step_up_minutes, policy.max_password_age_days) == (False, 5, 180)
    assert policy.admin_networks == "127.0.0.0/8\n10.1.0.0/16\n2001:db8::/32"
    event = AuditEvent.objects.get(action="security.policy_update")
    assert event.actor_id == admin.pk
    assert event.before["approval_fallback_allowed"] is True and event.after["max_password_age_days"] == 180

    client.post(
        URL,
        form(
            approval_fallback_allowed=None,
            step_up_minutes="5",
            admin_networks=policy.admin_networks,
            max_password_age_days="180",
        ),
    )
    assert AuditEvent.objects.filter(action="security.policy_update").count() == 1  # nothing changed: no event


def test_networks_that_are_not_networks_are_refused_with_the_lines_named(client, login):
    login(SuperuserFactory())
    response = client.post(URL, form(admin_networks="10.0.0.0/8\noffice wifi\n300.1.1.1"))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["admin_networks"])
    assert "office wifi" in errors and "300.1.1.1" in errors
    assert not SecurityPolicy.objects.exists()


def test_networks_that_leave_out_the_admins_own_address_are_refused(client, login):
    login(SuperuserFactory())
    response = client.post(URL, form(admin_networks="10.0.0.0/8"), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    assert "203.0.113.9" in " ".join(response.context["form"].errors["admin_networks"])
    assert current().admin_networks == ""


def test_other_fields_are_checked(client, login):
    login(SuperuserFactory())
    response = client.post(URL, form(step_up_minutes="0", max_password_age_days="-3"))
    assert set(response.context["form"].errors) == {"step_up_minutes", "max_password_age_days"}


def test_only_super_admins_see_it_in_the_navigation(rf, roles):
    admin, clerk = SuperuserFactory(), StaffFactory()
    for person, shown in ((admin, True), (clerk, False)):
        request = rf.get("/")
        request.user = person
        assert any(item["url"] == URL for item in nav_items(request)) is shown


def test_the_command_line_removes_networks_that_shut_everyone_out(capsys):
    SecurityPolicy.objects.create(pk=1, admin_networks="10.9.9.0/24")
    call_command("security_networks")
    assert "10.9.9.0/24" in capsys.readouterr().out
    call_command("security_networks", "--clear")
    assert current().admin_networks == ""
    event = AuditEvent.objects.get(action="security.policy_update")
    assert event.source == "system" and event.after == {"admin_networks": ""}
