"""The permission matrix machinery: outcomes, personas, declarations, the URL walk and the checker.

A `Route` declares one named URL exercised with one HTTP method: how to build its arguments and data
from the per-test world, the action it stands for, the audit event it writes, and the `Outcome`
expected for each of the six personas. `check()` plays one (route, persona) pair with the Django test
client and returns the violations it saw (an empty list when the route behaves as declared), so the
same checker serves the matrix and the guard test that proves the matrix can fail.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

PERSONAS = ("anonymous", "no_2fa", "none", "other", "this", "super", "lacks", "allstore", "djstaff", "manager")
# Personas with no right at all on store A: nothing of A may appear in anything they are shown.
OUTSIDERS = ("anonymous", "none", "other", "djstaff")
INSIDERS = ("this", "super", "allstore")
SIGNED_OUT = ("anonymous",)
# Every HTTP method the matrix sends to every named URL (guarantee c of issue 8).
METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


# ---------------------------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Outcome:
    """What a persona must get back. `allowed` means the action happens: a mutation writes its audit
    event and changes the database, a read may show store A's data. `to` names the page a redirect
    must lead to (its path is compared as a prefix); "offsite" means an absolute URL elsewhere."""

    label: str
    status: tuple[int, ...]
    allowed: bool = False
    to: str | None = None

    def problems(self, response) -> list[str]:
        if response.status_code not in self.status:
            where = f" → {response.get('Location')}" if response.status_code in (301, 302, 303) else ""
            return [f"expected {self.label}, got {response.status_code}{where}"]
        if response.status_code not in (301, 302, 303):
            return []
        location = response.get("Location", "")
        if self.to == "offsite":
            return (
                []
                if location.startswith(("http://", "https://"))
                else [f"expected an off-site redirect, got {location}"]
            )
        if self.to is not None:
            target = reverse(self.to)
            return [] if location.startswith(target) else [f"expected a redirect to {target}, got {location}"]
        gates = (reverse("accounts:login"), reverse("accounts:otp_setup"), reverse("accounts:otp_verify"))
        if location.startswith(gates):
            return [f"expected {self.label}, got a redirect to the sign-in gate {location}"]
        return []


def redirect(to: str, *, allowed: bool = False) -> Outcome:
    return Outcome(f"a redirect to {to}", (302,), allowed=allowed, to=to)


LOGIN = redirect("accounts:login")
SECOND_FACTOR = redirect("accounts:otp_setup")
API_ANONYMOUS = Outcome("401/403 (not signed in)", (401, 403))
FORBIDDEN = Outcome("403", (403,))
NOT_FOUND = Outcome("404", (404,))
INVALID = Outcome("400 (the object named in the input is out of reach)", (400,))
OK = Outcome("200", (200,), allowed=True)
CREATED = Outcome("201", (201,), allowed=True)
ACCEPTED = Outcome("202", (202,), allowed=True)
NO_CONTENT = Outcome("204", (204,), allowed=True)
DONE = Outcome("a redirect after doing it", (302,), allowed=True)
REFUSED = Outcome("a redirect with a refusal message (nothing done)", (302,))
OFFSITE = Outcome("a redirect to the platform", (302,), allowed=True, to="offsite")
FORM_ERROR = Outcome("the form again with its errors (nothing done)", (200, 400))


@dataclass(frozen=True)
class Personas:
    """The expected outcome for each persona (see PERSONAS).

    The three personas of issue 8 default to what the route's other outcomes imply (a declaration names
    them only where that default is wrong):
    - `lacks`: a binding on the route's store whose role lacks the route's permissions, plus the route's
      role on store B. For a route that any right in the store opens (`needs` is ANY_ROLE) they are
      "this store"; otherwise they are refused like "other store" (any refusal: 400, 403, 404, or
      the refusal "other store" gets), since holding another right in A must not open the route there;
    - `allstore`: the route's role bound on all stores, not the super admin role: "this store";
    - `djstaff`: Django's `is_staff` flag and no binding: "no permission" (the flag opens nothing of ours);
    - `manager`: a department manager with no binding, whose department holds A's applicant (the manager persona
      of the "Managers" issue): "no permission", except where a declaration names what they may read.
    """

    anonymous: Outcome
    no_2fa: Outcome
    none: Outcome
    other: Outcome
    this: Outcome
    super: Outcome
    lacks: Outcome | None = None
    allstore: Outcome | None = None
    djstaff: Outcome | None = None
    manager: Outcome | None = None

    def of(self, persona: str, *, any_right: bool = False) -> Outcome:
        declared = getattr(self, persona)
        if declared is not None:
            return declared
        if persona in ("djstaff", "manager"):
            return self.none
        if persona == "allstore":
            return self.this
        # lacks
        if any_right or self.other.allowed:
            return self.this if any_right else self.other
        statuses = tuple(sorted({*self.other.status, 400, 403, 404}))
        return Outcome(
            f"a refusal like an outsider's ({self.other.label}, 400, 403 or 404)", statuses, to=self.other.to
        )


def page(
    *,
    none: Outcome = FORBIDDEN,
    other: Outcome = NOT_FOUND,
    this: Outcome = OK,
    super: Outcome | None = None,
    anonymous: Outcome = LOGIN,
    no_2fa: Outcome = SECOND_FACTOR,
) -> Personas:
    """A console page: sign-in first, the second-factor gate for admins, then the scope."""
    return Personas(
        anonymous=anonymous, no_2fa=no_2fa, none=none, other=other, this=this, super=this if super is None else super
    )


def api(
    *,
    none: Outcome = FORBIDDEN,
    other: Outcome = NOT_FOUND,
    this: Outcome = OK,
    super: Outcome | None = None,
    anonymous: Outcome = API_ANONYMOUS,
    no_2fa: Outcome = FORBIDDEN,
) -> Personas:
    """An API endpoint: 401/403 without a session, 403 for admins who skipped the second factor."""
    return Personas(
        anonymous=anonymous, no_2fa=no_2fa, none=none, other=other, this=this, super=this if super is None else super
    )


def everyone(outcome: Outcome) -> Personas:
    return Personas(*([outcome] * len(PERSONAS)))


ANY_RIGHT = frozenset({"orders_view"})  # a route's `needs` when any right in the store opens it


# ---------------------------------------------------------------------------------------------- declarations


@dataclass
class Ctx:
    """What a declaration's builders see: the world, the persona playing and their client."""

    world: Any
    persona: str
    user: Any
    client: Any
    route: Route

    @property
    def store(self):
        return self.world.store(self.route.where)


