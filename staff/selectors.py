"""Reads for staff, departments and positions, always scoped to the viewer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from core.models import related_store_ids
from core.permissions import ALL_STORES, ANY, permissions_of
from core.stores import get_store_model

from .models import Department, Leave, Position, Staff


def staff_list(*, viewer) -> QuerySet[Staff]:
    """Staff the viewer may see (users_view in a store they work in; super admins see everyone),
    with position and department joined so a page costs the same however many rows it shows.
    """
    return Staff.objects.restrict(viewer, "view").select_related("position", "department")


def staff_in_stores_q(store_ids) -> Q:
    """Staff who work in any of the given stores now, by the relations the layers above register with core
    (rbac: a live binding or exception grant there; stores: ownership) — one indexed subquery each, OR-ed."""
    return Staff.store_q(store_ids)


def store_model():
    """The store model, through core's accessor (stores sits above staff)."""
    return get_store_model()


def staff_store_ids(*, staff: Staff):
    """The stores a person works in now (the registered relations: live grants and ownership), or
    ALL_STORES for someone with all-store rights (a super admin included). Two queries at most."""
    if staff.is_superuser or permissions_of(staff).stores_with(ANY) is ALL_STORES:
        return ALL_STORES
    return related_store_ids(staff)


def staff_can_create(*, actor) -> bool:
    """Only people who manage users in every store create staff: a new person belongs to no store
    yet, so anyone with less reach would create someone they cannot see afterwards.
    """
    return permissions_of(actor).stores_with("users_manage") is ALL_STORES


def staff_editable_by(*, actor, staff: Staff) -> bool:
    """Whether actor may edit this person: super admins anyone; others only people who work solely in
    stores where actor manages users (so nobody changes a colleague's profile for a store they do not
    manage), never super admins, and never someone who works in no store at all.
    """
    manage = permissions_of(actor).stores_with("users_manage")
    if manage is ALL_STORES:
        return True
    if not manage:
        return False
    stores = staff_store_ids(staff=staff)
    return stores is not ALL_STORES and bool(stores) and stores <= set(manage)


def staff_can_set_password(*, actor) -> bool:
    """Setting someone's password hands over all of their rights, so only super admins may."""
    return permissions_of(actor).super_admin


def directory_viewable_by(*, viewer) -> bool:
    """Departments and positions are the company's directory: anyone who may view staff somewhere."""
    return permissions_of(viewer).has_anywhere("users_view")


def directory_editable_by(*, actor) -> bool:
    """Only super admins change departments and positions (they shape everyone's default roles)."""
    return permissions_of(actor).super_admin


def department_list(*, viewer) -> QuerySet[Department]:
    """All departments with their manager joined; callers check directory_viewable_by first.

    Departments are company-wide, but their managers are people: `manager_visible` says whether the
    viewer may see the manager, and pages and the API show the manager only then.
    """
    visible = Staff.objects.restrict(viewer, "view").filter(pk=OuterRef("manager_id"))
    return Department.objects.select_related("manager").annotate(manager_visible=Exists(visible)).order_by("name")


def position_list(*, viewer) -> QuerySet[Position]:
    """All positions with their department joined; callers check directory_viewable_by first."""
    return Position.objects.select_related("department").order_by("name")


def active_staff_choices(*, viewer) -> QuerySet[Staff]:
    """Active staff the viewer may see, for pickers (department manager, store owners)."""
    return Staff.objects.restrict(viewer, "view").active().order_by("name")


def away_staff_ids(*, on: date | None = None, staff_ids: Iterable[int] | None = None) -> set[int]:
    """Who is on leave on `on` (today in the project's time zone by default): one query. Cancelled leave counts
    for nothing. `staff_ids` narrows the question to those people."""
    day = on or timezone.localdate()
    leaves = Leave.objects.filter(starts_on__lte=day, ends_on__gte=day, cancelled_at__isnull=True)
    if staff_ids is not None:
        leaves = leaves.filter(staff_id__in=list(staff_ids))
    return set(leaves.values_list("staff_id", flat=True))
