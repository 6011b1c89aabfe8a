"""Fixtures of the permission matrix: a fresh role map, the world (built once for the package, rolled
back at its end; each test runs in its own savepoint), and `play(route, persona)`."""

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.db import transaction

from audit.models import AuditEvent
from rbac.permissions import role_cache

from .declarations import ROUTES
from .matrix import Ctx, check
from .world import World, db_state


@pytest.fixture(autouse=True)
def fresh_role_map():
    """Each test starts from the database's roles, not a map cached by an earlier (rolled back) test."""
    role_cache.invalidate()
    yield
    role_cache.invalidate()


@pytest.fixture(scope="package")
def built_world(django_db_setup, django_db_blocker):
    """The world, built once for tests/permissions inside an outer transaction that is rolled back at the end
    (Django's setUpTestData idea): each test's `db` transaction is a savepoint inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        role_cache.invalidate()
        try:
            world = World(needs={(r.needs, r.where) for r in ROUTES})
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield world
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def world(built_world, db):
    built_world.reset()
    return built_world


@pytest.fixture
def clean_coalescing():
    """Refusals are coalesced per actor and URL per minute (in Redis or the cache): each case starts from
    a clean state, so the `denied` event it causes is never swallowed by an earlier case's."""
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture
def play(world, client, request, clean_coalescing):
    """play(route, persona) → the violations seen: builds the persona, signs them in, runs the checker.
    `as_persona` plays someone else in that persona's place (e.g. "b_admin" as "other")."""

    def _play(route, persona, *, as_persona=None):
        if route.simulator:
            world.connect(request.getfixturevalue("simulator"), request.getfixturevalue("settings"))
        person = world.persona(as_persona or persona, needs=route.needs, store=world.store(route.where))
        world.sign_in(client, as_persona or persona, person)
        ctx = Ctx(world=world, persona=persona, user=person, client=client, route=route)
        return check(route, persona, ctx, db_state=db_state, audit_model=AuditEvent)

    return _play
