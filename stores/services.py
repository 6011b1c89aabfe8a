"""Writes for stores: atomic, validated, re-checked (before and after the change) and audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record, snapshot
from core.permissions import forget_permissions, may_hand_out, owner_rights, permissions_of
from staff.models import Staff

from .choices import SITE_TIMEZONES, Platform, StoreStatus
from .models import Store
from .selectors import active_owner_choices, store_can_create, store_editable_by

STORE_FIELDS = (
    "platform",
    "site",
    "shop_id",
    "name",
    "status",
    "primary_owner",
    "backup_owner",
    "emergency_contact",
    "duties_note",
    "timezone",
)
OWNER_FIELDS = ("primary_owner", "backup_owner")


def _check_owners_choosable(actor: Staff, store: Store, fields, keep=()) -> None:
    """New owners must be people the actor may name (see selectors.owner_choices)."""
    ids = {getattr(store, f"{field}_id") for field in fields} - {None}
    if not ids:
        return
    allowed = set(active_owner_choices(viewer=actor, include=keep).filter(pk__in=ids).values_list("pk", flat=True))
    errors = {
        field: _("Choose an active staff member you may see.")
        for field in fields
        if getattr(store, f"{field}_id") not in allowed and getattr(store, f"{field}_id") is not None
    }
    if errors:
        raise ValidationError(errors)


def _check_may_name_owners(actor: Staff, store: Store, fields) -> None:
    """Naming an owner hands them what ownership carries on the store (core.permissions.owner_rights: the
    store-admin role, under rbac), so only someone who holds all of that there may name one (no escalation;
    a store not yet made needs it on every store)."""
    if fields and not may_hand_out(permissions_of(actor), owner_rights(), store.pk):
        raise PermissionDenied(
            _("An owner holds the store admin role on the store; only someone who holds all of it there may name one.")
        )


UNIQUE_CODES = ("unique", "unique_together")  # Django's codes for a taken value / combination


def shop_id_error(*, platform: str, shop_id: str, store_pk: int | None = None) -> ValidationError | None:
    """The platform's shop ID names one store: the error for the shop-ID field when another store has it
    (the form shows it with the other field errors; the service checks it again before saving)."""
    if not platform or not shop_id:
        return None
    others = Store.objects.filter(platform=platform, shop_id=shop_id)
    if store_pk is not None:
        others = others.exclude(pk=store_pk)
    if not others.exists():
        return None
    return ValidationError(
        _("Shop ID %(shop_id)s is already used by another %(platform)s store."),
        code="unique",
        params={"shop_id": shop_id, "platform": Platform(platform).label},
    )


def _validate(store: Store, *, unchanged_owners=()) -> None:
    """full_clean(), except that an owner who was already there and has since gone on leave does not
    block unrelated edits (the backup owner covers; only a change of owner must name active staff).
    Every error is raised at once, each on its field (a taken shop ID on `shop_id`).
    """
    errors: dict[str, list] = {}
    try:
        store.full_clean()
    except ValidationError as exc:
        for field, found in exc.error_dict.items():
            if field in unchanged_owners:  # with different owners, the only error left there is "not active"
                continue
            # the platform + shop ID constraint answers on no field; shop_id_error() says it on its field
            kept = [e for e in found if not (field == NON_FIELD_ERRORS and e.code in UNIQUE_CODES)]
            if kept:
                errors[field] = kept
    taken = shop_id_error(platform=store.platform, shop_id=store.shop_id, store_pk=store.pk)
    if taken is not None:
        errors.setdefault("shop_id", []).append(taken)
    if store.primary_owner_id and store.primary_owner_id == store.backup_owner_id:
        errors.pop(NON_FIELD_ERRORS, None)  # the owners-differ constraint, said on the field below
        errors["backup_owner"] = [
            ValidationError(_("The backup owner must be a different person from the primary owner."))
        ]
    if errors:
        raise ValidationError(errors)


def _default_timezone(store: Store, *, previous_site: str | None = None) -> None:
    """Empty, or still the previous site's default after a site change: the site's time zone."""
    if not store.timezone or (previous_site and store.timezone == SITE_TIMEZONES.get(previous_site)):
        store.timezone = SITE_TIMEZONES.get(store.site, "UTC")


@transaction.atomic
def store_create(
    *,
    actor: Staff,
    platform: str,
    site: str,
    shop_id: str,
    name: str,
    primary_owner: Staff,
    backup_owner: Staff,
    status: str = StoreStatus.ACTIVE,
    emergency_contact: str = "",
    duties_note: str = "",
    timezone: str = "",
) -> Store:
    """Add a store with two different active owners; the time zone defaults to the site's. Only people
    who manage every store's settings, and hold everywhere what its owners will hold there, may.
    Records "store.create".
    """
    if not store_can_create(actor=actor):
        raise PermissionDenied(_("Only administrators of all stores may add stores."))
    store = Store(
        platform=platform,
        site=site,
        shop_id=shop_id,
        name=name,
        status=status,
        primary_owner=primary_owner,
        backup_owner=backup_owner,
        emergency_contact=emergency_contact,
        duties_note=duties_note,
        timezone=timezone,
    )
    _default_timezone(store)
    _validate(store)
    _check_may_name_owners(actor, store, OWNER_FIELDS)
    _check_owners_choosable(actor, store, OWNER_FIELDS)
    store.save()
    record("store.create", target=store, store=store, after=snapshot(store, STORE_FIELDS))
    return store


@transaction.atomic
def store_update(*, actor: Staff, store: Store, data: Mapping[str, Any], reason: str = "") -> Store:
    """Change a store's profile, owners or status. The actor must manage the store's settings before
    and still after the change (nobody edits a store out of their own reach); new owners are two
    different active staff the actor may see, named only by someone who holds there everything an owner
    holds (rbac: ownership carries the store-admin role; the old owner loses it at once). Records
    "store.update" with the changed fields.
    """
    unknown = set(data) - set(STORE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    store = Store.objects.select_for_update().get(pk=store.pk)
    if not store_editable_by(actor=actor, store=store):
        raise PermissionDenied(_("You may not change this store's settings."))
    before = snapshot(store, STORE_FIELDS)
    for field, value in data.items():
        setattr(store, field, value)
    _default_timezone(store, previous_site=before["site"] if store.site != before["site"] else None)
    changed_owners = [f for f in OWNER_FIELDS if getattr(store, f"{f}_id") != before[f]]
    _validate(store, unchanged_owners=[f for f in OWNER_FIELDS if f not in changed_owners])
    _check_may_name_owners(actor, store, changed_owners)
    _check_owners_choosable(actor, store, changed_owners, keep=[before["primary_owner"], before["backup_owner"]])
    store.save()
    _check_still_in_reach(actor, store)
    after = snapshot(store, STORE_FIELDS)
    if before != after:
        record("store.update", target=store, store=store, before=before, after=after, reason=reason)
    return store


def _check_still_in_reach(actor: Staff, store: Store) -> None:
    forget_permissions(actor)
    if not Store.objects.restrict(actor, "change").filter(pk=store.pk).exists():
        raise PermissionDenied(_("This change would take the store out of your reach."))


@transaction.atomic
def store_archive(*, actor: Staff, store: Store, reason: str = "") -> Store:
    """Archive a store (status "archived": kept with its history, no longer worked on). Needs the
    store's settings right. Records "store.update" with the status change.
    """
    return store_update(actor=actor, store=store, data={"status": StoreStatus.ARCHIVED}, reason=reason)


# ---------------------------------------------------------------------------------------------- store groups

GROUP_FIELDS = ("name", "description")


def _require_group_manager(actor: Staff) -> None:
    from .selectors import storegroup_can_manage

    if not storegroup_can_manage(viewer=actor):
        raise PermissionDenied(_("Only those who manage the settings of every store may change store groups."))


def _group_name_taken(name: str, pk: int | None) -> None:
    from .models import StoreGroup

    others = StoreGroup.objects.filter(name__iexact=name.strip())
    if pk is not None:
        others = others.exclude(pk=pk)
    if others.exists():
        raise ValidationError({"name": _("A store group named “%(name)s” already exists.") % {"name": name.strip()}})


def _group_snapshot(group) -> dict:
    return {**snapshot(group, GROUP_FIELDS), "stores": sorted(group.stores.values_list("pk", flat=True))}


@transaction.atomic
def storegroup_create(*, actor: Staff, name: str, description: str = "", stores=()) -> Any:
    """Create a store group over chosen stores (name unique regardless of case); settings managers of every
    store only. Records "store_group.create" with its stores."""
    from .models import StoreGroup

    _require_group_manager(actor)
    _group_name_taken(name, None)
    group = StoreGroup(name=name.strip(), description=description.strip())
    group.full_clean()
    group.save()
    group.stores.set(list(stores))
    record("store_group.create", target=group, after=_group_snapshot(group))
    return group


@transaction.atomic
def storegroup_update(*, actor: Staff, group, name: str, description: str = "", stores=()) -> Any:
    """Rename a group, change its description or its stores. Records "store_group.update" with what changed."""
    from .models import StoreGroup

    _require_group_manager(actor)
    group = StoreGroup.objects.select_for_update().get(pk=group.pk)
    before = _group_snapshot(group)
    _group_name_taken(name, group.pk)
    group.name, group.description = name.strip(), description.strip()
    group.full_clean(validate_constraints=False)
    group.save()
    group.stores.set(list(stores))
    after = _group_snapshot(group)
    if before != after:
        record("store_group.update", target=group, before=before, after=after)
    return group


@transaction.atomic
def storegroup_delete(*, actor: Staff, group) -> None:
    """Delete a group that nothing uses: a notification route over it protects it (the refusal says so, rather
    than silently dropping the route). Records "store_group.delete"."""
    from django.db.models import ProtectedError

    _require_group_manager(actor)
    before = _group_snapshot(group)
    pk, label = group.pk, str(group)
    try:
        with transaction.atomic():
            group.delete()
    except ProtectedError as exc:
        raise ValidationError(
            _("%(count)s notification route(s) send this group's messages; change or delete them first.")
            % {"count": len(exc.protected_objects)}
        ) from exc
    record("store_group.delete", target_type="stores.storegroup", target_id=pk, target_label=label, before=before)
