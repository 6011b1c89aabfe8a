"""How people belong to stores through what rbac grants, told to core (core.models.register_store_relation).

A person works in a store while they hold a *live* role binding or exception grant on it: not revoked,
not expired at this instant (rbac.models.live_q). Once every binding and grant of theirs on store A has
ended, A's staff no longer see them in lists, details, searches, filter choices or the API (the audit
log keeps naming them). All-store bindings relate nobody to one particular store: such holders are
seen by those who view users in every store. Ownership is the stores app's own relation
(stores.relations).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from core.models import StoreRelation

from .models import ExceptionGrant, RoleBinding


def grantees_in(store_ids: Iterable[int]) -> Q:
    """Staff holding a live binding or exception grant on any of these stores (two pk subqueries)."""
    now = timezone.now()
    store_ids = frozenset(store_ids)
    bound = RoleBinding.objects.live(now).filter(store__any_of=store_ids).values("staff_id")
    granted = ExceptionGrant.objects.live(now).filter(store__any_of=store_ids).values("staff_id")
    return Q(pk__in=bound) | Q(pk__in=granted)


def stores_granted(staff) -> Q:
    """The stores where this person holds a live binding or exception grant, over Store."""
    now = timezone.now()
    bound = RoleBinding.objects.live(now).filter(staff=staff.pk, store__isnull=False).values("store_id")
    granted = ExceptionGrant.objects.live(now).filter(staff=staff.pk).values("store_id")
    return Q(pk__in=bound) | Q(pk__in=granted)


LIVE_GRANTS = StoreRelation(rows_in=grantees_in, stores_of=stores_granted)


def department_grants(viewer):
    """The grants of the people of the departments the viewer manages (the manager persona reads them)."""
    from django.db.models import Q

    from staff.scopes import managed_department_ids

    ids = managed_department_ids(viewer)
    return Q(staff__department_id__in=ids) if ids else None
