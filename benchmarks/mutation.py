"""Mutation testing of the security core: does the suite notice when a rule is broken?

A small tool of the project's own, on `ast`: for each module below (optionally only some of its functions)
it makes one mutant per change an operator can make — a comparison flipped, `and`/`or` swapped, one
operand of a boolean dropped, a `not` removed, an `if` made always or never true, a computed return
replaced by None, a string dropped from a literal tuple or a key from a dict, a keyword argument dropped
from a call, a call statement removed — and runs, for each mutant, only the tests that exercise that
module (MODULES below, the permission matrix included), with `-x`, on its own copy of the tree and its own
test database. A mutant is killed when a test fails (or the run exceeds --timeout), survived otherwise.

It prints killed / survived per module and each survivor (file:line, function, the mutation); survivors
listed in EQUIVALENT (with the reason each changes nothing reachable) are reported apart, and the score is
killed / (mutants − equivalent).

    .venv/bin/python benchmarks/mutation.py                 # every module, from the committed HEAD
    .venv/bin/python benchmarks/mutation.py --module audit/chain.py --list   # the mutants only
    .venv/bin/python benchmarks/mutation.py --tree          # the working tree as it is (uncommitted work)

Environment: DATABASE_URL / TEST_REDIS_URL as for bin/test (the script's runs use test databases named
after DATABASE_URL's plus "_mut", created once and reused with --reuse-db); tests that fail without any
mutation are recorded first and left out of the mutant runs (named in the output).

Bounded for a 2-core machine: one mutant at a time by default (--jobs 2 for two), each run is
`pytest -x -p no:cacheprovider --reuse-db` over its module's tests, fastest and most targeted first, with a
per-mutant timeout; bytecode caching is off so a mutant is never run from a stale .pyc.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"

MATRIX = "tests/permissions/test_matrix.py::test_matrix"
REFUSAL_FUNCTIONS = (
    "_grant_refusal",
    "_exception_refusal",
    "_target_invalid",
    "_working",
    "_works_in",
    "_permanent_super_admins",
    "_approval_refusal",
)

# module → (functions to mutate or None for all, the tests that exercise it, fastest and most targeted first)
MODULES: dict[str, tuple[tuple[str, ...] | None, tuple[str, ...]]] = {
    "core/permissions.py": (
        ("PermissionSet", "permissions_of", "has_store_perm", "_store_id_of"),
        ("tests/rbac/test_permission_edges.py", "tests/rbac/test_permissions.py", MATRIX),
    ),
    "core/models.py": (
        ("restrict", "permission_for", "store_q"),
        ("tests/rbac/test_permission_edges.py", "tests/rbac/test_selectors.py", MATRIX),
    ),
    "rbac/permissions.py": (
        ("roles_with", "load_permissions", "_sql"),
        (
            "tests/rbac/test_permission_edges.py",
            "tests/rbac/test_permissions.py",
            "tests/rbac/test_guardian_agreement.py",
            MATRIX,
        ),
    ),
    "rbac/backends.py": (
        None,
        (
            "tests/rbac/test_permission_edges.py",
            "tests/rbac/test_permissions.py",
            "tests/rbac/test_guardian_agreement.py",
        ),
    ),
    "audit/chain.py": (None, ("tests/audit/test_chain_tamper.py", "tests/audit/test_append_only.py")),
    "audit/services.py": (
        ("record", "verify_chain"),
        (
            "tests/audit/test_record.py",
            "tests/audit/test_chain_tamper.py",
            "tests/audit/test_append_only.py",
            "tests/audit",
            "tests/core/test_actor.py",
            "tests/rbac/test_audit.py",
        ),
    ),
    "core/middleware.py": (
        ("client_ip", "AuditActorMiddleware", "needs_second_factor", "SecondFactorRequiredMiddleware"),
        (
            "tests/core",
            "tests/rbac/test_permission_edges.py",
            "tests/accounts",
            MATRIX,
        ),
    ),
    "rbac/services/common.py": (
        REFUSAL_FUNCTIONS,
        ("tests/rbac/test_refusals.py", "tests/rbac/test_services.py", "tests/rbac/test_api.py"),
    ),
    "rbac/services/approvals.py": (
        REFUSAL_FUNCTIONS,
        ("tests/rbac/test_refusals.py", "tests/rbac/test_services.py", "tests/rbac/test_api.py"),
    ),
}

_STORE_Q = "not relations and len(cls.store_lookups) == 1 and ('__' not in cls...."

# Survivors that change nothing reachable: (module, function, mutation) → why. Quoted in the closing note.
EQUIVALENT: dict[tuple[str, str, str], str] = {
    (
        "audit/chain.py",
        "canonical",
        "drop the operand value is not None of name == 'created_at' and value is not None",
    ): "created_at is never None: record() and record_many() always set it and the column is NOT NULL, so the "
    "guard only protects a call nobody makes",
    ("audit/chain.py", "canonical", "drop default= from dumps(...)"): "every hashed value is JSON-native when it "
    "is hashed (created_at is made an ISO string first, before/after went through audit.services._value, the other "
    "fields are str/int/None), so the fallback serialiser is never called",
    ("rbac/services/common.py", "_exception_refusal", "if rights.super_admin → if False"): "the early return only "
    "saves two lookups: PermissionSet.has() answers True for a super admin, so the two checks below it pass anyway",
    ("rbac/services/common.py", "_permanent_super_admins", "drop staff_id__in= from exclude(...)"): "its only "
    "caller with exclude_staff is offboarding, which then revokes the person's bindings through "
    "bindings_bulk_revoke_plan; that plan excludes the super-admin binding itself and refuses with the same "
    "message, so the last bound super admin is still kept (the superuser half, which no revocation would catch, "
    "keeps its exclusion and is killed by test_the_last_django_superuser_cannot_be_offboarded)",
    ("rbac/services/common.py", "_permanent_super_admins", "drop flat= from values_list(...)"): "(the bound half) "
    "revocation only tests the set for emptiness, which tuples do not change; offboarding's membership test then "
    "misses a bound super admin, but its revoke plan refuses the last super-admin binding with the same message "
    "(the superuser half's flat= is killed by test_the_last_django_superuser_cannot_be_offboarded)",
    ("rbac/services/common.py", "_permanent_super_admins", "drop store__isnull= from filter(...)"): "a "
    "super-admin role bound to one store cannot be made: every way in (grants, requests, approvals, bootstrap) "
    "refuses it in _target_invalid, so the live super-admin bindings are exactly the all-store ones (a database "
    "CheckConstraint would make this certain)",
    ("rbac/services/approvals.py", "_approval_refusal", "if req.role_id not in codes → if True"): "a memo: the "
    "role's codes are computed again instead of reused, the same frozenset either way",
    ("rbac/backends.py", "<module>", "drop 'StoreRoleBackend' from ['StoreRoleBackend', 'has_store_perm']"): "__all__ "
    "only shapes `from rbac.backends import *`, which nothing does (settings name the class by its dotted path)",
    ("rbac/backends.py", "<module>", "drop 'has_store_perm' from ['StoreRoleBackend', 'has_store_perm']"): "__all__ "
    "only shapes `from rbac.backends import *`, which nothing does",
    ("rbac/backends.py", "StoreRoleBackend.get_all_permissions", "if not user_obj.is_active → if False"): "a "
    "shortcut: permissions_of() already answers EMPTY for an inactive account, so the set below is empty too",
    (
        "rbac/backends.py",
        "StoreRoleBackend.has_module_perms",
        "drop the operand not user_obj.is_active of app_label != APP_LABEL or not user_obj.is_active",
    ): "a shortcut: permissions_of() answers EMPTY for an inactive account, so the answer below is False too",
    ("rbac/backends.py", "StoreRoleBackend.has_perm", "return True → return False"): "Staff.has_perm answers store "
    "permissions without backend dispatch; through Django's backend loop a live right declined here is granted by "
    "guardian's backend, which holds the same live rights (kept in step in the granting transaction); only the "
    "refusal (PermissionDenied, killed by the expired-binding test) differs from guardian",
    # core/models.py — restrict() and store_q(): the fast path is a plan, not an answer.
    ("core/models.py", "RestrictedQuerySet.restrict", "if not stores → if False"): "a shortcut: an empty store "
    "set goes on to store_q, whose `any_of` of no ids (or `pk__in` over no stores) matches no row, the same empty "
    "answer as .none()",
    ("core/models.py", "RestrictedQuerySet.restrict", "drop viewer= from store_q(...)"): "store_q takes viewer "
    "for relations that might need it; neither store_q nor any registered relation reads it",
    ("core/models.py", "RestrictedModel.store_q", f"if {_STORE_Q} → if False"): "the fast path (one column "
    "compared with the ids) and the general one (a pk subquery per lookup) select the same rows; only the plan "
    "differs",
    ("core/models.py", "RestrictedModel.store_q", f"drop the operand not relations of {_STORE_Q}"): "the one "
    "model with registered relations (Staff) has no store lookup, so len(...) == 1 already keeps it off the fast "
    "path",
    (
        "core/models.py",
        "RestrictedModel.store_q",
        f"drop the operand len(cls.store_lookups) == 1 of {_STORE_Q}",
    ): "every model without relations has exactly one store lookup (and Staff, with none, stops at `not relations`)",
    (
        "core/models.py",
        "RestrictedModel.store_q",
        f"drop the operand '__' not in cls.store_lookups[0] of {_STORE_Q}",
    ): "the one lookup through a relation (order lines: order__store) follows foreign keys only, so the direct "
    "join matches each row once, the same rows as the pk subquery",
    ("core/models.py", "RestrictedModel.store_q", "drop pk__in= from Q(...)"): "line 121, the OR's empty start: every "
    "model on the general path has a store lookup or a registered relation (Staff), so OR-ing them onto Q() or onto "
    "Q(pk__in=[]) gives the same rows (line 123's mutant of the same name is killed by the order-lines test)",
    ("core/models.py", "RestrictedModel.store_q", "not relations → relations"): "every model then takes the general "
    "path (Staff already does), which selects the same rows",
    ("core/models.py", "RestrictedModel.store_q", "len(cls.store_lookups) == 1 → len(cls.store_lookups) != 1"): "every "
    "model then takes the general path, which selects the same rows",
    (
        "core/models.py",
        "RestrictedModel.store_q",
        "'__' not in cls.store_lookups[0] → '__' in cls.store_lookups[0]",
    ): "only order lines take the fast path (a join over foreign keys, the same rows) and the others the general one",
    # core/middleware.py
    (
        "core/middleware.py",
        "client_ip",
        "drop the operand not networks of not networks or not forwarded or (not _trusted(_parse_ip(remote or ...",
    ): "with no proxies configured no address is trusted, so `not _trusted(...)` already answers REMOTE_ADDR",
    (
        "core/middleware.py",
        "client_ip",
        "drop the operand not forwarded of not networks or not forwarded or (not _trusted(_parse_ip(remote or ...",
    ): "an empty header is one empty hop, which does not parse, so the walk answers REMOTE_ADDR all the same",
    (
        "core/middleware.py",
        "needs_second_factor",
        "drop the operand user.is_superuser of user.is_superuser or user.is_staff or permissions_of(user).is_admin",
    ): "a Django superuser's PermissionSet is super admin (load_permissions), so is_admin holds for them anyway; an "
    "inactive one is never the request's user",
    (
        "core/middleware.py",
        "SecondFactorRequiredMiddleware.__call__",
        "drop the operand not getattr(request, 'second_factor_via_token', False) of user.is_authenticated and "
        "(not second_factor_exempt(request.path)) ...",
    ): "DRF authenticates a token inside the view, after every middleware: the flag is never set when this runs (a "
    "token request arrives anonymous and is let through by is_authenticated); it counts in "
    "core.api.permissions.SignedInWithSecondFactor, where tests/core/test_second_factor_gate.py sees a token taken "
    "and an unverified session refused",
    # core/permissions.py
    (
        "core/permissions.py",
        "permissions_of",
        "drop the operand not getattr(user, 'is_authenticated', False) of user is None or not getattr(user, "
        "'is_authenticated', False) or (no...",
    ): "Django's AnonymousUser is also inactive (is_active False), so `not user.is_active` answers EMPTY for it; "
    "every authenticated user object is a Staff row",
    (
        "core/permissions.py",
        "permissions_of",
        "drop the operand user is None of user is None or not getattr(user, 'is_authenticated', False) or (no...",
    ): "getattr(None, 'is_authenticated', False) is False, so the next operand answers EMPTY for None",
    (
        "core/permissions.py",
        "PermissionSet.has",
        "self.per_store.get(store_id) if store_id is not None else None → always self.per_store.get(store_id)",
    ): "per_store never holds a None key: the loader puts all-store bindings in `everywhere`, and an exception "
    "grant or an owned store always names a store (NOT NULL), so per_store.get(None) is None as well",
    (
        "core/permissions.py",
        "has_store_perm",
        "drop the operand user.__dict__.get('_shopcrew_perms') of user.__dict__.get('_shopcrew_perms') or "
        "permissions_of(user)",
    ): "a shortcut: for the active user who gets this far, permissions_of returns the very set cached in the same "
    "attribute",
    (
        "core/permissions.py",
        "PermissionSet.is_admin",
        "drop the operand self.super_admin of self.super_admin or self.has_anywhere('users_manage')",
    ): "has_anywhere() answers True for a super admin before anything else",
    (
        "core/permissions.py",
        "has_store_perm",
        "drop the operand perms.super_admin of perms.super_admin or perm[_PREFIX_LEN:] in perms.everywhere",
    ): "a super admin bound to the super-admin role holds every store codename in `everywhere` (_load_map gives "
    "that role all of them); a Django superuser is answered True by Staff.has_perm before this is called",
    # rbac/permissions.py
    ("rbac/permissions.py", "_sql", "if _SQL is None → if True"): "a cache: the SQL is built again, the same string",
    ("rbac/permissions.py", "load_permissions", "if code → if True"): "an exception grant names a store "
    "permission (checked when it is granted), whose codename the role map always holds, so code is never empty",
    (
        "rbac/permissions.py",
        "load_permissions",
        "drop the operand user is None of user is None or not getattr(user, 'is_authenticated', False) or (no...",
    ): "every direct caller passes a Staff row; the request's user (possibly None or anonymous) comes through "
    "core.permissions.permissions_of, which answers EMPTY for them before calling the loader",
    (
        "rbac/permissions.py",
        "load_permissions",
        "drop the operand not getattr(user, 'is_authenticated', False) of user is None or not getattr(user, "
        "'is_authenticated', False) or (no...",
    ): "a Staff row is always authenticated; an anonymous user reaches the loader only through permissions_of, which "
    "answers EMPTY first",
    (
        "rbac/permissions.py",
        "RoleMap.roles_with",
        "drop the operand rid in self.super_roles of codename in codes or rid in self.super_roles",
    ): "_load_map gives a super-admin role every store codename, so `codename in codes` holds for it already; the "
    "operand differs only for a codename outside the catalogue, which no caller asks about",
}


# ---------------------------------------------------------------------------------------------- operators

FLIP = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.LtE: ast.Gt,
    ast.Gt: ast.LtE,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
QUIET_CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "warning", "info", "debug", "exception", "error"}


@dataclass(frozen=True)
class Mutant:
    module: str
    function: str
    line: int
    description: str
    index: int  # which node of the walk (to re-find it in a fresh tree)
    variant: int  # which change to that node

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.module, self.function, self.description)


def _src(node) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 70 else text[:67] + "..."


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _changes(node) -> list[tuple[str, callable]]:
    """(description, apply(node) → replacement node) for every mutation of this node."""
    out = []
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in FLIP:
        new_op = FLIP[type(node.ops[0])]()

        def flip(n, op=new_op):
            return ast.Compare(left=n.left, ops=[op], comparators=n.comparators)

        out.append((f"{_src(node)} → {_src(flip(copy.deepcopy(node)))}", flip))
    elif isinstance(node, ast.BoolOp):
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        out.append(
            (
                f"{_src(node)}: {type(node.op).__name__.lower()} → {type(other).__name__.lower()}",
                lambda n, o=other: ast.BoolOp(op=o, values=n.values),
            )
        )
        for i, value in enumerate(node.values):

            def drop(n, i=i):
                rest = [v for j, v in enumerate(n.values) if j != i]
                return rest[0] if len(rest) == 1 else ast.BoolOp(op=n.op, values=rest)

            out.append((f"drop the operand {_src(value)} of {_src(node)}", drop))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        out.append((f"{_src(node)} → {_src(node.operand)}", lambda n: n.operand))
    elif isinstance(node, ast.If):
        test = _src(node.test)
        out.append((f"if {test} → if True", lambda n: ast.If(test=ast.Constant(True), body=n.body, orelse=n.orelse)))
        out.append((f"if {test} → if False", lambda n: ast.If(test=ast.Constant(False), body=n.body, orelse=n.orelse)))
    elif isinstance(node, ast.IfExp):
        out.append((f"{_src(node)} → always {_src(node.body)}", lambda n: n.body))
        out.append((f"{_src(node)} → always {_src(node.orelse)}", lambda n: n.orelse))
    elif isinstance(node, ast.Return) and node.value is not None and not isinstance(node.value, ast.Constant):
        out.append((f"return {_src(node.value)} → return None", lambda n: ast.Return(value=ast.Constant(None))))
    elif isinstance(node, ast.Return) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, bool):
        out.append(
            (
                f"return {node.value.value} → return {not node.value.value}",
                lambda n: ast.Return(value=ast.Constant(not n.value.value)),
            )
        )
    elif (
        isinstance(node, (ast.Tuple, ast.List, ast.Set))
        and len(node.elts) >= 2
        and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
    ):
        for i, elt in enumerate(node.elts):
            out.append(
                (
                    f"drop {elt.value!r} from {_src(node)}",
                    lambda n, i=i: (
                        type(n)(elts=[e for j, e in enumerate(n.elts) if j != i], ctx=n.ctx)
                        if not isinstance(n, ast.Set)
                        else ast.Set(elts=[e for j, e in enumerate(n.elts) if j != i])
                    ),
                )
            )
    elif isinstance(node, ast.Dict) and len(node.keys) >= 1 and all(k is not None for k in node.keys):
        for i, key in enumerate(node.keys):
            out.append(
                (
                    f"drop the key {_src(key)} from the dict",
                    lambda n, i=i: ast.Dict(
                        keys=[k for j, k in enumerate(n.keys) if j != i],
                        values=[v for j, v in enumerate(n.values) if j != i],
                    ),
                )
            )
    elif isinstance(node, ast.Call) and node.keywords and _call_name(node) not in QUIET_CALLS:
        for i, kw in enumerate(node.keywords):
            if kw.arg is None:
                continue
            out.append(
                (
                    f"drop {kw.arg}= from {_call_name(node)}(...)",
                    lambda n, i=i: ast.Call(
                        func=n.func, args=n.args, keywords=[k for j, k in enumerate(n.keywords) if j != i]
                    ),
                )
            )
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and _call_name(node.value) not in QUIET_CALLS:
        out.append((f"remove the call {_src(node.value)}", lambda n: ast.Pass()))
    return out


def _functions(tree) -> dict[int, str]:
    """id(node) → qualified name of the function (or "<module>") holding it."""
    owner: dict[int, str] = {}

    def visit(node, name):
        for child in ast.iter_child_nodes(node):
            inner = name
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = child.name if name == "<module>" else f"{name}.{child.name}"
            owner[id(child)] = inner
            visit(child, inner)

    visit(tree, "<module>")
    return owner


def _is_docstring(node, parents) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def _walk(tree):
    """Nodes in a stable order (the same for every parse of the same source)."""
    return [n for n in ast.walk(tree)]


def mutants_of(module: str, source: str) -> list[Mutant]:
    functions, _tests = MODULES[module]
    tree = ast.parse(source)
    owner = _functions(tree)
    found = []
    for index, node in enumerate(_walk(tree)):
        where = owner.get(id(node), "<module>")
        leaf = where.rsplit(".", 1)[-1]
        if functions is not None and leaf not in functions and where.split(".")[0] not in functions:
            continue
        if _is_docstring(node, None):
            continue
        for variant, (description, _apply) in enumerate(_changes(node)):
            found.append(Mutant(module, where, getattr(node, "lineno", 0), description, index, variant))
    return found


def mutated_source(source: str, mutant: Mutant) -> str:
    tree = ast.parse(source)
    nodes = _walk(tree)
    target = nodes[mutant.index]
    _description, apply = _changes(target)[mutant.variant]
    replacement = apply(copy.deepcopy(target))
    for parent in nodes:
        for field, value in ast.iter_fields(parent):
            if value is target:
                setattr(parent, field, replacement)
                return ast.unparse(ast.fix_missing_locations(tree))
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is target:
                        value[i] = replacement
                        return ast.unparse(ast.fix_missing_locations(tree))
    raise LookupError(mutant)


# ---------------------------------------------------------------------------------------------- running

DESELECT_PLUGIN = """
import os
def pytest_collection_modifyitems(config, items):
    path = os.environ.get("MUTATION_DESELECT")
    if not path:
        return
    skip = set(open(path).read().split())
    kept = [i for i in items if i.nodeid not in skip]
    config.hook.pytest_deselected(items=[i for i in items if i.nodeid in skip])
    items[:] = kept
