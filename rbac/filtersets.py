"""FilterSets for bindings, access requests and exception grants, shared by pages and the API.

Choices are scoped to the viewer: a store or person outside their reach is "not a valid choice",
exactly like one that does not exist.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import FilterSet
from core.permissions import ALL_STORES, permissions_of
from staff.choosers import STAFF
from stores.choosers import STORES
from stores.models import Store

from .models import AccessRequest, ExceptionGrant, RequestStatus, Role, RoleBinding


def _viewer(request):
    return getattr(request, "user", None)


def visible_stores(request):
    ids = permissions_of(_viewer(request)).stores_with("users_view")
    return Store.objects.all() if ids is ALL_STORES else Store.objects.filter(pk__in=ids)


def visible_staff(request):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.restrict(_viewer(request), "view")


def visible_roles(request):
    return Role.objects.restrict(_viewer(request), "view")


class LiveFilterMixin(FilterSet):
    live = django_filters.BooleanFilter(
        label=_("Live"), method="filter_live", help_text=_("Only live (or, with false, only ended) ones")
    )

    def filter_live(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.live() if value else queryset.ended()


class RoleBindingFilterSet(LiveFilterMixin):
    """Bindings by person, store, role and liveness."""

    staff = django_filters.ModelChoiceFilter(
        label=_("Staff member"), queryset=visible_staff, widget=STAFF.widget("view")
    )
    store = django_filters.ModelChoiceFilter(
        label=_("Store"), queryset=visible_stores, widget=STORES.widget("users_view")
    )
    role = django_filters.ModelChoiceFilter(label=_("Role"), queryset=visible_roles)
    all_stores = django_filters.BooleanFilter(label=_("All-store bindings"), field_name="store", lookup_expr="isnull")

    class Meta:
        model = RoleBinding
        fields = ["staff", "store", "role", "all_stores", "live"]


class ExceptionGrantFilterSet(LiveFilterMixin):
    """Exception grants by person, store and liveness."""

    staff = django_filters.ModelChoiceFilter(
        label=_("Staff member"), queryset=visible_staff, widget=STAFF.widget("view")
    )
    store = django_filters.ModelChoiceFilter(
        label=_("Store"), queryset=visible_stores, widget=STORES.widget("users_view")
    )

    class Meta:
        model = ExceptionGrant
        fields = ["staff", "store", "live"]


class AccessRequestFilterSet(FilterSet):
    """Access requests by status, person, store and role."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=RequestStatus.choices)
    staff = django_filters.ModelChoiceFilter(label=_("For"), queryset=visible_staff, widget=STAFF.widget("view"))
    store = django_filters.ModelChoiceFilter(
        label=_("Store"), queryset=visible_stores, widget=STORES.widget("users_view")
    )
    role = django_filters.ModelChoiceFilter(label=_("Role"), queryset=visible_roles)

    class Meta:
        model = AccessRequest
        fields = ["status", "staff", "store", "role"]
