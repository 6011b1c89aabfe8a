"""Reads the rbac pages need beyond rbac.selectors: filter choices, expiring grants, who may decide a
request, a person's rights in plain words — always scoped to the viewer, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.permissions import ALL_STORES, permissions_of
from staff.choices import StaffStatus
from staff.models import Department, Position
from stores.choices import Platform, Site
from stores.models import Store

from . import services
from .models import AccessRequest, ExceptionGrant, RequestStatus, Role, RoleBinding
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
    pairs = set(
        stores_with_perm_for(viewer=viewer, perm="users_view").order_by().values_list("platform", "site").distinct()
    )
    platforms = [(p.value, p.label) for p in Platform if p.value in {pl for pl, _s in pairs}]
    sites = [(s.value, f"{s.label} ({s.value})") for s in Site if s.value in {si for _p, si in pairs}]
    names = role_cache.get().names if permissions_of(viewer).has_anywhere(Role.permission_for("view")) else {}
    roles = sorted((RoleChoice(pk=pk, name=name) for pk, name in names.items()), key=lambda r: r.name)
    return GridChoices(departments=departments, platforms=platforms, sites=sites, roles=roles)


def visible_access_requests(*, viewer) -> QuerySet[AccessRequest]:
    """Requests in stores where the viewer holds users_view, plus the ones they made or that are for them."""
    scoped = AccessRequest.objects.restrict(viewer, "view").values("pk")
    return AccessRequest.objects.filter(Q(pk__in=scoped) | Q(requested_by=viewer) | Q(staff=viewer)).select_related(
        "staff", "requested_by", "role", "store", "permission", "decided_by"
    )


def access_request_decidable(*, viewer, access_request: AccessRequest) -> bool:
    """Whether the viewer may approve or reject this request now (never the requester or the grantee;
    only someone entitled to grant it, while it is pending and not lapsed)."""
    if viewer.pk in (access_request.requested_by_id, access_request.staff_id):
        return False
    return any(r.pk == access_request.pk for r in access_requests_pending_for(approver=viewer))


def expiring_bindings(
    *, viewer, within: timedelta = EXPIRY_WINDOW, now: datetime | None = None, mine: bool = False
) -> QuerySet[RoleBinding]:
    """Live bindings that end within `within`: the viewer's own (mine=True) or those in stores where
    the viewer manages users (someone there may need to renew them), soonest first."""
    now = now or timezone.now()
    base = RoleBinding.objects.filter(staff=viewer) if mine else RoleBinding.objects.restrict(viewer, "change")
    return (
        base.live(now)
        .filter(expires_at__isnull=False, expires_at__lte=now + within)
        .select_related("staff", "role", "store")
        .order_by("expires_at", "pk")
    )


def role_holders(*, viewer, role: Role, now: datetime | None = None) -> QuerySet[RoleBinding]:
    """Live bindings of a role in the stores the viewer may see (all-store ones only for those who see
    every store)."""
    return (
        RoleBinding.objects.restrict(viewer, "view")
        .live(now)
        .filter(role=role)
        .select_related("staff", "store")
        .order_by("staff__name", "store__name", "pk")
    )


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
    return (
        ExceptionGrant.objects.restrict(viewer, "view")
        .live()
        .filter(staff=staff)
        .select_related("store", "permission", "granted_by")
        .order_by("store__name")
    )


# ---------------------------------------------------------------------------------------------- offboarding


@dataclass
class OwnedStore:
    """A store the person still owns (as primary or backup owner), with whether the viewer may edit it."""

    store: Store
    primary: bool
    editable: bool


@dataclass
class OffboardingPreview:
    """What offboarding a person would end, as the viewer may see it, and what stands in the way.

    `bindings`, `exceptions` and `requests` are exactly the rows rbac.services.staff_offboard ends
    (every unrevoked binding and exception grant of the person, every pending request by or for them)
    that lie in the viewer's stores (users_view); the others are only counted in `hidden_*`, never shown.
    `refused` maps a shown binding or grant (("binding"|"grant", id)) to why the viewer may not end it
    (also set on the row as `.refusal`); `refusals` are the service's refusals known in advance and
    `owned` the stores still owned — each blocks.
    """

    bindings: list[RoleBinding]
    exceptions: list[ExceptionGrant]
    requests: list[AccessRequest]
    owned: list[OwnedStore]
    hidden_bindings: int = 0
    hidden_exceptions: int = 0
    hidden_requests: int = 0
    hidden_owned: int = 0
    refused: dict[tuple[str, int], str] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return bool(self.owned or self.hidden_owned or self.refusals)

    @property
    def hidden(self) -> int:
        return self.hidden_bindings + self.hidden_exceptions + self.hidden_requests


def _in_reach(store_id: int | None, stores) -> bool:
    """restrict()'s rule for a row anchored on `store_id` (None: all stores, only for ALL_STORES viewers)."""
    return stores is ALL_STORES or (store_id is not None and store_id in stores)


def _person_refusals(*, viewer, staff, rights) -> list[str]:
    """The service's refusals that concern the person rather than one of their rows (the same rules and
    messages as rbac.services.staff_offboard)."""
    if viewer.pk == staff.pk:
        return [_("You cannot offboard yourself.")]
    if staff.status == StaffStatus.OFFBOARDED:
        return [_("%(name)s has already been offboarded.") % {"name": staff}]
    if staff.is_superuser and not rights.super_admin:
        return [_("Only a super admin can offboard a super admin.")]
    if staff.pk in services._permanent_super_admins() and not services._permanent_super_admins(
        exclude_staff=[staff.pk]
    ):
        return [services._last_super_admin_message()]
    return []


