"""core.stepup for function views: step_up_required_response() answers None to go on, else the response."""

import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from core import stepup
from security.models import SecurityPolicy
from tests.factories import SuperuserFactory

pytestmark = pytest.mark.django_db


def request_as(user, *, method="post", data=None, verified=True, at=None):
    request = getattr(RequestFactory(), method)("/somewhere/", data or {})
    request.session = SessionStore()
    if at is not None:
        request.session[stepup.SESSION_KEY] = at
    request.user = user
    if user.is_authenticated:
        user.is_verified = lambda: verified
    return request


def test_a_function_view_goes_on_only_with_a_fresh_second_factor():
    admin = SuperuserFactory()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    assert stepup.step_up_required_response(request_as(admin, at=time.time())) is None
    assert stepup.step_up_required_response(request_as(admin, method="get")) is None  # GET is not guarded
    stale = stepup.step_up_required_response(request_as(admin, data={"name": "x"}, at=time.time() - 11 * 60))
    assert stale.status_code == 200 and b'name="_step_up_code"' in stale.content and b'value="x"' in stale.content
    unverified = stepup.step_up_required_response(request_as(admin, verified=False, at=time.time()))
    assert unverified is not None  # a session that never passed the second factor is not fresh
    anonymous = stepup.step_up_required_response(request_as(AnonymousUser()))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url


def test_the_window_is_the_policys():
    admin = SuperuserFactory()
    SecurityPolicy.objects.create(pk=1, step_up_minutes=30)
    assert stepup.has_fresh_second_factor(request_as(admin, at=time.time() - 20 * 60))
    assert not stepup.has_fresh_second_factor(request_as(admin, at=time.time() - 31 * 60))
