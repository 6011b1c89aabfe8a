"""Reads for stores, always scoped to the viewer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Q, QuerySet

from core.permissions import ALL_STORES, may_hand_out, owner_rights, permissions_of
from staff.choices import StaffStatus
from staff.models import Staff
from staff.selectors import away_staff_ids

from .models import Store


def store_list(*, viewer) -> QuerySet[Store]:
    """Stores where the viewer holds any permission, owners joined (one query per page of rows)."""
    return Store.objects.restrict(viewer, "view").select_related("primary_owner", "backup_owner")


def store_can_create(*, actor) -> bool:
    """Only people who manage the settings of every store add stores (a new store has nobody else yet), and
    only if they hold on every store what the new store's owners will hold on it (core.permissions.owner_rights:
    rbac's store-admin role), since naming them hands that out."""
    rights = permissions_of(actor)
    return rights.stores_with("settings_manage") is ALL_STORES and may_hand_out(rights, owner_rights(), None)


def store_editable_by(*, actor, store: Store) -> bool:
    """Whether actor manages this store's settings."""
    return permissions_of(actor).has("settings_manage", store.pk)


def owner_choices(*, viewer, include: Iterable[int] = ()) -> QuerySet[Staff]:
    """Staff the viewer may name (or filter by) as a store owner: people they may view, plus the owners
    of stores they can see (whose names the store pages show anyway), plus `include` (a store's current
    owners, so an edit can keep them). Never anyone else, so no picker reveals other stores' staff.
    """
    visible_stores = Store.objects.restrict(viewer, "view")
    q = (
        Q(pk__in=Staff.objects.restrict(viewer, "view").values("pk"))
        | Q(pk__in=visible_stores.values("primary_owner_id"))
        | Q(pk__in=visible_stores.values("backup_owner_id"))
    )
    include = [pk for pk in include if pk]
    if include:
        q |= Q(pk__in=include)
    return Staff.objects.filter(q).order_by("name")


def active_owner_choices(*, viewer, include: Iterable[int] = ()) -> QuerySet[Staff]:
    """owner_choices() narrowed to active staff, plus `include` whatever their status."""
    include = [pk for pk in include if pk]
    return owner_choices(viewer=viewer, include=include).filter(
        Q(status=StaffStatus.ACTIVE, is_active=True) | Q(pk__in=include)
    )


# ---------------------------------------------------------------------------------------------- store groups


def storegroup_list(*, viewer) -> QuerySet:
    """Store groups holding a store the viewer can see (every group, empty ones included, for those who manage
    groups), each with `visible_count`: how many of its stores the viewer can see. One query per page of rows."""
    from django.db.models import Count

    from core.gates import dangerously_unscoped

    from .models import StoreGroup

    visible = Store.objects.restrict(viewer, "view").values("pk")
    groups = StoreGroup.objects.annotate(visible_count=Count("stores", filter=Q(stores__in=visible), distinct=True))
    if not storegroup_can_manage(viewer=viewer):
        groups = groups.filter(visible_count__gt=0)
    # restricted by hand above: a group spans stores, so it is shown for the stores of it the viewer can see
    return dangerously_unscoped(groups.order_by("name", "pk"), reason="groups are filtered by their visible stores")


def storegroup_can_manage(*, viewer) -> bool:
    """Groups span stores: only those who manage settings in every store (super admins) create or change them."""
    return permissions_of(viewer).stores_with("settings_manage") is ALL_STORES


def storegroup_stores(*, viewer, group) -> tuple[QuerySet[Store], int]:
    """The group's stores the viewer can see, and how many others it holds (not named)."""
    stores = group.stores.order_by("platform", "site", "name", "pk")
    visible = stores.filter(pk__in=Store.objects.restrict(viewer, "view").values("pk"))
    return visible.select_related("primary_owner", "backup_owner"), stores.count() - visible.count()


def storegroup_choices(*, viewer=None):
    """Store groups by name, for filters and pickers: those holding a store the viewer can see (every group
    without a viewer, for callers that narrow it themselves)."""
    from .models import StoreGroup

    groups = StoreGroup.objects.order_by("name", "pk")
    if viewer is None:
        return groups
    return groups.filter(
        pk__in=StoreGroup.stores.through.objects.filter(
            store_id__in=Store.objects.restrict(viewer, "view").values("pk")
        ).values("storegroup_id")
    )


def acting_owners(stores: Iterable[Store], *, on: date | None = None) -> dict[int, int | None]:
    """{store id → the person acting as its primary owner on `on`}: the primary owner, or the backup owner while
    the primary is on leave (cover) and the backup is not. One query for any number of stores; the stores' owner
    ids must be loaded."""
    stores = list(stores)
    owner_ids = {s.primary_owner_id for s in stores if s.primary_owner_id}
    owner_ids |= {s.backup_owner_id for s in stores if s.backup_owner_id}
    away = away_staff_ids(on=on, staff_ids=owner_ids) if owner_ids else set()
    acting: dict[int, int | None] = {}
    for store in stores:
        primary = store.primary_owner_id
        if primary in away and store.backup_owner_id and store.backup_owner_id not in away:
            acting[store.pk] = store.backup_owner_id
        else:
            acting[store.pk] = primary
    return acting
