"""Who may reach a page, an API action or a task, declared once and asked in one place.

A gate is a permission and how far it must reach (`Scope`):
- ``STORE``: the permission on at least one store; what the viewer then reads or changes is restricted to
  the stores where it holds (``Model.objects.restrict(viewer, action)``);
- ``COMPANY``: the permission on every store (a super admin holds every permission everywhere) — for
  things that belong to no single store, or create something no store has yet;
- ``SUPER_ADMIN``: super admins only;
- ``OWN``: any signed-in person; the page reads only the viewer's own records.

No permission anywhere → 403; an object outside the viewer's scope is not in the restricted queryset → 404.

A queryset that deliberately skips the restriction (the company directory) goes through
``dangerously_unscoped(queryset, reason=...)``: the one greppable escape hatch, with its reason beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured

from .permissions import ALL_STORES, permissions_of


class Scope(StrEnum):
    STORE = "store"
    COMPANY = "company"
    SUPER_ADMIN = "super_admin"
    OWN = "own"


@dataclass(frozen=True)
class Gate:
    """A declared permission (a codename on Store) and how far it must reach."""

    permission: str | None
    scope: Scope = Scope.STORE

    def allows(self, user) -> bool:
        """Whether a signed-in user passes (sign-in and the second factor are checked before)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return False
        perms = permissions_of(user)
        if self.scope == Scope.OWN:
            return True
        if self.scope == Scope.SUPER_ADMIN:
            return perms.super_admin
        if self.permission is None:
            raise ImproperlyConfigured(f"A {self.scope} gate needs a permission.")
        if self.scope == Scope.COMPANY:
            return perms.stores_with(self.permission) is ALL_STORES
        return perms.has_anywhere(self.permission)


_UNSCOPED = "shopcrew_unscoped_reason"


def dangerously_unscoped(queryset, *, reason: str):
    """Mark a queryset as deliberately not restricted to the viewer's stores; `reason` says why.

    The gate of the page or viewset still applies; only the per-store restriction is skipped. The mark
    rides on the queryset's hints, so it survives filtering and ordering.
    """
    if not reason or not reason.strip():
        raise ImproperlyConfigured("dangerously_unscoped() needs the reason the rows may be shown unscoped.")
    marked = queryset.all()
    marked._hints = {**marked._hints, _UNSCOPED: reason}
    return marked


def unscoped_reason(queryset) -> str | None:
    """The reason a queryset was marked unscoped, or None."""
    return getattr(queryset, "_hints", {}).get(_UNSCOPED)


def restricted(queryset, viewer, action: str):
    """The queryset narrowed to the viewer's stores for the action — unless it was marked unscoped.

    A model that cannot be restricted (no RestrictedQuerySet) must be marked: nothing is shown unscoped
    by accident.
    """
    if unscoped_reason(queryset) is not None:
        return queryset
    if not hasattr(queryset, "restrict"):
        raise ImproperlyConfigured(
            f"{queryset.model.__name__} rows cannot be restricted to stores: restrict them, or pass the "
            "queryset through core.gates.dangerously_unscoped() with the reason."
        )
    return queryset.restrict(viewer, action)
