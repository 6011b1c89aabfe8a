"""Shared fixtures. The suite runs on PostgreSQL and Redis; see README."""

import importlib

import pytest
from django.apps import apps
from django.db.models.signals import post_migrate

from core.testing import verified_login


def _restore_builtin_roles(sender, **kwargs):
    """A transactional test ends with Django's flush, which empties every table: content types and
    permissions come back through post_migrate, the built-in roles (a data migration) did not, so the
    tests after it, and a later run reusing the test database (--reuse-db), found no roles. The flush
    emits post_migrate; the data migrations' own (idempotent) seeds run again there."""
    from rbac.permissions import role_cache

    importlib.import_module("rbac.migrations.0002_builtin_roles").seed(apps, None)
    importlib.import_module("rbac.migrations.0005_customer_service_handles_orders").forwards(apps, None)
    role_cache.invalidate()


post_migrate.connect(_restore_builtin_roles, sender=apps.get_app_config("rbac"), weak=False)

# Roles fixtures (roles, super_admins, sa, grant); a closer conftest may define its own `grant`.
pytest_plugins = ["tests.rbac_fixtures"]


@pytest.fixture
def login(client):
    """login(user) signs the test client in with a verified second factor."""

    def _login(user):
        verified_login(client, user)
        return client

    return _login


# --- platform simulators (sandbox app) ------------------------------------------------------------------
_simulators = []


@pytest.fixture(scope="session")
def simulator():
    """Shopee, Ozon and WeCom simulators on an ephemeral loopback port, shared by the whole session.

    Yields an object with .base_url, .shopee_url, .ozon_url, .wecom_url and .control (sandbox.control.Control).
    Data persists between tests (create your own partners/shops/sellers/robots, ids are unique); after every
    test the simulated clock, the config and armed faults are restored (see _simulator_tidy).
    """
    from sandbox.server import running_simulator

    with running_simulator() as sim:
        _simulators.append(sim)
        yield sim
        _simulators.remove(sim)


@pytest.fixture(autouse=True)
def _simulator_tidy():
    """After each test, rewind the simulated clock, restore the config and disarm faults (keeping the data)."""
    yield
    for sim in _simulators:
        sim.control.reset(keep_data=True)


@pytest.fixture(autouse=True)
def fresh_role_map():
    """The {role → permissions} map is process-wide: each test starts from its own database's roles,
    not a map cached by an earlier test whose transaction was rolled back."""
    from rbac.permissions import role_cache

    role_cache.invalidate()
    yield
    role_cache.invalidate()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a request answered in English leaves the thread's
    translation active after the response (LocaleMiddleware does not reset it), and a later test reading
    messages outside a request would otherwise see English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
