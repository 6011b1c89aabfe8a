"""Shared base models and the store-scoped queryset every domain model uses."""

from __future__ import annotations

from typing import Self, TypeVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import lookups  # noqa: F401  (registers field__any_of)
from .permissions import ALL_STORES, ANY, permissions_of

_M = TypeVar("_M", bound="RestrictedModel")


class TimeStampedModel(models.Model):
    """Adds created/updated times; nothing else."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class RestrictedQuerySet(models.QuerySet[_M]):
    """A queryset that can narrow itself to what a viewer may see or change (NetBox's idiom).

    The model declares:
      - ``store_lookups``: one or more lookups from the model to ``stores.Store`` (``("id",)`` on
        Store itself, ``("store",)`` on an order, several on staff, who belong to stores through
        bindings and ownership);
      - ``permission_map``: action → permission codename (``{"view": "orders_view"}``); an action
        not in the map is used as the codename itself.
    ``restrict(viewer, action)`` keeps only rows in stores where the viewer holds that permission.
    """

    def restrict(self, viewer, action: str = "view") -> Self:
        perm = self.model.permission_for(action)
        stores = permissions_of(viewer).stores_with(perm)
        if stores is ALL_STORES:
            return self
        if not stores:
            return self.none()
        return self.filter(self.model.store_q(stores, viewer=viewer))


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
        """Rows in any of the given stores; multi-valued lookups go through a pk subquery."""
        if len(cls.store_lookups) == 1 and "__" not in cls.store_lookups[0]:
            return Q(**{f"{cls.store_lookups[0]}__any_of": frozenset(store_ids)})
        q = Q()
        for lookup in cls.store_lookups:
            q |= Q(**{f"{lookup}__in": store_ids})
        return Q(pk__in=cls._base_manager.filter(q).values("pk"))


__all__ = ["ANY", "RestrictedModel", "RestrictedQuerySet", "TimeStampedModel"]
