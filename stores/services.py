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
