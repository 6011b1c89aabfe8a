from contextlib import contextmanager

import pytest
from django.db import connection

from audit.services import record
from core import context
from tests.factories import RoleBindingFactory, RoleFactory, StaffFactory, StoreFactory


def store_events(store, count, *, action="store.update", actor=None):
    """`count` events on `store`, recorded as `actor` would (oldest first)."""
    fields = {"actor_id": actor.pk, "actor_display": str(actor)} if actor else {}
    with context.bound(source="web", **fields):
        return [
            record(
                action, store=store, target=store, before={"name": "旧名"}, after={"name": f"新名{i}"}, reason="改名"
            )
            for i in range(count)
        ]


@pytest.fixture
def two_stores():
    return StoreFactory(name="上海一店"), StoreFactory(name="Second store")


@pytest.fixture
def store_viewer(two_stores):
    """Someone who holds users_view on the first store only (a real rbac role binding)."""
    viewer = StaffFactory(name="审计员")
    RoleBindingFactory(staff=viewer, role=RoleFactory(permissions=["users_view"]), store=two_stores[0])
    return viewer


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@contextmanager
def owner_rights(table="audit_auditevent", trigger="audit_event_no_update_delete"):
    """The append-only trigger off for the block, as the database owner could turn it off (PostgreSQL)."""
    sql(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
    try:
        yield sql
    finally:
        sql(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
