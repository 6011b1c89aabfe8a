"""schemathesis over /api/v1/schema/, in-process (WSGI), as a super admin and as a one-store staff member.

Every operation of the schema gets a bounded number of generated requests, valid and invalid by the
schema (derandomized, so a failure reproduces), half of those with an id in the path naming an object the
persona can list; every answer must be free of server errors and agree with the schema: a declared status
code, the declared content type, a body valid against the declared response schema (error answers
included). A failure names the operation and the request that broke it.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client

from tests.factories import DepartmentFactory, PositionFactory, RobotFactory, StaffFactory, StoreFactory, api_token

pytestmark = pytest.mark.django_db(transaction=False)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# 53 operations × 12 examples × 2 personas: about a minute on a shared two-core machine.
EXAMPLES_PER_OPERATION = 12


@pytest.fixture
def wsgi_app():
    """The project's WSGI application, kept on the test's connection (and transaction), as Django's test
    client does: the per-request connection clean-up would otherwise close it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _world(roles, grant):
    """Two stores with people, departments, positions and robots; the one-store member holds the store
    admin role on the first store only."""
    department = DepartmentFactory()
    position = PositionFactory(department=department)
    here, elsewhere = StoreFactory(), StoreFactory()
    member = StaffFactory(department=department, position=position)
    grant(member, roles["store_admin"], store=here)
    colleague = StaffFactory(department=department)
    grant(colleague, roles["customer_service"], store=here)
    RobotFactory(store=here)
    RobotFactory(store=elsewhere)
    return member


def _token(user) -> str:
    return api_token(user)


def _known_ids(client, path: str, headers: dict) -> list:
    """Ids of the objects the persona can list at the collection above `path` (`/x/{id}/...` → `/x/`)."""
    collection = path.split("{", 1)[0]
    answer = client.get(collection, query_string={"page_size": 20}, headers=headers)
    body = answer.get_json() if answer.status_code == 200 else {}
    return [row["id"] for row in body.get("results", []) if isinstance(row, dict) and "id" in row]


def _cases(operation, ids: list):
    """Generated requests, valid and invalid by the schema; half the ids in paths are of real objects."""
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    generated = st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in modes))
    if not ids or "{id}" not in operation.path:
        return generated
    real = st.sampled_from(ids).flatmap(
        lambda pk: st.one_of(*(operation.as_strategy(generation_mode=m, path_parameters={"id": pk}) for m in modes))
    )
    return st.one_of(real, generated)


def _fuzz(app, token: str) -> list[str]:
    """Runs every operation of the schema; returns one entry per failing operation (empty when all agree)."""
    headers = {"Authorization": f"Token {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", app, headers=headers)
    client = Client(app)  # the WSGI app itself (Django's test client would reconnect the clean-up)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=_cases(operation, _known_ids(client, operation.path, headers)))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a group of failures
            failures.append(f"{operation.label}: {str(exc)[:3000]}")
    return failures


@pytest.mark.parametrize("persona", ["super_admin", "one_store_member"])
def test_every_operation_agrees_with_the_schema(persona, wsgi_app, roles, super_admins, grant):
    member = _world(roles, grant)
    user = super_admins[0] if persona == "super_admin" else member
    failures = _fuzz(wsgi_app, _token(user))
    assert not failures, "\n\n".join(failures)
