"""FilterSets for staff, departments and positions, shared by the pages and the API.

Every choice list is scoped to the viewer (the request's user), so a filter never names a store or a
person the viewer could not otherwise see.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.filters import FilterSet
from core.widgets import ChooserSelect

from .choices import StaffStatus
from .choosers import DEPARTMENTS
from .models import Department, Position, Staff
from .selectors import staff_in_stores_q, store_model

ALL = _("All")


def _viewer(request):
    return getattr(request, "user", None)


def visible_stores(request):
    """Stores the viewer holds any permission on (none without a request, e.g. schema generation)."""
    return store_model().objects.restrict(_viewer(request), "view").order_by("platform", "site", "name")


def _search(queryset, fields, value):
    value = (value or "").strip()
    if not value:
        return queryset
    q = Q()
    for field in fields:
        q |= Q(**{f"{field}__icontains": value})
    return queryset.filter(q)


class StaffFilterSet(FilterSet):
    """Staff: free-text search, department, position, status and the store they work in."""

    q = django_filters.CharFilter(
        label=_("Search"), method="filter_search", help_text=_("Name, employee ID, username, mobile or WeCom userid")
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Department"),
        empty_label=ALL,
        queryset=Department.objects.order_by("name"),
        widget=DEPARTMENTS.widget("view"),
    )
    position = django_filters.ModelChoiceFilter(
        label=_("Position"), empty_label=ALL, queryset=Position.objects.order_by("name")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), empty_label=ALL, choices=StaffStatus.choices)
    store = django_filters.ModelChoiceFilter(
        label=_("Store"),
        empty_label=ALL,
        queryset=visible_stores,
        method="filter_store",
        widget=ChooserSelect("stores", "view"),  # the store chooser by name: staff may not import stores
    )

    class Meta:
        model = Staff
        fields = ["q", "department", "position", "status", "store"]

    def filter_search(self, queryset, name, value):
        return _search(queryset, ("name", "employee_id", "username", "mobile", "wecom_userid"), value)

    @extend_schema_field(OpenApiTypes.INT)
    def filter_store(self, queryset, name, value):
        return queryset.filter(staff_in_stores_q([value.pk])) if value else queryset


class DepartmentFilterSet(FilterSet):
    """Departments: search by name or description."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")

    class Meta:
        model = Department
        fields = ["q"]

    def filter_search(self, queryset, name, value):
        return _search(queryset, ("name", "description"), value)


class PositionFilterSet(FilterSet):
    """Positions: search by name or description, and department."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    department = django_filters.ModelChoiceFilter(
        label=_("Department"),
        empty_label=ALL,
        queryset=Department.objects.order_by("name"),
        widget=DEPARTMENTS.widget("view"),
    )

    class Meta:
        model = Position
        fields = ["q", "department"]

    def filter_search(self, queryset, name, value):
        return _search(queryset, ("name", "description"), value)
