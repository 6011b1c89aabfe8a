"""Reads for group robots and routes, always scoped to the viewer.

A robot of a store is seen by whoever holds settings_view there and managed by settings_manage holders;
a company-wide robot (no store) only by those who hold the permission on every store (super admins).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.permissions import permissions_of
from stores.choices import StoreStatus
from stores.models import Store

from .models import Robot, Route


def robot_list(*, viewer, action: str = "view") -> QuerySet[Robot]:
    """Robots the viewer may see (or, with action "change", manage), store and department joined."""
    return Robot.objects.restrict(viewer, action).select_related("store", "department").order_by("name", "pk")


def store_robots(*, viewer, store: Store) -> QuerySet[Robot]:
    """The store's robots, if the viewer may see that store's settings (else none)."""
    return robot_list(viewer=viewer).filter(store=store)


def robot_can_create(*, viewer) -> bool:
    """Whether the viewer manages settings of at least one store (or of all: company-wide robots)."""
    return permissions_of(viewer).has_anywhere("settings_manage")


def robot_can_manage(*, viewer, robot: Robot) -> bool:
    """Whether the viewer may edit, delete and test this robot (settings_manage on its store)."""
    return permissions_of(viewer).has("settings_manage", robot.store_id)


def robot_can_be_company_wide(*, viewer) -> bool:
    """Whether the viewer may keep a robot with no store (settings_manage on every store)."""
    return permissions_of(viewer).has("settings_manage", None)


def robot_store_choices(*, viewer, include: int | None = None) -> QuerySet[Store]:
    """Stores the viewer may file a robot under: not archived, settings_manage there (plus `include`,
    a robot's current store, so an edit can keep it)."""
    stores = Store.objects.restrict(viewer, "change")
    q = ~Q(status=StoreStatus.ARCHIVED)
    if include:
        q |= Q(pk=include)
    return stores.filter(q).order_by("platform", "site", "name")


# ---------------------------------------------------------------------------------------------- routes


def route_list(*, viewer, action: str = "view") -> QuerySet[Route]:
    """Routes the viewer may see (settings_view on the route's store; routes over several stores — a platform,
    site, group or all — only for those who see every store's settings), robot, store and group joined."""
    return Route.objects.restrict(viewer, action).select_related("robot", "store", "store_group").order_by("name", "pk")


def route_can_create(*, viewer) -> bool:
    """Whether the viewer manages settings somewhere (a route of one of those stores)."""
    return permissions_of(viewer).has_anywhere("settings_manage")


def route_can_manage(*, viewer, route: Route) -> bool:
    """Whether the viewer may change this route: settings_manage on its store (all stores for a route that
    spans stores) and on its robot's store."""
    perms = permissions_of(viewer)
    return perms.has("settings_manage", route.store_id) and perms.has("settings_manage", route.robot.store_id)


def route_stores_q(route: Route, prefix: str = "") -> Q:
    """The stores a route covers, as a filter on Store (or on a model's `prefix`store)."""
    if route.store_id:
        return Q(**{f"{prefix}pk": route.store_id})
    q = Q()
    if route.platform:
        q &= Q(**{f"{prefix}platform": route.platform})
    if route.site:
        q &= Q(**{f"{prefix}site": route.site})
    if route.store_group_id:
        q &= Q(**{f"{prefix}groups": route.store_group_id})
    return q


def latest_event(*, viewer, kind: str, route: Route | None = None):
    """The most recent event of `kind` the viewer may see (in the route's stores, when given), or None —
    what a template or route preview renders ("against a real recent event"). One query."""
    from events.models import Event

    events = Event.objects.restrict(viewer, "view").filter(kind=kind)
    if route is not None and (route.store_id or route.platform or route.site or route.store_group_id):
        events = events.filter(route_stores_q(route, prefix="store__"))
    return events.order_by("-id").first()
