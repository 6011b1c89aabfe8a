"""Demo group robots and their routes (run by `manage.py seed_demo` through core.seeding).

Named 店名-部门-用途, with the webhook keys of the shared demo world (config/demo_world.json), which the
WeCom simulator mounted in demo mode reads too, so "Send a test message" on a robot's page lands on /sandbox/wecom/_messages/.
Created through notifications.services (encrypted key, audited); a robot whose name exists is left alone.
"""

from __future__ import annotations

from core.seeding import Seed, demo_world
from staff.models import Department

from .models import Robot, Route
from .services import robot_create, route_create


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


# The demo routes, by the demo robot's purpose (the last part of its name 店名-部门-用途): new orders to the
# store's 新订单 group mentioning the colleague the order went to and the store's customer service (holders of
# after_sales_operate, the 客服/售后 role); shipments to 发货; after-sales to 售后, mentioning the same people;
# digests, failing stores and waiting access requests to the company's 日报 group (requests mention their
# approvers); the security robot's messages (lockouts and unlocks, administrators from a new address or browser,
# grants approved alone, audit checkpoints) to the company's 安全 group. A robot of a store routes that store; a
# company-wide robot every store.
DEMO_ROUTES = {
    "新订单": (
        ["order.new", "order.cancelled"],
        {"mention_permission": "after_sales_operate", "mention_assignee": True},
    ),
    "发货": (["order.shipped"], {"mention_assignee": False}),
    "售后": (
        ["aftersales.new", "aftersales.updated", "aftersales.due_soon"],
        {"mention_permission": "after_sales_operate", "mention_assignee": True},
    ),
    "日报": (
        [
            "digest.daily",
            "digest.weekly",
            "store.auth_expiring",
            "store.sync_failing",
            "access.request_opened",
            "sop.checklist_overdue",  # a daily store check not done by its due time, @ its assignee
            "access.review_reminder",  # access review items waiting, @ the reviewer
            "access.review_escalated",  # an access review past its deadline, @ the department manager / super admins
        ],
        {"mention_assignee": True},
    ),
    # ads alerts (spend spikes, budgets nearly used, campaigns stopped, ROAS drops) to the store's 广告 group, @ the
    # holders of ads_operate there (the 广告 role)
    "广告": (
        ["ads.spend_spike", "ads.budget_nearly_used", "ads.campaign_stopped", "ads.roas_drop"],
        {"mention_permission": "ads_operate", "mention_assignee": False},
    ),
    "安全": (
        [
            "access.approved_alone",
            "security.lockout",
            "security.unlock",
            "security.new_source",
            "security.audit_checkpoint",
        ],
        {"mention_assignee": False},
    ),
}


def seed_routes(seed: Seed) -> None:
    """A route for each demo robot whose purpose DEMO_ROUTES names (one per robot, looked up by name), created
    through notifications.services (audited). The default Chinese templates need no rows: a kind without a
    saved template is sent with notifications.defaults."""
    existing = set(Route.objects.values_list("name", flat=True))
    names = [robot["name"] for robot in demo_world()["robots"]]
    for robot in Robot.objects.filter(name__in=names).order_by("pk"):
        purpose = robot.name.rsplit("-", 1)[-1]
        if purpose not in DEMO_ROUTES or robot.name in existing:
            continue
        kinds, mentions = DEMO_ROUTES[purpose]
        route_create(actor=seed.admin, name=robot.name, event_kinds=kinds, robot=robot, store=robot.store, **mentions)
        seed.created("notification routes")


SEED_STEPS = [seed_robots, seed_routes]
