"""Every HTTP method to every named URL (issue 8, guarantee c): a method a URL does not declare answers 405.

The declared methods of a URL are those of its routes in declarations.ROUTES plus ALSO_ACCEPTS (methods
played by other suites, each with its reason). The framework's own two follow from them:
- HEAD is GET without a body: wherever GET is declared, HEAD answers what GET answers;
- OPTIONS answers every URL with an `Allow` header naming exactly the declared methods (HEAD and OPTIONS
  implied): 200 from class-based views and DRF (View.options(), DRF's metadata), 405 from a function
  view behind require_http_methods (its 405 carries the same Allow header). Either way it reveals only
  what the URL answers; it never needs a right and never changes anything.
Undeclared methods are played by the super admin, who passes every gate (so the answer is the view's own
405, not a gate's refusal), and by an anonymous caller, who gets 405 or the sign-in gate; neither may
change anything or cause an audit event besides the `denied` event of a refused write.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from audit.models import AuditEvent

from .declarations import ALSO_ACCEPTS, ROUTES
from .matrix import METHODS, Ctx, body_of
from .world import db_state

DECLARED: dict[str, set[str]] = {}
FIRST: dict[str, object] = {}
for _route in ROUTES:
    DECLARED.setdefault(_route.name, set()).add(_route.method)
    FIRST.setdefault(_route.name, _route)
for _name, _methods in ALSO_ACCEPTS.items():
    DECLARED.setdefault(_name, set()).update(_methods)


def allowed(name: str) -> set[str]:
    """What the URL answers: its declared methods, HEAD with GET, and OPTIONS."""
    methods = DECLARED[name] | {"OPTIONS"}
    return methods | {"HEAD"} if "GET" in methods else methods


UNDECLARED = [(name, m) for name in sorted(DECLARED) for m in METHODS if m not in allowed(name)]


def send(client, method: str, url: str):
    call = getattr(client, method.lower())
    if method in ("GET", "HEAD", "OPTIONS"):
        return call(url)
    return call(url, data=json.dumps({}), content_type="application/json")


@pytest.fixture
def probe(world, client, clean_coalescing):
    """probe(name, method, persona) → (response, audit actions caused, tables changed)."""

    def _probe(name, method, persona):
        route = FIRST[name]
        person = world.persona(persona, needs=route.needs, store=world.store(route.where))
        world.sign_in(client, persona, person)
        ctx = Ctx(world=world, persona=persona, user=person, client=client, route=route)
        url = reverse(name, args=route.args(ctx))
        before, last = db_state(), AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = send(client, method, url)
        actions = list(AuditEvent.objects.filter(id__gt=last).values_list("action", flat=True))
        after = db_state()
        return response, actions, sorted(t for t in after if after[t] != before.get(t))

    return _probe


def test_every_named_url_meets_every_method():
    """Seven methods × every declared URL name: the test below covers each undeclared pair."""
    assert len(UNDECLARED) + sum(len(allowed(n) & set(METHODS)) for n in DECLARED) == len(DECLARED) * len(METHODS)


@pytest.mark.parametrize("name, method", [pytest.param(n, m, id=f"{n}:{m}") for n, m in UNDECLARED])
def test_an_undeclared_method_answers_405(probe, name, method):
    response, actions, changed = probe(name, method, "super")

    assert response.status_code == 405, f"{method} {name}: {response.status_code}"
    assert changed == [], f"{method} {name} changed {changed}"
    assert [a for a in actions if a != "denied"] == []


@pytest.mark.parametrize("name, method", [pytest.param(n, m, id=f"{n}:{m}") for n, m in UNDECLARED])
def test_an_undeclared_method_tells_a_stranger_nothing_more(probe, name, method):
    response, actions, changed = probe(name, method, "anonymous")

    assert response.status_code in (302, 401, 403, 405), f"{method} {name}: {response.status_code}"
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("accounts:login"))
    assert changed == [] and [a for a in actions if a != "denied"] == []


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_options_names_exactly_the_declared_methods(probe, name):
    response, actions, changed = probe(name, "OPTIONS", "super")

    assert response.status_code in (200, 405), f"OPTIONS {name}: {response.status_code}"
    allow = {m.strip() for m in response["Allow"].split(",") if m.strip()} | {"OPTIONS"}
    allow |= {"HEAD"} if "GET" in allow else set()
    assert allow == allowed(name), f"{name} allows {sorted(allow)}, declared {sorted(allowed(name))}"
    assert changed == [] and actions == []


@pytest.mark.parametrize("name", sorted(n for n in DECLARED if "GET" in DECLARED[n]))
def test_head_answers_what_get_answers_without_a_body(probe, name):
    get = next(r for r in ROUTES if r.name == name and r.method == "GET")
    if get.query or get.simulator:
        pytest.skip("its GET needs input built per persona (played by the matrix)")
    response, _actions, changed = probe(name, "HEAD", "super")

    assert response.status_code in get.expect.super.status, f"HEAD {name}: {response.status_code}"
    assert body_of(response) == ""
    assert changed == []
