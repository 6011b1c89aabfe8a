"""The group robot FilterSet, shared by the robot list page and the API. Store choices are the viewer's."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import FilterSet
from events.choices import EventKind
from staff.choosers import DEPARTMENTS
from staff.models import Department
from stores.choosers import STORES
from stores.models import Store

from .models import Robot, Route

ALL = _("All")


def viewer_stores(request):
    """Stores whose settings the viewer may see (none without a request, e.g. schema generation)."""
    return Store.objects.restrict(getattr(request, "user", None), "settings_view").order_by("platform", "site", "name")


def viewer_robots(request):
    """Robots the viewer may see (for the route filter)."""
    return Robot.objects.restrict(getattr(request, "user", None), "view").order_by("name")


class RobotFilterSet(FilterSet):
    """Robots: search (name), store, department and whether they are active."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search", help_text=_("Robot name"))
    store = django_filters.ModelChoiceFilter(
        label=_("Store"), empty_label=ALL, queryset=viewer_stores, widget=STORES.widget("settings_view")
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Department"),
        empty_label=ALL,
        queryset=Department.objects.order_by("name"),
        widget=DEPARTMENTS.widget("view"),
    )
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Robot
        fields = ["q", "store", "department", "is_active"]

    def filter_search(self, queryset, name, value):
        value = (value or "").strip()
        return queryset.filter(Q(name__icontains=value)) if value else queryset


class RouteFilterSet(FilterSet):
    """Routes: search (name), event kind, robot, store and whether they are active."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search", help_text=_("Route name"))
    kind = django_filters.ChoiceFilter(
        label=_("Event kind"), empty_label=ALL, choices=EventKind.choices, method="filter_kind"
    )
    robot = django_filters.ModelChoiceFilter(label=_("Robot"), empty_label=ALL, queryset=viewer_robots)
    store = django_filters.ModelChoiceFilter(
        label=_("Store"), empty_label=ALL, queryset=viewer_stores, widget=STORES.widget("settings_view")
    )
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Route
        fields = ["q", "kind", "robot", "store", "is_active"]

    def filter_search(self, queryset, name, value):
        value = (value or "").strip()
        return queryset.filter(name__icontains=value) if value else queryset

    def filter_kind(self, queryset, name, value):
        return queryset.filter(event_kinds__contains=[value]) if value else queryset
