"""Fixtures for the rbac pages: the built-in roles, two super admins, two stores (A and B), a store admin
of each, a customer-service clerk on A, and `grant(...)` that goes through the services (with the
second super admin's approval when the two-person rule asks for one)."""

import pytest

from tests.factories import DepartmentFactory, StaffFactory, StoreFactory


@pytest.fixture
def store_a(db):
    return StoreFactory(name="甲店 Alpha", platform="shopee", site="SG")


@pytest.fixture
def store_b(db):
    return StoreFactory(name="乙店 Bravo", platform="ozon", site="RU", shop_id="998877")


@pytest.fixture
def admin_a(roles, grant, store_a):
    """店铺管理员 of store A only."""
    person = StaffFactory(name="店长阿甲", department=DepartmentFactory(name="店铺管理"))
    grant(person, roles["store_admin"], store_a)
    return person


@pytest.fixture
def admin_b(roles, grant, store_b):
    """店铺管理员 of store B only, with a B-only colleague (a secret to A's admin)."""
    person = StaffFactory(name="店长乙乙")
    grant(person, roles["store_admin"], store_b)
    return person


@pytest.fixture
def clerk_a(roles, grant, store_a):
    """客服/售后 on store A (no user management anywhere)."""
    person = StaffFactory(name="客服小王", department=DepartmentFactory(name="客服部"))
    grant(person, roles["customer_service"], store_a)
    return person


@pytest.fixture
def as_user(login, settings):
    """as_user(person, language="en") → the test client signed in as them (with a verified second factor),
    reading pages in that language."""
    from core.permissions import forget_permissions

    def _as(person, language="en"):
        forget_permissions(person)
        client = login(person)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return _as
