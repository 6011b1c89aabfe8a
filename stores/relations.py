"""How people belong to stores through ownership, told to core (core.models.register_store_relation).

A store's primary and backup owners work in it: its staff pages show them to whoever may view users
there. The staff app below cannot name the stores' owner columns, so stores registers this in its
AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from core.models import StoreRelation

from .models import Store


def owners_in(store_ids: Iterable[int]) -> Q:
    """Staff who own (primary or backup) any of these stores: one pk subquery per owner column."""
    stores = Store._base_manager.filter(pk__any_of=store_ids)
    return Q(pk__in=stores.values("primary_owner_id")) | Q(pk__in=stores.values("backup_owner_id"))


def owned_by(staff) -> Q:
    """The stores this person owns, over Store."""
    return Q(primary_owner=staff.pk) | Q(backup_owner=staff.pk)


OWNERSHIP = StoreRelation(rows_in=owners_in, stores_of=owned_by)
