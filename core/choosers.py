"""Searchable choosers: a field that picks a store, a person or a department is a search box fed by a
scoped JSON endpoint, never a list of every row (issue 8, f).

A `Chooser` names one model's searchable choices: its endpoint (a URL name), the fields a search
looks in, the order of the results, and its *scopes*. A scope is one use of the chooser — "stores
where the viewer manages users", "active staff the viewer may see" — given as a function of the
viewer returning the rows that use may choose from, plus the permission the viewer must hold
somewhere to ask at all. The form field validates against the same scope's rows that the endpoint
searches (see core.widgets.choose), so what the search box offers and what the form accepts cannot
drift apart. Apps declare their choosers in `<app>/choosers.py`; an app that needs another scope of
a lower app's chooser adds it there (`STORES.add_scope(...)`): core imports no domain app. A module
below the app owning a chooser (staff and audit filtering by store) names it by its registered name
(`chooser("stores")`), as lower layers reach the store model through get_store_model().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.module_loading import autodiscover_modules

PAGE_SIZE = 20
MAX_PAGE = 50  # 1,000 rows deep: past that, typing more of the name is the way
MAX_QUERY = 100


_discovered = False
_registry: dict[str, Chooser] = {}


def discover() -> None:
    """Import every app's choosers.py once, so scopes added by higher apps exist before the first search."""
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("choosers")


def chooser(name: str) -> Chooser:
    """The chooser registered under `name` ("stores", "staff", "departments")."""
    discover()
    return _registry[name]


@dataclass(frozen=True)
class Scope:
    """One use of a chooser: the rows it may choose from, for a viewer, and the permission the viewer
    must hold in at least one store to search it (None: anyone signed in)."""

    rows: Callable[[Any], QuerySet]
    requires: str | None


class Chooser:
    """A model's searchable choices: endpoint, search fields, order and scopes (see the module)."""

    def __init__(
        self,
        name: str,
        *,
        model: type[Model],
        url_name: str,
        search_fields: tuple[str, ...],
        ordering: tuple[str, ...],
        label: Callable[[Any], str] = str,
    ):
        self.model = model
        self.url_name = url_name
        self.search_fields = search_fields
        self.ordering = ordering
        self.label = label
        self.scopes: dict[str, Scope] = {}
        _registry[name] = self

    def add_scope(self, name: str, rows: Callable[[Any], QuerySet], *, requires: str | None) -> None:
        self.scopes[name] = Scope(rows=rows, requires=requires)

    def add_restricted_scope(self, action: str, *, requires: str | None = None) -> None:
        """The scope `action`: rows restricted to the stores where the viewer may do it (restrict())."""
        model: Any = self.model  # a RestrictedModel (objects.restrict, permission_for)
        self.add_scope(
            action,
            lambda viewer: model.objects.restrict(viewer, action),
            requires=requires if requires is not None else model.permission_for(action),
        )

    def scope(self, name: str) -> Scope | None:
        discover()
        return self.scopes.get(name)

    def rows(self, *, viewer, scope: str) -> QuerySet:
        """Every row the scope offers the viewer, ordered: the queryset a form field validates against."""
        found = self.scope(scope)
        if found is None:
            raise KeyError(f"{self.url_name} has no scope {scope!r}")
        return found.rows(viewer).order_by(*self.ordering)

    def widget(self, scope: str, *, multiple: bool = False):
        """The widget for a field of this chooser (FilterSets declare it; forms call core.widgets.choose)."""
        from .widgets import ChooserSelect, ChooserSelectMultiple

        return (ChooserSelectMultiple if multiple else ChooserSelect)(self, scope)

    def url(self, scope: str) -> str:
        return f"{reverse(self.url_name)}?{urlencode({'scope': scope})}"

    def search(self, *, viewer, scope: str, query: str = "", page: int = 1) -> tuple[list[dict], bool]:
        """One page of the scope's rows matching every word of `query` (in any search field), as
        {id, text} dicts, and whether more follow. One query."""
        rows = self.rows(viewer=viewer, scope=scope)
        for word in query[:MAX_QUERY].split():
            match = Q()
            for field in self.search_fields:
                match |= Q(**{f"{field}__icontains": word})
            rows = rows.filter(match)
        start = (min(max(page, 1), MAX_PAGE) - 1) * PAGE_SIZE
        found = list(rows[start : start + PAGE_SIZE + 1])
        return [{"id": obj.pk, "text": self.label(obj)} for obj in found[:PAGE_SIZE]], len(found) > PAGE_SIZE
