"""An administrator resets a colleague's second factor (a lost phone) — issue "Access administration", item 2:
a fresh second factor of one's own, the colleague's devices and tokens gone, audited; never one's own, never by
someone who may not edit that person."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from core.testing import stale_second_factor
from staff.models import ApiToken
from staff.token_services import api_token_issue
from tests.factories import StaffFactory, SuperuserFactory

pytestmark = pytest.mark.django_db


def colleague_with_a_phone():
    person = StaffFactory(name="丢手机的同事")
    TOTPDevice.objects.create(user=person, name="phone", confirmed=True)
    StaticDevice.objects.create(user=person, name="backup", confirmed=True).token_set.create(token="abcd1234")
    api_token_issue(user=person, name="脚本", second_factor_passed=True)
    return person


def url(person):
    return reverse("staff:staff_second_factor_reset", args=[person.pk])


def test_a_super_admin_resets_a_colleagues_second_factor(login):
    admin, person = SuperuserFactory(), colleague_with_a_phone()
    client = login(admin)
    detail = client.get(person.get_absolute_url()).content.decode()
    assert 'id="second-factor-reset"' in detail
    assert client.get(url(person)).status_code == 200
    response = client.post(url(person))
    assert response.status_code == 302 and response["Location"] == person.get_absolute_url()
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not StaticDevice.objects.filter(user=person).exists()
    assert not ApiToken.objects.filter(user=person, revoked_at__isnull=True).exists()
    event = AuditEvent.objects.get(action="auth.2fa_reset")
    assert event.target_id == str(person.pk) and event.actor_id == admin.pk


def test_it_needs_a_fresh_second_factor(login):
    admin, person = SuperuserFactory(), colleague_with_a_phone()
    client = login(admin)
    stale_second_factor(client)
    response = client.post(url(person))
    assert response.status_code == 200 and 'id="step-up"' in response.content.decode()
    assert TOTPDevice.objects.filter(user=person).exists()


def test_nobody_resets_their_own_here_and_strangers_may_not(login):
    admin = SuperuserFactory()
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    client = login(admin)
    client.post(url(admin))
    assert TOTPDevice.objects.filter(user=admin).exists()
    assert not AuditEvent.objects.filter(action="auth.2fa_reset").exists()

    person, stranger = colleague_with_a_phone(), StaffFactory()
    response = login(stranger).post(url(person))
    assert response.status_code in (403, 404)
    assert TOTPDevice.objects.filter(user=person).exists()
