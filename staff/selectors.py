"""Reads for staff, departments and positions, always scoped to the viewer."""

from __future__ import annotations

from django.core.exceptions import FieldError
from django.db.models import Exists, OuterRef, Q, QuerySet

from core.permissions import ALL_STORES, ANY, permissions_of

from .models import Department, Position, Staff


def staff_list(*, viewer) -> QuerySet[Staff]:
    """Staff the viewer may see (users_view in a store they work in; super admins see everyone),
    with position and department joined so a page costs the same however many rows it shows.
    """
    return Staff.objects.restrict(viewer, "view").select_related("position", "department")


def staff_in_stores_q(store_ids) -> Q:
    """Staff who work in any of the given stores: one pk subquery per lookup Staff declares, OR-ed (each
    uses its own index; one subquery OR-ing the joins would scan every binding: 0.5 s at 250,000).

    A lookup the schema cannot resolve yet (role bindings before the rbac app is installed) is
    skipped, so the owner lookups still answer on their own.
    """
    q = Q()
    for lookup in Staff.store_lookups:
        try:
            Staff._base_manager.filter(**{f"{lookup}__in": []})
        except FieldError:
            continue
        q |= Q(pk__in=Staff._base_manager.filter(**{f"{lookup}__in": store_ids}).values("pk"))
    return q


def store_model():
    """stores.Store, reached through Staff's reverse relation: stores imports staff, never the reverse."""
    return Staff._meta.get_field("primary_stores").related_model


def staff_store_ids(*, staff: Staff):
    """The stores a person works in: where they hold any permission, or own the store.

    Returns ALL_STORES for someone with all-store rights (a super admin included).
    """
    held = permissions_of(staff).stores_with(ANY)
    if held is ALL_STORES or staff.is_superuser:
        return ALL_STORES
    owned = store_model().objects.filter(Q(primary_owner=staff) | Q(backup_owner=staff)).values_list("pk", flat=True)
    return set(held) | set(owned)


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