def _row_refusals(*, viewer, staff, rights, bindings, grants) -> dict[tuple[str, int], str]:
    """Why the viewer may not end each of these bindings and grants (the service's own rules)."""
    refused = {}
    if bindings:
        plan = services.bindings_bulk_revoke_plan(actor=viewer, bindings=bindings)
        refused.update({("binding", r.binding.pk): r.message for r in plan.refused})
    for g in grants:
        why = services._exception_refusal(
            actor=viewer, rights=rights, staff_id=staff.pk, codename=g.permission.codename, store_id=g.store_id
        )
        if why:
            refused[("grant", g.pk)] = why
    return refused


def offboarding_preview(*, viewer, staff) -> OffboardingPreview:
    """Pure preview of rbac.services.staff_offboard(actor=viewer, staff=staff): no writes, a fixed number
    of queries. Rows show only where the viewer holds users_view; owned stores where they work (as in
    the service's refusal, which names only those)."""
    perms, rights = permissions_of(viewer), load_permissions(viewer)
    visible = perms.stores_with("users_view")
    bindings = list(
        RoleBinding.objects.filter(staff=staff, revoked_at__isnull=True)
        .select_related("role", "store", "granted_by")
        .order_by("store__name", "role__name", "pk")
    )
    grants = list(
        ExceptionGrant.objects.filter(staff=staff, revoked_at__isnull=True)
        .select_related("store", "permission", "granted_by")
        .order_by("store__name", "pk")
    )
    requests = list(
        AccessRequest.objects.filter(Q(staff=staff) | Q(requested_by=staff), status=RequestStatus.PENDING)
        .select_related("staff", "requested_by", "role", "store", "permission")
        .order_by("created_at", "pk")
    )
    owned = list(Store.objects.filter(Q(primary_owner=staff) | Q(backup_owner=staff)).order_by("name"))
    preview = OffboardingPreview(
        bindings=[b for b in bindings if _in_reach(b.store_id, visible)],
        exceptions=[g for g in grants if _in_reach(g.store_id, visible)],
        requests=[
            r for r in requests if _in_reach(r.store_id, visible) or viewer.pk in (r.staff_id, r.requested_by_id)
        ],
        owned=[
            OwnedStore(store=s, primary=s.primary_owner_id == staff.pk, editable=perms.has("settings_manage", s.pk))
            for s in owned
            if rights.super_admin or rights.perms_on(s.pk)
        ],
        refusals=_person_refusals(viewer=viewer, staff=staff, rights=rights),
    )
    preview.hidden_bindings = len(bindings) - len(preview.bindings)
    preview.hidden_exceptions = len(grants) - len(preview.exceptions)
    preview.hidden_requests = len(requests) - len(preview.requests)
    preview.hidden_owned = len(owned) - len(preview.owned)
    if viewer.pk != staff.pk:
        refused = _row_refusals(viewer=viewer, staff=staff, rights=rights, bindings=bindings, grants=grants)
        shown = {("binding", b.pk) for b in preview.bindings} | {("grant", g.pk) for g in preview.exceptions}
        preview.refused = {key: why for key, why in refused.items() if key in shown}
        for kind, rows in (("binding", preview.bindings), ("grant", preview.exceptions)):
            for row in rows:
                # display-only: the template reads it next to each row (no model field)
                row.refusal = preview.refused.get((kind, row.pk), "")  # type: ignore[union-attr]
        preview.refusals += (
            [_("You may not end some of the roles or permissions listed below (see why next to each).")]
            if preview.refused
            else []
        )
        hidden = len(refused) - len(preview.refused)
        if hidden:
            preview.refusals.append(
                ngettext(
                    "%(count)d of their roles or permissions is in a store where you may not revoke it; someone who "
                    "manages users there must offboard this person.",
                    "%(count)d of their roles or permissions are in stores where you may not revoke them; someone who "
                    "manages users there must offboard this person.",
                    hidden,
                )
                % {"count": hidden}
            )
    return preview


def staff_offboardable_by(*, viewer, staff) -> bool:
    """Whether the viewer may open the offboarding page for this person (users_manage in a store they
    work in) and it may apply: not themselves, not already offboarded, a super admin only by a super admin."""
    perms = permissions_of(viewer)
    if viewer.pk == staff.pk or staff.status == StaffStatus.OFFBOARDED or not perms.has_anywhere("users_manage"):
        return False
    if staff.is_superuser and not perms.super_admin:
        return False
    return Staff.objects.restrict(viewer, "change").filter(pk=staff.pk).exists()


@dataclass
class OffboardingOutcome:
    """The rows one offboarding ended, those in the viewer's stores (rbac.services.OffboardResult counts all)."""

    bindings: list[RoleBinding]
    exceptions: list[ExceptionGrant]
    requests: list[AccessRequest]


def offboarding_outcome(*, viewer, staff, since: datetime) -> OffboardingOutcome:
    """What offboarding `staff` by `viewer`, started at `since`, ended: the bindings and exception grants
    the viewer revoked and the requests they cancelled from then on, where the viewer holds users_view."""
    bindings = (
        RoleBinding.objects.restrict(viewer, "view")
        .filter(staff=staff, revoked_by=viewer, revoked_at__gte=since)
        .select_related("staff", "role", "store")
        .order_by("pk")
    )
    grants = (
        ExceptionGrant.objects.restrict(viewer, "view")
        .filter(staff=staff, revoked_by=viewer, revoked_at__gte=since)
        .select_related("permission")
        .order_by("pk")
    )
    requests = (
        visible_access_requests(viewer=viewer)
        .filter(
            Q(staff=staff) | Q(requested_by=staff),
            status=RequestStatus.CANCELLED,
            decided_by=viewer,
            decided_at__gte=since,
        )
        .order_by("pk")
    )
    return OffboardingOutcome(bindings=list(bindings), exceptions=list(grants), requests=list(requests))
