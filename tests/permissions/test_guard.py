"""The matrix can fail: a deliberately unscoped view (tests/permissions/leaky_urls.py) is caught as
undeclared, and once declared with the usual expectations the checker reports what it leaks."""

from dataclasses import replace

import pytest
from django.test import override_settings

from .declarations import ANY_ROLE, EXCLUDED, ROUTES, SETTINGS, STORE_OBJECT, STORE_POST, A
from .matrix import Route, coverage_problems, walk

LEAKY = "tests.permissions.leaky_urls"

PEEK = Route("leaky:store_peek", "view store A", STORE_OBJECT, ANY_ROLE, args=A, shows=True)
RENAME = Route(
    "leaky:store_rename",
    "store.update",
    STORE_POST,
    SETTINGS,
    method="POST",
    args=A,
    data=lambda ctx: {"name": "renamed by a leak"},
    audit="store.update",
)


def added_problems(routes, urlconf=None) -> list[str]:
    """What coverage_problems() reports beyond what it reports for the real urlconf and ROUTES (so these
    guards hold on their own, whether or not the real matrix is complete at the moment)."""
    baseline = coverage_problems(ROUTES, EXCLUDED)
    return [p for p in coverage_problems(routes, EXCLUDED, urlconf) if p not in baseline]


def test_an_undeclared_url_fails_the_suite_naming_it():
    problems = added_problems(ROUTES, LEAKY)

    assert len(problems) == 2
    assert problems[0].startswith("leaky:store_peek (/leaky/<int:pk>/) is not declared")
    assert problems[1].startswith("leaky:store_rename (/leaky/<int:pk>/rename/) is not declared")
    assert added_problems([*ROUTES, PEEK, RENAME], LEAKY) == []


def test_a_declaration_of_a_url_that_no_longer_exists_fails():
    gone = replace(PEEK, name="stores:store_peek")

    assert added_problems([*ROUTES, gone]) == ["stores:store_peek is declared but no longer exists"]


def test_the_simulators_are_exempt_with_their_reason():
    demo = "tests.permissions.demo_urls"
    sandbox = [name for name, _pattern in walk(demo) if name and name.startswith("sandbox:")]

    assert "sandbox:shopee_api" in sandbox
    assert added_problems(ROUTES, demo) == []
    assert "simulators" in EXCLUDED.reason("sandbox:shopee_api", "sandbox/shopee/<path:rest>")


@override_settings(ROOT_URLCONF=LEAKY)
@pytest.mark.parametrize("persona", ["none", "other"])
def test_the_checker_reports_what_an_unscoped_page_leaks(play, persona):
    violations = play(PEEK, persona)

    assert any(f"expected {'403' if persona == 'none' else '404'}, got 200" in v for v in violations), violations
    assert any("shows store A's data" in v for v in violations), violations


@override_settings(ROOT_URLCONF=LEAKY)
def test_the_unscoped_page_still_works_for_those_who_may_see_it(play):
    assert play(PEEK, "this") == []


@override_settings(ROOT_URLCONF=LEAKY)
def test_the_checker_reports_an_unscoped_unaudited_write(play, world):
    from stores.models import Store

    refused = play(RENAME, "other")
    assert any("expected 404, got 302" in v for v in refused), refused
    assert any("yet it changed the database (stores.Store)" in v for v in refused), refused
    assert Store.objects.get(pk=world.store_a.pk).name == "renamed by a leak"


@override_settings(ROOT_URLCONF=LEAKY)
def test_the_checker_reports_an_allowed_write_without_its_audit_event(play):
    violations = play(RENAME, "this")

    assert violations == ["leaky:store_rename:POST as this: expected exactly one 'store.update' audit event, got 0"]
