"""Reads for group robots, always scoped to the viewer.

A robot of a store is seen by whoever holds settings_view there and managed by settings_manage holders;
a company-wide robot (no store) only by those who hold the permission on every store (super admins).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.permissions import permissions_of
from stores.choices import StoreStatus
from stores.models import Store

from .models import Robot


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
