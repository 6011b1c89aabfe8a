"""Shared base models and the store-scoped queryset every domain model uses."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Self, TypeVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import lookups  # noqa: F401  (registers field__any_of)
from .permissions import ALL_STORES, ANY, permissions_of
from .stores import get_store_model

_M = TypeVar("_M", bound="RestrictedModel")


@dataclass(frozen=True)
class StoreRelation:
    """How rows of a model belong to stores, told to core by the layer that owns that relation.

    A lower-layer model (staff) cannot name the tables above it (rbac's bindings, the stores' owner
    columns), yet restrict() must know which stores a person works in. So the upper layer registers the
    relation (`register_store_relation(settings.AUTH_USER_MODEL, StoreRelation(...))` in its AppConfig):
      - ``rows_in(store_ids) -> Q`` over the model: rows related to any of these stores (a subquery, so
        restrict() stays one query however many rows);
      - ``stores_of(obj) -> Q`` over the store model: the stores one row is related to.
    Both must answer only what holds *now* (a revoked or expired binding relates nobody to anything).
    """

    rows_in: Callable[[Iterable[int]], Q]
    stores_of: Callable[[Any], Q]


_STORE_RELATIONS: dict[str, list[StoreRelation]] = {}


def register_store_relation(model_label: str, relation: StoreRelation) -> None:
    """Add a relation between rows of `model_label` ("app_label.Model") and stores (idempotent)."""
    relations = _STORE_RELATIONS.setdefault(model_label.lower(), [])
    if relation not in relations:
        relations.append(relation)


def store_relations(model) -> list[StoreRelation]:
    """The relations registered for this model (by its label), in registration order."""
    return _STORE_RELATIONS.get(model._meta.label_lower, [])


def related_store_ids(obj) -> set[int]:
    """Ids of the stores `obj` belongs to through its model's registered relations and store_lookups
    (one query; no stores without either)."""
    model = type(obj)
    q = Q(pk__in=[])
    for relation in store_relations(model):
        q |= relation.stores_of(obj)
    for lookup in getattr(model, "store_lookups", ()):
        q |= Q(pk__in=model._base_manager.filter(pk=obj.pk).values(lookup))
    return set(get_store_model()._base_manager.filter(q).values_list("pk", flat=True))


class TimeStampedModel(models.Model):
    """Adds created/updated times; nothing else."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


# Read scopes beyond the stores (the manager persona): {model label → [func(viewer) → Q | None]}. A scope opens
# rows to a viewer for reading only ("view"), whatever they hold in the stores: a department manager reads their
# department's people and the audit trail about them. Registered by the app that knows the relation, as store
# relations are (core names none of them).
_READ_SCOPES: dict[str, list[Callable[[Any], Q | None]]] = {}


def register_read_scope(model_label: str, scope: Callable[[Any], Q | None]) -> None:
    """Let `scope(viewer)` add rows of the model (`app_label.ModelName`) the viewer may read: a Q, or None for
    nothing more. Registering the same function again replaces nothing (it is kept once)."""
    scopes = _READ_SCOPES.setdefault(model_label.lower(), [])
    if scope not in scopes:
        scopes.append(scope)


def read_scope(model, viewer) -> Q | None:
    """The extra rows the registered scopes open to the viewer for reading (OR-ed), or None."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None
    found = None
    for scope in _READ_SCOPES.get(model._meta.label_lower, ()):
        q = scope(viewer)
        if q is not None:
            found = q if found is None else found | q
    return found


class RestrictedQuerySet(models.QuerySet[_M]):
    """A queryset that can narrow itself to what a viewer may see or change (NetBox's idiom).

    The model declares:
      - ``store_lookups``: one or more lookups from the model to ``stores.Store`` (``("id",)`` on
        Store itself, ``("store",)`` on an order), and/or relations that higher layers register for it
        (``register_store_relation``: staff belong to stores through rbac's live bindings and the
        stores' ownership, neither of which the staff app may name);
      - ``permission_map``: action → permission codename (``{"view": "orders_view"}``); an action
        not in the map is used as the codename itself.
    ``restrict(viewer, action)`` keeps only rows in stores where the viewer holds that permission.
    """

    def restrict(self, viewer, action: str = "view") -> Self:
        perm = self.model.permission_for(action)
        stores = permissions_of(viewer).stores_with(perm)
        if stores is ALL_STORES:
            return self
        extra = read_scope(self.model, viewer) if action == "view" else None
        if not stores:
            return self.filter(extra) if extra is not None else self.none()
        q = self.model.store_q(stores, viewer=viewer)
        return self.filter(q | extra if extra is not None else q)


class RestrictedModel(models.Model):
    """Mixin for models scoped by store; see RestrictedQuerySet."""

    store_lookups: tuple[str, ...] = ("store",)
    permission_map: dict[str, str] = {}

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def permission_for(cls, action: str) -> str:
        return cls.permission_map.get(action, action)

    @classmethod
    def store_q(cls, store_ids, *, viewer=None) -> Q:
        """Rows in any of the given stores: a direct column compares at once; multi-valued lookups and
        registered relations each give one pk subquery, OR-ed (each uses its own index). A model with
        neither matches nothing."""
        store_ids = frozenset(store_ids)
        relations = store_relations(cls)
        if not relations and len(cls.store_lookups) == 1 and "__" not in cls.store_lookups[0]:
            return Q(**{f"{cls.store_lookups[0]}__any_of": store_ids})
        q = Q(pk__in=[])
        for lookup in cls.store_lookups:
            q |= Q(pk__in=cls._base_manager.filter(**{f"{lookup}__in": store_ids}).values("pk"))
        for relation in relations:
            q |= relation.rows_in(store_ids)
        return q


__all__ = [
    "ANY",
    "RestrictedModel",
    "RestrictedQuerySet",
    "StoreRelation",
    "TimeStampedModel",
    "read_scope",
    "register_read_scope",
    "register_store_relation",
    "related_store_ids",
    "store_relations",
]
