"""The group robot FilterSet, shared by the robot list page and the API. Store choices are the viewer's."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import FilterSet
from staff.choosers import DEPARTMENTS
from staff.models import Department
from stores.choosers import STORES
from stores.models import Store

from .models import Robot

ALL = _("All")


def viewer_stores(request):
    """Stores whose settings the viewer may see (none without a request, e.g. schema generation)."""
    return Store.objects.restrict(getattr(request, "user", None), "settings_view").order_by("platform", "site", "name")


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