def no_args(ctx: Ctx) -> list:
    return []


@dataclass(frozen=True)
class Route:
    """One named URL × one HTTP method, declared for the matrix.

    - `action`: what it represents, in words or as its audit action;
    - `needs`: the permissions of the role the "this store" persona (and, on store B, the "other
      store" persona) holds — the least that the action needs, or what a store-level person would
      hold when only a super admin may act;
    - `where`: the store the route's objects live in ("a": the Shopee store A, "z": A's Ozon store);
    - `args`, `data`, `query`: builders from the context; `prepare` runs after sign-in, before counting;
    - `audit`: the event an allowed call writes exactly once (`side_audit`: other actions it may add);
      `changes`: whether an allowed call changes the database (a refused one never does);
      `preview`: a POST that only shows what would happen (it must write nothing, for anyone);
    - `shows`: an allowed answer to "this store" and super admin (or to the personas named) contains
      store A's marker;
      `lists`: an allowed answer to "other store" contains store B's marker (their own rows are there).
    """

    name: str
    action: str
    expect: Personas
    needs: frozenset[str]
    method: str = "GET"
    where: str = "a"
    args: Callable[[Ctx], list] = no_args
    data: Callable[[Ctx], dict] | None = None
    query: Callable[[Ctx], dict] | None = None
    prepare: Callable[[Ctx], None] | None = None
    audit: str | None = None
    side_audit: tuple[str, ...] = ()
    changes: bool = True
    shows: bool | tuple[str, ...] = False
    lists: bool = False
    preview: bool = False
    json: bool = False
    simulator: bool = False
    variant: str = ""
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.name}:{self.method}" + (f":{self.variant}" if self.variant else "")


# ---------------------------------------------------------------------------------------------- the URL walk


