"""The store FilterSet, shared by the store list, the duties table and the API.

Owner choices are scoped to the viewer (see selectors.owner_choices)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.filters import FilterSet
from core.widgets import ChooserSelect

from .choices import Platform, Site, StoreStatus
from .choosers import STAFF
from .models import Store, StoreGroup
from .selectors import owner_choices, storegroup_choices

ALL = _("All")


def viewer_owner_choices(request):
    return owner_choices(viewer=getattr(request, "user", None))


class OwnerSelect(ChooserSelect):
    """The owner chooser, rendering the person the filter's validation already found (OwnerField) instead
    of running the owner scope a second time to label the chosen option."""

    validated: tuple = ()

    def chosen(self, value) -> list:
        wanted = {str(v) for v in value if v not in (None, "")}
        if not wanted or wanted != {str(obj.pk) for obj in self.validated}:
            return super().chosen(value)
        field = self.choices.field
        head = [("", field.empty_label)] if field.empty_label is not None else []
        return head + [self.choices.choice(obj) for obj in self.validated]


class OwnerField(django_filters.fields.ModelChoiceField):
    """Hands the owner it validated (within the viewer's owner scope) to its OwnerSelect."""

    def to_python(self, value):
        obj = super().to_python(value)
        if isinstance(self.widget, OwnerSelect):
            self.widget.validated = (obj,) if obj is not None else ()
        return obj


class OwnerFilter(django_filters.ModelChoiceFilter):
    field_class = OwnerField


class StoreFilterSet(FilterSet):
    """Stores: search (name, shop ID, emergency contact), platform, site, status, owner and store group."""

    q = django_filters.CharFilter(
        label=_("Search"), method="filter_search", help_text=_("Name, platform shop ID or emergency contact")
    )
    platform = django_filters.ChoiceFilter(label=_("Platform"), empty_label=ALL, choices=Platform.choices)
    site = django_filters.ChoiceFilter(label=_("Site"), empty_label=ALL, choices=Site.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), empty_label=ALL, choices=StoreStatus.choices)
    owner = OwnerFilter(
        label=_("Owner"),
        empty_label=ALL,
        queryset=viewer_owner_choices,
        method="filter_owner",
        help_text=_("Primary or backup owner"),
        widget=OwnerSelect(STAFF, "store_owner"),
    )

    group = django_filters.ModelChoiceFilter(
        label=_("Store group"),
        empty_label=ALL,
        queryset=lambda request: storegroup_choices(viewer=getattr(request, "user", None)),
        field_name="groups",
        distinct=False,  # a store is in a group once (the M2M's rows are unique), so no duplicates to remove
    )

    class Meta:
        model = Store
        fields = ["q", "platform", "site", "status", "owner", "group"]

    def filter_search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(shop_id__icontains=value) | Q(emergency_contact__icontains=value)
        )

    @extend_schema_field(OpenApiTypes.INT)
    def filter_owner(self, queryset, name, value):
        return queryset.filter(Q(primary_owner=value) | Q(backup_owner=value)) if value else queryset


class StoreGroupFilterSet(FilterSet):
    """Store groups: search (name, description) and groups holding a store."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search", help_text=_("Name or description"))

    class Meta:
        model = StoreGroup
        fields = ["q"]

    def filter_search(self, queryset, name, value):
        value = (value or "").strip()
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value)) if value else queryset
