"""The permission matrix: every named URL × six personas, pages and API alike (issue 3, item 6).

A named URL without a declaration fails `test_every_named_url_is_declared`, naming it; each
(route, persona) case asserts the declared outcome, that nothing of store A reaches people outside
it, and, for mutations, exactly one audit event of the declared action when allowed and no change
at all when refused.
"""

from dataclasses import replace

import pytest

from .declarations import EXCLUDED, ROUTES
from .matrix import NOT_FOUND, PERSONAS, Outcome, coverage_problems, declaration_problems


def test_every_named_url_is_declared():
    problems = coverage_problems(ROUTES, EXCLUDED)
    assert not problems, "\n".join(problems)


def test_declarations_are_well_formed():
    problems = declaration_problems(ROUTES)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("route, persona", [pytest.param(r, p, id=f"{r.id}-{p}") for r in ROUTES for p in PERSONAS])
def test_matrix(route, persona, play):
    violations = play(route, persona)
    assert not violations, "\n".join(violations)


READS = [r for r in ROUTES if r.method == "GET" or r.preview]


@pytest.mark.parametrize("route", [pytest.param(r, id=r.id) for r in READS])
def test_a_store_admin_of_another_store_learns_nothing_of_this_one(route, play):
    """Done-when of issue 3: someone holding every right on store B reads every page and endpoint with
    store A's objects in the URL and input, and sees nothing of A (objects of A stay 404)."""
    other = route.expect.other
    anything = Outcome("any answer that shows nothing of A", (200, 302, 400, 403, 404), allowed=other.allowed)
    violations = play(
        replace(route, expect=replace(route.expect, other=other if other == NOT_FOUND else anything), lists=False),
        "other",
        as_persona="b_admin",
    )
    assert not violations, "\n".join(violations)