def walk(urlconf=None) -> Iterator[tuple[str | None, str]]:
    """(qualified name or None, pattern) of every URL pattern, namespaces joined with ":"."""

    def _walk(patterns, namespace: str, prefix: str):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from _walk(entry.url_patterns, inner, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield (f"{namespace}{entry.name}" if entry.name else None), prefix + str(entry.pattern)

    yield from _walk(get_resolver(urlconf).url_patterns, "", "")


@dataclass(frozen=True)
class Exclusions:
    """URLs outside the matrix, each with its reason: whole namespaces and single names."""

    namespaces: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def reason(self, name: str | None, pattern: str) -> str | None:
        if name is None:
            return next((why for ns, why in self.namespaces.items() if pattern.startswith(f"{ns}/")), None)
        if name in self.names:
            return self.names[name]
        namespace = name.split(":", 1)[0] if ":" in name else None
        return self.namespaces.get(namespace)


def coverage_problems(routes, exclusions: Exclusions, urlconf=None) -> list[str]:
    """Named URLs without a declaration, unnamed URLs (which cannot be declared), and declarations
    of URLs that no longer exist."""
    problems = []
    declared = {r.name for r in routes}
    present = set()
    for name, pattern in walk(urlconf):
        if exclusions.reason(name, pattern):
            continue
        if name is None:
            problems.append(f"unnamed URL /{pattern}: give it a name and declare it in tests/permissions/")
            continue
        present.add(name)
        if name not in declared:
            problems.append(
                f"{name} (/{pattern}) is not declared in the permission matrix (tests/permissions/declarations.py)"
            )
    problems.extend(f"{name} is declared but no longer exists" for name in sorted(declared - present))
    return problems


# ---------------------------------------------------------------------------------------------- the checker


def body_of(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", errors="replace")


def _json(response, body: str):
    if not response.get("Content-Type", "").startswith("application/json"):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


PERSON_KEYS = {
    "staff",
    "requested_by",
    "granted_by",
    "revoked_by",
    "decided_by",
    "manager",
    "primary_owner",
    "backup_owner",
    "actor",
    "authorized_by",
    "saved_by",
}


def json_leaks(data, store_ids: set[int], staff_ids: set[int] = frozenset()) -> list[str]:
    """Store A's ids in JSON: a store as a "store"/"store_id" value or a key of a "stores" mapping, and
    people who work only in A as the value of a key naming a person."""
    found = []
    store_keys = {str(i) for i in store_ids}

    def visit(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("store", "store_id") and isinstance(value, int) and value in store_ids:
                    found.append(f"{path}.{key} = {value}")
                if key in PERSON_KEYS and isinstance(value, int) and value in staff_ids:
                    found.append(f"{path}.{key} = {value} (someone who works only in A)")
                if key == "stores" and isinstance(value, dict):
                    found.extend(f"{path}.stores[{k}]" for k in value if str(k) in store_keys)
                visit(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                visit(value, f"{path}[{i}]")

    visit(data, "$")
    return found


def send(route: Route, ctx: Ctx, url: str):
    client = ctx.client
    data = route.data(ctx) if route.data else None
    if route.query:
        url = f"{url}?{_urlencode(route.query(ctx))}"
    method = getattr(client, route.method.lower())
    if route.method == "GET":
        return method(url)
    if route.json:
        return method(url, data=json.dumps(data or {}), content_type="application/json")
    if route.method == "POST":
        return method(url, data=data or {})
    raise ValueError(f"{route.id}: pages take GET or POST; send other methods as JSON (json=True)")


def _urlencode(values: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(values)


def check(route: Route, persona: str, ctx: Ctx, *, db_state: Callable[[], Any], audit_model) -> list[str]:
    """Play the route as the persona (already signed in on ctx.client) and list what went wrong."""
    expected = route.expect.of(persona, any_right=route.needs == ANY_RIGHT)
    if route.prepare:
        route.prepare(ctx)
    url = reverse(route.name, args=route.args(ctx))
    state = db_state()
    last_event = audit_model.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = send(route, ctx, url)

    problems = expected.problems(response)
    body = body_of(response)
    world = ctx.world
    if persona in OUTSIDERS or (persona in ("lacks", "manager") and not expected.allowed):
        if world.marker in body:
            problems.append(f"the answer shows store A's data ({world.marker!r}) to a person who may not see it")
        problems.extend(
            f"the answer names store A: {leak}"
            for leak in json_leaks(_json(response, body), world.a_side_store_ids, world.a_side_staff_ids)
        )
    showing = INSIDERS if route.shows is True else (route.shows or ())
    if persona in showing and expected.allowed and response.status_code == 200:
        if world.marker not in body:
            problems.append(f"the answer should show store A's data ({world.marker!r}) but does not")
    if persona == "other" and route.lists and expected.allowed and response.status_code == 200:
        if world.other_marker not in body:
            problems.append(f"the answer should show the viewer's own store B ({world.other_marker!r}) but does not")

    events = list(audit_model.objects.filter(id__gt=last_event).values("action", "actor_id", "after"))
    actions = Counter(e["action"] for e in events if e["action"] != DENIED)
    problems.extend(_audit_problems(route, expected, actions))
    problems.extend(_actor_problems(persona, ctx.user, events))
    problems.extend(_denied_problems(route, persona, expected, response, events))
    after = db_state()  # reads and refusals change nothing; allowed writes change something
    changed = sorted(table for table in after if after[table] != state.get(table))
    writes = expected.allowed and route.audit is not None
    if writes and route.changes and not changed:
        problems.append("the call was allowed but changed nothing in the database")
    if not writes and changed:
        problems.append(f"the call should change nothing, yet it changed the database ({', '.join(changed)})")
    return [f"{route.id} as {persona}: {p}" for p in problems]


def _audit_problems(route: Route, expected: Outcome, actions: Counter) -> list[str]:
    if route.audit is None:
        return [f"unexpected audit events {dict(actions)} from a call that should not write any"] if actions else []
    if expected.allowed:
        problems = []
        if actions[route.audit] != 1:
            problems.append(f"expected exactly one {route.audit!r} audit event, got {actions[route.audit]}")
        others = {a: n for a, n in actions.items() if a != route.audit and a not in route.side_audit}
        if others:
            problems.append(f"unexpected audit events besides {route.audit!r}: {others}")
        return problems
    return [f"a refused call wrote audit events {dict(actions)}"] if actions else []


DENIED = "denied"  # the audit action of a refused mutating request (issue 8, guarantee b)


def _actor_problems(persona: str, user, events: list[dict]) -> list[str]:
    """Guarantee a: every audit event a signed-in persona's call causes is credited to them."""
    if user is None:
        return []
    wrong = sorted({(e["action"], e["actor_id"]) for e in events if e["actor_id"] != user.pk}, key=str)
    return [f"audit event {action!r} credited to {actor!r}, not to the persona ({user.pk})" for action, actor in wrong]


def _denied_problems(route: Route, persona: str, expected: Outcome, response, events: list[dict]) -> list[str]:
    """Guarantee b: a refused mutating request (403 or 404 on a write) by a signed-in person writes exactly
    one `denied` event naming the URL and the method; nothing else writes one. (Each case starts with
    the coalescing state cleared, so a refusal is never swallowed by an earlier case's.)"""
    denied = [e for e in events if e["action"] == DENIED]
    if persona in SIGNED_OUT:
        return [f"{len(denied)} denied events for one anonymous refusal"] if len(denied) > 1 else []
    refused_write = route.method not in SAFE_METHODS and response.status_code in (403, 404)
    if not refused_write:
        return (
            [f"a {response.status_code} answer wrote {len(denied)} denied event(s)"]
            if denied and expected.allowed
            else []
        )
    if len(denied) != 1:
        return [f"a refused {route.method} ({response.status_code}) wrote {len(denied)} denied events, expected one"]
    after = denied[0]["after"] or {}
    problems = []
    if after.get("url_name") != route.name:
        problems.append(f"the denied event names the URL {after.get('url_name')!r}, expected {route.name!r}")
    if after.get("method") != route.method:
        problems.append(f"the denied event names the method {after.get('method')!r}, expected {route.method!r}")
    return problems


def declaration_problems(routes) -> list[str]:
    """Declarations that could not check what they claim."""
    problems = []
    seen = Counter(r.id for r in routes)
    problems.extend(f"{rid} is declared {n} times (give variants a `variant`)" for rid, n in seen.items() if n > 1)
    for r in routes:
        if r.method != "GET" and r.audit is None and not r.preview:
            problems.append(f"{r.id}: a mutating call must name the audit event it writes (or be a preview)")
        if not isinstance(r.expect, Personas) or any(
            not isinstance(r.expect.of(f.name, any_right=r.needs == ANY_RIGHT), Outcome) for f in fields(Personas)
        ):
            problems.append(f"{r.id}: every persona needs an Outcome")
    return problems
