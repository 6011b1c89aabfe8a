"""Imports point down the layers of DESIGN.md ("Parts and the direction of imports"), with no runtime dodge.

Every module of every app (migrations included for imports; tests and benchmarks are not apps) is parsed,
never imported, and each of these fails the test with the file, line and what it reached:
- an import (at module level or inside a function) of an app the importer may not use;
- `apps.get_model(...)` / `apps.get_app_config(...)` naming another app outside migrations (import the
  model from below, or reach the store model through core.stores.get_store_model());
- `import_module` / `import_string` of a literal path into an app the importer may not use;
- a ForeignKey / OneToOneField / ManyToManyField naming a model of an app the importer may not use;
- a URL name of such an app ("rbac:grid"): pages of a higher app are linked by that app (core.navigation's
  registry, an app's own templates), not named from below.

`config` wires everything together and may import anything; `sandbox` imports nothing of ours and is
imported only by config (it speaks to the console over HTTP, as the real platforms do). A new app
directory must be given its place in LAYERS before it can land.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# app → the apps it may import (DESIGN.md's arrows; core and events are open to every domain app above them)
BASE = {"core"}
LAYERS: dict[str, set[str]] = {
    "core": set(),
    "audit": BASE,
    "events": BASE,
    # The company's security policy, sign-in throttling and the security robot's announcements: below staff,
    # whose sign-in reads it.
    "security": BASE | {"audit", "events"},
    "staff": BASE | {"audit", "events", "security"},
    "stores": BASE | {"audit", "events", "security", "staff"},
    "rbac": BASE | {"audit", "events", "security", "staff", "stores"},
    "orders": BASE | {"audit", "events", "security", "staff", "stores"},
    "notifications": BASE | {"audit", "events", "security", "staff", "stores", "rbac", "orders"},
    "sop": BASE | {"audit", "events", "security", "staff", "stores", "rbac", "orders", "notifications"},
    # Ads: polled through orders' platform sessions; the board (reports) shows its figures, the digests get its
    # lines through orders.digests.register_contributor.
    "ads": BASE | {"audit", "events", "security", "staff", "stores", "rbac", "orders"},
    "reports": BASE | {"audit", "events", "security", "staff", "stores", "rbac", "orders", "sop", "ads"},
    "sandbox": set(),
}
OURS = set(LAYERS) | {"config"}
NOT_APPS = {"tests", "benchmarks", "templates", "static", "locale", "var", "bin", "docs"}
RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}
DYNAMIC_IMPORTS = {"import_module", "import_string"}
MODEL_LOOKUPS = {"get_model", "get_app_config"}
URL_NAME = re.compile(r"^([a-z_]+):[a-z_]+$")


def app_dirs() -> list[str]:
    return sorted(
        p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists() and p.name not in NOT_APPS
    )


def modules(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "__pycache__" not in p.parts)


def _top(dotted: str) -> str:
    return dotted.split(".", 1)[0]


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def reached(tree: ast.AST, *, in_migrations: bool) -> list[tuple[int, str, str]]:
    """(line, app reached, how) for every reference from this module to one of our top-level packages."""
    found: list[tuple[int, str, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, _top(a.name), f"import {a.name}") for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, _top(node.module), f"from {node.module} import …"))
        elif isinstance(node, ast.Call):
            name, first = _callee(node), _literal(node.args[0]) if node.args else None
            if name in MODEL_LOOKUPS and first and not in_migrations:
                found.append((node.lineno, first.split(".")[0], f"apps.{name}({first!r})"))
            elif name in DYNAMIC_IMPORTS and first:
                found.append((node.lineno, _top(first), f"{name}({first!r})"))
            elif name in RELATION_FIELDS and first and "." in first:
                found.append((node.lineno, first.split(".")[0], f"{name}({first!r})"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and URL_NAME.match(node.value):
            found.append((node.lineno, node.value.split(":")[0], f"URL name {node.value!r}"))
    return [(line, app, how) for line, app, how in found if app in OURS]


def violations(app: str) -> list[str]:
    allowed = LAYERS[app] | {app}
    problems = []
    for path in modules(app):
        in_migrations = "migrations" in path.relative_to(ROOT).parts
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, target, how in reached(tree, in_migrations=in_migrations):
            lookup = how.startswith("apps.")
            if (lookup and target != app) or (not lookup and target not in allowed):
                problems.append(f"{path.relative_to(ROOT)}:{line}: {app} reaches {target} ({how})")
    return problems


def test_every_app_has_a_place_in_the_layers():
    assert set(app_dirs()) - {"config"} <= set(LAYERS), "give the new app its place in LAYERS (and DESIGN.md)"


@pytest.mark.parametrize("app", [a for a in app_dirs() if a != "config"])
def test_imports_point_down_the_layers(app):
    assert violations(app) == [], (
        "move the code up, or let the higher app register itself with core (core.stores.get_store_model(), "
        "core.navigation.register, core.seeding's SEED_STEPS, a registry keyed by model rather than by its URL name)"
    )


def test_config_alone_imports_sandbox_and_only_where_it_mounts_it():
    users = {
        str(path.relative_to(ROOT))
        for path in modules("config")
        if any(target == "sandbox" for _l, target, _h in reached(ast.parse(path.read_text()), in_migrations=False))
    }
    assert users <= {"config/urls.py", "config/settings/base.py"}


def test_the_check_catches_each_kind_of_dodge():
    """The scanner itself: each spelling of an upward reach is seen, a downward import is not."""
    source = """
from stores.models import Store
import rbac.services
def later():
    from notifications import demo
apps.get_model("stores", "Store")
apps.get_model("stores.Store")
import_string("rbac.permissions.load_permissions")
owner = models.ForeignKey("rbac.Role", on_delete=models.CASCADE)
NAV = [("notifications:robot_list", "Notifications")]
from core.models import RestrictedModel
from . import sibling
"""
    hits = {(app, how.split("(")[0]) for _l, app, how in reached(ast.parse(source), in_migrations=False)}
    assert hits == {
        ("stores", "from stores.models import …"),
        ("rbac", "import rbac.services"),
        ("notifications", "from notifications import …"),
        ("stores", "apps.get_model"),
        ("rbac", "import_string"),
        ("rbac", "ForeignKey"),
        ("notifications", "URL name 'notifications:robot_list'"),
        ("core", "from core.models import …"),
    }
    assert not [a for _l, a, how in reached(ast.parse(source), in_migrations=True) if how.startswith("apps.")]
