"""The manager persona's reads (core.models.register_read_scope): a department manager reads, without changing
anything, the people of their department, the audit trail of actions by and about them, and the audit trail of
the stores where the manager holds a role. Registered in StaffConfig.ready()."""

from __future__ import annotations

from django.db.models import Q

from core.models import register_read_scope
from core.permissions import ALL_STORES, ANY, permissions_of

CACHE = "_shopcrew_managed_departments"


def managed_department_ids(viewer) -> list[int]:
    """The departments the viewer manages (one query, kept on the viewer for the request)."""
    if viewer is None or not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return []
    cached = getattr(viewer, CACHE, None)
    if cached is None:
        from .models import Department

        cached = list(Department.objects.filter(manager_id=viewer.pk).values_list("pk", flat=True))
        try:
            setattr(viewer, CACHE, cached)
        except AttributeError:  # a lazy object that will not take attributes: ask again next time
            pass
    return cached


def staff_scope(viewer) -> Q | None:
    ids = managed_department_ids(viewer)
    return Q(department_id__in=ids) if ids else None


def audit_scope(viewer) -> Q | None:
    ids = managed_department_ids(viewer)
    if not ids:
        return None
    from .models import Staff

    people = list(Staff.objects.filter(department_id__in=ids).values_list("pk", flat=True))
    q = Q(actor_id__in=people) | Q(target_type="staff.staff", target_id__in=[str(pk) for pk in people])
    stores = permissions_of(viewer).stores_with(ANY)
    if stores is ALL_STORES:
        q |= Q(store_id__isnull=False)
    elif stores:
        q |= Q(store_id__in=list(stores))
    return q


def register() -> None:
    register_read_scope("staff.Staff", staff_scope)
    register_read_scope("audit.AuditEvent", audit_scope)
