"""Page base classes: sign-in required, then the view's queryset restricted to the viewer's stores.

No permission anywhere → 403; an object outside the viewer's stores → 404 (it is not in the
restricted queryset, so its existence is not revealed).
"""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.views import generic
from django_filters import FilterSet

from .permissions import permissions_of


class ScopedMixin(LoginRequiredMixin):
    """Requires sign-in (the 2FA middleware already gated admins) and the action's permission."""

    permission_action = "view"
    # Set by each view: a RestrictedModel subclass (Any: Django's generic views declare it as Model | None).
    model: Any = None
    request: HttpRequest

    def get_permission_action(self) -> str:
        return self.permission_action

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        perm = self.model.permission_for(self.get_permission_action())
        if not permissions_of(request.user).has_anywhere(perm):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def scope_queryset(self, queryset):
        return queryset

    def get_queryset(self):
        base = self.scope_queryset(self.model.objects.all())
        return base.restrict(self.request.user, self.get_permission_action())


class FilteredListView(ScopedMixin, generic.ListView):
    """A restricted list with a django-filter FilterSet (shared with the API) and pagination."""

    filterset_class: type[FilterSet] | None = None
    paginate_by = 50

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.filterset_class is None:
            self.filterset = None
            return queryset
        self.filterset = self.filterset_class(self.request.GET or None, queryset=queryset, request=self.request)
        return self.filterset.qs if self.filterset.is_bound and self.filterset.is_valid() else queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset
        query = self.request.GET.copy()
        query.pop("page", None)
        context["querystring"] = query.urlencode()
        return context


class ScopedDetailView(ScopedMixin, generic.DetailView):
    pass


def paginate(request, items, per_page=50):
    return Paginator(items, per_page).get_page(request.GET.get("page"))