"""


class Workspace:
    """A copy of the tree with its own test database, where one mutant at a time is written."""

    def __init__(self, n: int, *, tree: bool, base_url: str, redis_url: str):
        self.dir = Path(tempfile.mkdtemp(prefix=f"shopcrew-mutation-{n}-"))
        if tree:
            shutil.copytree(
                ROOT,
                self.dir,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns(".venv", "var", ".git", "__pycache__", "node_modules"),
            )
        else:
            archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(self.dir)], input=archive, check=True)
        (self.dir / "_mutation_deselect.py").write_text(DESELECT_PLUGIN)
        (self.dir / "var").mkdir(exist_ok=True)
        self.env = {
            **os.environ,
            "DATABASE_URL": f"{base_url}_mut{n}",
            "TEST_REDIS_URL": redis_url,
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": str(self.dir),
        }
        for cache in self.dir.rglob("__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)
        self.created = False

    def pytest(self, tests, *, timeout: float, deselect: Path | None, first_failure: bool = True):
        args = [
            str(PYTHON),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "_mutation_deselect",
            "--reuse-db" if self.created else "--create-db",
            "-o",
            "addopts=",
            "--tb=no",
            "-rf",
        ]
        if first_failure:
            args.append("-x")
        args += [t for t in tests]
        env = dict(self.env, MUTATION_DESELECT=str(deselect) if deselect else "")
        self.created = True
        started = time.monotonic()
        try:
            done = subprocess.run(args, cwd=self.dir, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "timeout", time.monotonic() - started, ""
        return ("passed" if done.returncode == 0 else "failed"), time.monotonic() - started, done.stdout

    def run_mutant(self, mutant: Mutant, source: str, tests, *, timeout: float, deselect: Path | None):
        path = self.dir / mutant.module
        path.write_text(mutated_source(source, mutant))
        try:
            return self.pytest(tests, timeout=timeout, deselect=deselect)
        finally:
            path.write_text(source)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def failing_ids(output: str) -> list[str]:
    return [line.split(" ", 2)[1] for line in output.splitlines() if line.startswith(("FAILED ", "ERROR "))]


def _stop(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")  # so the workspaces are removed on the way out


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", help="only these modules (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--tree", action="store_true", help="mutate the working tree's files, not HEAD's")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds per mutant run")
    parser.add_argument("--limit", type=int, default=0, help="at most this many mutants per module (0: all)")
    parser.add_argument(
        "--match", action="append", help="only mutants whose 'line [function] mutation' contains this (repeatable)"
    )
    options = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shopcrew")
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    modules = options.module or list(MODULES)

    workspaces = [Workspace(n, tree=options.tree, base_url=base_url, redis_url=redis_url) for n in range(options.jobs)]
    sources = {m: (workspaces[0].dir / m).read_text() for m in modules}
    plan = {m: mutants_of(m, sources[m]) for m in modules}
    if options.match:
        plan = {
            m: [x for x in ms if any(t in f"{x.line} [{x.function}] {x.description}" for t in options.match)]
            for m, ms in plan.items()
        }
    if options.limit:
        plan = {m: ms[: options.limit] for m, ms in plan.items()}
    if options.list:
        for module, mutants in plan.items():
            for mutant in mutants:
                print(f"{module}:{mutant.line} [{mutant.function}] {mutant.description}")
        print(f"{sum(map(len, plan.values()))} mutants")
        for ws in workspaces:
            ws.close()
        return 0

    started = time.monotonic()
    results: dict[str, list[tuple[Mutant, str, float]]] = {m: [] for m in modules}
    try:
        deselects = {}
        for module in modules:  # the unmutated run: tests failing already are left out of the mutant runs
            tests = MODULES[module][1]
            outcome, seconds, output = workspaces[0].pytest(tests, timeout=3600, deselect=None, first_failure=False)
            broken = failing_ids(output)
            path = workspaces[0].dir / f"_deselect_{module.replace('/', '_')}.txt"
            path.write_text("\n".join(broken))
            for ws in workspaces[1:]:
                shutil.copy(path, ws.dir / path.name)
            deselects[module] = path.name
            print(
                f"baseline {module}: {outcome} in {seconds:.0f}s, {len(broken)} failing already (left out)", flush=True
            )
            for nodeid in broken[:20]:
                print(f"    {nodeid}")
            if outcome == "timeout":
                print(f"    the baseline of {module} timed out", flush=True)
            if outcome == "failed" and not broken:  # the run itself broke (an import, the test database):
                print(output[-3000:], flush=True)  # every mutant would count as killed, so stop here
                raise SystemExit(f"the baseline of {module} failed before any test ran; fix the tree first")
        queue = [(m, mutant) for m in modules for mutant in plan[m]]

        def work(item, ws):
            module, mutant = item
            tests = MODULES[module][1]
            outcome, seconds, _out = ws.run_mutant(
                mutant, sources[module], tests, timeout=options.timeout, deselect=ws.dir / deselects[module]
            )
            return module, mutant, outcome, seconds

        def lane(n):  # one workspace per job, its share of the mutants one after another
            ws = workspaces[n]
            for item in queue[n :: options.jobs]:
                module, mutant, outcome, seconds = work(item, ws)
                results[module].append((mutant, outcome, seconds))
                state = "killed" if outcome in ("failed", "timeout") else "SURVIVED"
                print(
                    f"  {state:8} {seconds:5.1f}s {module}:{mutant.line} [{mutant.function}] {mutant.description}",
                    flush=True,
                )

        with ThreadPoolExecutor(max_workers=options.jobs) as pool:
            list(pool.map(lane, range(options.jobs)))
    finally:
        for ws in workspaces:
            ws.close()
    return report(results, time.monotonic() - started)


def report(results, seconds: float) -> int:
    total = killed = equivalent = 0
    survivors, equivalents = [], []
    print(f"\n{'module':32} {'mutants':>8} {'killed':>7} {'equiv.':>7} {'survived':>9}")
    for module, rows in results.items():
        k = sum(1 for _m, outcome, _s in rows if outcome != "passed")
        alive = [m for m, outcome, _s in rows if outcome == "passed"]
        eq = [m for m in alive if m.key in EQUIVALENT]
        real = [m for m in alive if m.key not in EQUIVALENT]
        total, killed, equivalent = total + len(rows), killed + k, equivalent + len(eq)
        survivors += real
        equivalents += eq
        print(f"{module:32} {len(rows):8} {k:7} {len(eq):7} {len(real):9}")
    meaningful = total - equivalent
    score = 100.0 * killed / meaningful if meaningful else 100.0
    print(
        f"\n{total} mutants, {killed} killed, {equivalent} equivalent, {len(survivors)} survived: "
        f"{score:.1f} % of non-equivalent mutants killed ({seconds / 60:.1f} min)"
    )
    if survivors:
        print("\nSurvivors:")
        for m in survivors:
            print(f"  {m.module}:{m.line} [{m.function}] {m.description}")
    if equivalents:
        print("\nEquivalent survivors (why each changes nothing reachable):")
        for m in equivalents:
            print(f"  {m.module}:{m.line} [{m.function}] {m.description}\n      {EQUIVALENT[m.key]}")
    return 0 if score >= 95.0 else 1


if __name__ == "__main__":
    sys.exit(main())
