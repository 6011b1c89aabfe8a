"""The store FilterSet, shared by the store list, the duties table and the API.

Owner choices are scoped to the viewer (see selectors.owner_choices)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.filters import FilterSet

from .choices import Platform, Site, StoreStatus
from .choosers import STAFF
from .models import Store
from .selectors import owner_choices

ALL = _("All")


def viewer_owner_choices(request):
    return owner_choices(viewer=getattr(request, "user", None))


class StoreFilterSet(FilterSet):
    """Stores: search (name, shop ID, emergency contact), platform, site, status and owner."""

    q = django_filters.CharFilter(
        label=_("Search"), method="filter_search", help_text=_("Name, platform shop ID or emergency contact")
    )
    platform = django_filters.ChoiceFilter(label=_("Platform"), empty_label=ALL, choices=Platform.choices)
    site = django_filters.ChoiceFilter(label=_("Site"), empty_label=ALL, choices=Site.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), empty_label=ALL, choices=StoreStatus.choices)
    owner = django_filters.ModelChoiceFilter(
        label=_("Owner"),
        empty_label=ALL,
        queryset=viewer_owner_choices,
        method="filter_owner",
        help_text=_("Primary or backup owner"),
        widget=STAFF.widget("store_owner"),
    )

    class Meta:
        model = Store
        fields = ["q", "platform", "site", "status", "owner"]

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
