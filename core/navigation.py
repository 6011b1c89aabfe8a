"""The top navigation: entries registered by the apps that own the pages, each shown only to people who
hold its permission somewhere.

core names no app's pages: an app lists its own entries in `<app>/navigation.py`, which core imports
once every app is loaded (CoreConfig.ready), e.g.

    from core.navigation import register
    register("stores:store_list", _("Stores"), ANY, order=20)

Entries are shown by `order`, then in registration order.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules

from .permissions import permissions_of

SUPER_ADMIN = "<super admin>"  # an entry's permission for pages only super admins open


@dataclass(frozen=True)
class NavEntry:
    """One link: its URL name, its label, the permission needed somewhere (None: everyone signed in;
    SUPER_ADMIN: super admins only)."""

    url_name: str
    label: str | Promise
    permission: str | None
    order: int
    readable: str | None = None  # a model label whose read scope also opens it (core.models.read_scope)


_entries: list[NavEntry] = []


def register(
    url_name: str, label: str | Promise, permission: str | None = None, *, order: int, readable: str | None = None
) -> None:
    """Add an entry to the top navigation (registering the same URL name again replaces it). `readable`: the
    entry also shows to people whose read scope opens that model (the manager persona)."""
    _entries[:] = [e for e in _entries if e.url_name != url_name]
    _entries.append(NavEntry(url_name, label, permission, order, readable))
    _entries.sort(key=lambda e: e.order)


def entries() -> list[NavEntry]:
    return list(_entries)


def autodiscover() -> None:
    """Import every installed app's `navigation` module (each registers its entries)."""
    autodiscover_modules("navigation")


def nav_items(request) -> list[dict]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    perms = permissions_of(user)
    items = []
    for entry in _entries:
        if entry.permission == SUPER_ADMIN:
            if not perms.super_admin:
                continue
        elif entry.permission is not None and not perms.has_anywhere(entry.permission):
            if entry.readable is None or not _readable(entry.readable, user):
                continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue  # that part of the console is not mounted
        items.append({"url": url, "label": entry.label, "active": _is_current(request.path, url)})
    return items


def _readable(model_label: str, user) -> bool:
    from django.apps import apps

    from .models import read_scope

    return read_scope(apps.get_model(model_label), user) is not None


def _is_current(path: str, url: str) -> bool:
    """An entry is active on its own page and the pages below it (/stores/ for /stores/12/)."""
    section = url if url.endswith("/") else url.rsplit("/", 1)[0] + "/"
    return path.startswith(section)
