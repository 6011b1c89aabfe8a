"""Demo seeding (`manage.py seed_demo`): an ordered registry of steps that each app contributes, and the
demo world's shared data.

An installed app with a module `<app>/demo.py` defining `SEED_STEPS = [step, ...]` has those steps run in
INSTALLED_APPS order (which follows the layers: staff before stores before rbac …), so no app's command
imports the apps above it. A step is `step(seed: Seed) -> None`: it reads what earlier steps made from
`seed` and reports what it created with `seed.created(label, count)`.

`demo_world()` is the data the console's demo records and the platform simulators both read
(settings.SHOPCREW_DEMO_WORLD, config/demo_world.json): shop ids, the Ozon sellers' keys, the Shopee
partner, the group robots. Neither side imports the other.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import module_has_submodule


@dataclass
class Seed:
    """What the run has made or found so far, for the steps that follow: the acting admin, departments and
    positions by name, staff by username, stores by platform shop id, and the counts of what was created."""

    admin: Any = None
    departments: dict[str, Any] = field(default_factory=dict)
    positions: dict[str, Any] = field(default_factory=dict)
    staff: dict[str, Any] = field(default_factory=dict)
    stores: dict[str, Any] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)

    def created(self, label: str, count: int = 1) -> None:
        self.counts[label] += count


Step = Callable[[Seed], None]


def seed_steps() -> list[Step]:
    """Every installed app's demo.SEED_STEPS, in INSTALLED_APPS order."""
    steps: list[Step] = []
    for app_config in apps.get_app_configs():
        if module_has_submodule(app_config.module, "demo"):
            steps.extend(getattr(import_module(f"{app_config.name}.demo"), "SEED_STEPS", []))
    return steps


@cache
def _load(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def demo_world() -> dict[str, Any]:
    """The shared demo world (see the module docstring), read once per process."""
    return _load(str(settings.SHOPCREW_DEMO_WORLD))
