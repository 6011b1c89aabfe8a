"""Sessions end after idle time: each request pushes the expiry SESSION_COOKIE_AGE ahead."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.factories import SuperuserFactory

pytestmark = pytest.mark.django_db


def _session(client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_activity_keeps_the_session_alive(client, login):
    login(SuperuserFactory())
    Session.objects.filter(pk=_session(client).pk).update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get("/").status_code == 200
    expires = _session(client).expire_date
    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert timezone.now() + idle - timedelta(seconds=30) < expires <= timezone.now() + idle


def test_idle_session_is_signed_out(client, login):
    login(SuperuserFactory())
    assert client.get("/").status_code == 200
    # The idle time passes without a request.
    Session.objects.filter(pk=_session(client).pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/audit/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=")


def test_idle_limit_is_thirty_minutes_by_default():
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
