"""Fixtures for the roles tests: the seeded roles, two super admins, and a grant helper that gets a
second person's approval when the two-person rule asks for one."""

import pytest
from django.utils import translation

from tests.factories import StaffFactory, StoreFactory


@pytest.fixture(autouse=True)
def english(client):
    """Refusal messages are asserted in English (the source language); pages and API follow the request."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def store(db):
    return StoreFactory()


@pytest.fixture
def other_store(db):
    return StoreFactory()


@pytest.fixture
def admin_a(grant, roles, store):
    """店铺管理员 of `store` only."""
    person = StaffFactory(name="A店管理员")
    grant(person, roles["store_admin"], store)
    return person


@pytest.fixture
def admin_b(grant, roles, other_store):
    """店铺管理员 of `other_store` only."""
    person = StaffFactory(name="B店管理员")
    grant(person, roles["store_admin"], other_store)
    return person
