"""Demo group robots (run by `manage.py seed_demo` through core.seeding).

Named 店名-部门-用途, with the webhook keys of the shared demo world (config/demo_world.json), which the
WeCom simulator mounted in demo mode reads too, so "Send a test message" on a robot's page lands on /sandbox/wecom/_messages/.
Created through notifications.services (encrypted key, audited); a robot whose name exists is left alone.
"""

from __future__ import annotations

from core.seeding import Seed, demo_world
from staff.models import Department

from .models import Robot
from .services import robot_create


def seed_robots(seed: Seed) -> None:
    """The demo robots that are not there yet (looked up by name, regardless of case)."""
    existing = {name.lower() for name in Robot.objects.values_list("name", flat=True)}
    departments = seed.departments or {d.name: d for d in Department.objects.all()}
    for robot in demo_world()["robots"]:
        if robot["name"].lower() in existing:
            continue
        store = seed.stores.get(robot["shop_id"]) if robot["shop_id"] else None
        if robot["shop_id"] and store is None:
            continue
        robot_create(
            actor=seed.admin,
            name=robot["name"],
            webhook_key=robot["key"],
            store=store,
            department=departments.get(robot["department"]),
        )
        seed.created("group robots")


SEED_STEPS = [seed_robots]
