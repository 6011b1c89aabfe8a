"""Reads the rbac pages need beyond rbac.selectors: filter choices, expiring grants, who may decide a
request, a person's rights in plain words — always scoped to the viewer, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.permissions import ALL_STORES, permissions_of
from staff.models import Department, Position
from stores.choices import Platform, Site
from stores.models import Store

from .models import AccessRequest, ExceptionGrant, Role, RoleBinding
from .permissions import load_permissions, role_cache
from .selectors import access_requests_pending_for, permissions_explained, stores_with_perm_for

Staff = get_user_model()

EXPIRY_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class RoleChoice:
    pk: int
    name: str


@dataclass
class GridChoices:
    """The grid's filter choices, all within the viewer's reach: departments of staff they can see,
    platforms and sites of stores where they hold users_view, and the roles (roles are not store data)."""

    departments: list[Department]
    platforms: list[tuple[str, str]]
    sites: list[tuple[str, str]]
    roles: list[RoleChoice]


def grid_choices(*, viewer) -> GridChoices:
    """Filter choices for the assignment grid: two queries (the roles come from the process-wide role map)."""
    visible_staff = Staff.objects.restrict(viewer, "view").filter(is_active=True)
    departments = list(Department.objects.filter(pk__in=visible_staff.values("department_id")).order_by("name"))
    pairs = set(stores_with_perm_for(viewer=viewer, perm="users_view").order_by()
                .values_list("platform", "site").distinct())
    platforms = [(p.value, p.label) for p in Platform if p.value in {pl for pl, _s in pairs}]
    sites = [(s.value, f"{s.label} ({s.value})") for s in Site if s.value in {si for _p, si in pairs}]
    names = role_cache.get().names if permissions_of(viewer).has_anywhere(Role.permission_for("view")) else {}
    roles = sorted((RoleChoice(pk=pk, name=name) for pk, name in names.items()), key=lambda r: r.name)
    return GridChoices(departments=departments, platforms=platforms, sites=sites, roles=roles)


def visible_access_requests(*, viewer) -> QuerySet[AccessRequest]:
    """Requests in stores where the viewer holds users_view, plus the ones they made or that are for them."""
    scoped = AccessRequest.objects.restrict(viewer, "view").values("pk")
    return (AccessRequest.objects.filter(Q(pk__in=scoped) | Q(requested_by=viewer) | Q(staff=viewer))
            .select_related("staff", "requested_by", "role", "store", "permission", "decided_by"))


def access_request_decidable(*, viewer, access_request: AccessRequest) -> bool:
    """Whether the viewer may approve or reject this request now (never the requester or the grantee;
    only someone entitled to grant it, while it is pending and not lapsed)."""
    if viewer.pk in (access_request.requested_by_id, access_request.staff_id):
        return False
    return any(r.pk == access_request.pk for r in access_requests_pending_for(approver=viewer))


def expiring_bindings(*, viewer, within: timedelta = EXPIRY_WINDOW, now: datetime | None = None,
                      mine: bool = False) -> QuerySet[RoleBinding]:
    """Live bindings that end within `within`: the viewer's own (mine=True) or those in stores where
    the viewer manages users (someone there may need to renew them), soonest first."""
    now = now or timezone.now()
    base = RoleBinding.objects.filter(staff=viewer) if mine else RoleBinding.objects.restrict(viewer, "change")
    return (base.live(now).filter(expires_at__isnull=False, expires_at__lte=now + within)
            .select_related("staff", "role", "store").order_by("expires_at", "pk"))


def role_holders(*, viewer, role: Role, now: datetime | None = None) -> QuerySet[RoleBinding]:
    """Live bindings of a role in the stores the viewer may see (all-store ones only for those who see
    every store)."""
    return (RoleBinding.objects.restrict(viewer, "view").live(now).filter(role=role)
            .select_related("staff", "store").order_by("staff__name", "store__name", "pk"))


def role_positions(*, role: Role) -> QuerySet[Position]:
    """Positions that propose this role by default."""
    return Position.objects.filter(default_roles__role=role).order_by("name")


def positions_with_defaults() -> QuerySet[Position]:
    """Every position with its default roles prefetched (two queries)."""
    return Position.objects.select_related("department").prefetch_related("default_roles__role").order_by("name")


@dataclass
class StoreRights:
    """What one person may do on one store, in plain words."""

    store: Store
    permissions: list[tuple]


def staff_rights(*, viewer, staff, now: datetime | None = None) -> tuple[list[tuple], list[StoreRights]]:
    """What `staff` may do, in plain words: (all-store permissions, per store) — only stores where the
    viewer holds users_view (all-store rights only for viewers who see every store). Two queries."""
    perms = load_permissions(staff, now=now)
    visible = permissions_of(viewer).stores_with("users_view")
    everywhere = []
    if visible is ALL_STORES:
        from stores.catalogue import BY_CODENAME

        everywhere = permissions_explained(BY_CODENAME.keys() if perms.super_admin else perms.everywhere)
    store_ids = [pk for pk in perms.per_store if pk in visible]
    stores = Store.objects.filter(pk__in=store_ids).order_by("name")
    return everywhere, [StoreRights(store=s, permissions=permissions_explained(perms.perms_on(s.pk))) for s in stores]


def live_exceptions(*, viewer, staff) -> QuerySet[ExceptionGrant]:
    """A person's live exception grants in the stores the viewer may see."""
    return (ExceptionGrant.objects.restrict(viewer, "view").live().filter(staff=staff)
            .select_related("store", "permission", "granted_by").order_by("store__name"))
