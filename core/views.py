"""The page path: gate → scope → parse → one service or selector → render (or one error mapping).

Every page declares, none re-implements (NetBox's ObjectPermissionRequiredMixin):
- sign-in (here) and the second factor (``core.middleware``, before any view runs);
- a permission: ``permission_action`` on the view's ``model`` (``model.permission_for(action)``), or an
  explicit ``required_permission`` codename — both answered by ``get_required_permission()``;
- how far it must reach: ``scope`` (``core.gates.Scope``: per store, company-wide, super admins, own record).

No permission anywhere → 403; an object outside the viewer's stores is not in the restricted queryset
→ 404 (its existence is not revealed). ``get_queryset()`` restricts ``scope_queryset()``'s result by the
action's permission; a queryset that must not be restricted says so through
``core.gates.dangerously_unscoped()``. A new gate is a new declaration, never a new ``dispatch()``.

Each view also declares the HTTP methods it serves (``http_method_names``): read pages GET, forms and
actions POST too; anything else answers 405.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.views import generic

from .filters import BAD_PAGE, query_int
from .gates import Gate, Scope, restricted
from .models import read_scope

# For the type checker the mixins are views (they always are, at run time, through the concrete class).
if TYPE_CHECKING:
    from django.views.generic import View as _View
else:
    _View = object

READ_METHODS = ["get", "head", "options"]
FORM_METHODS = ["get", "head", "options", "post"]
POST_ONLY = ["post"]


class GateMixin(AccessMixin, _View):
    """Sign-in, then the declared permission at the declared reach; the queryset restricted to match.

    The concrete view declares `model` (or `queryset`), as Django's generic views do."""

    permission_action = "view"
    required_permission: str | None = None
    scope: Scope = Scope.STORE
    http_method_names: Sequence[str] = READ_METHODS
    gates_step_up = True  # core.stepup.StepUpRequiredMixin's check runs here, after the permission

    # ---- the gate ---------------------------------------------------------------------------------
    def get_permission_action(self) -> str:
        return self.permission_action

    def get_required_permission(self) -> str | None:
        """The codename the page needs: declared outright, or the model's permission for the action."""
        if self.required_permission is not None:
            return self.required_permission
        model = self._model()
        permission_for = getattr(model, "permission_for", None)
        return permission_for(self.get_permission_action()) if permission_for else None

    def get_scope(self) -> Scope:
        return self.scope

    def get_gate(self) -> Gate:
        return Gate(self.get_required_permission(), Scope(self.get_scope()))

    def has_permission(self) -> bool:
        if self.get_gate().allows(self.request.user):
            return True
        # a read scope beyond the stores (core.models.register_read_scope: the manager persona) opens the model's
        # store-scoped read pages too; the queryset then holds only what the scope opens
        model = self._model()
        return (
            self.get_permission_action() == "view"
            and self.get_scope() == Scope.STORE
            and self.required_permission is None
            and model is not None
            and read_scope(model, self.request.user) is not None
        )

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.has_permission():
            raise PermissionDenied
        step_up = getattr(self, "step_up_response", None)  # core.stepup.StepUpRequiredMixin
        if step_up is not None and (response := step_up(request)) is not None:
            return response
        return super().dispatch(request, *args, **kwargs)

    # ---- the scope --------------------------------------------------------------------------------
    def _model(self) -> Any:
        queryset = getattr(self, "queryset", None)
        return getattr(self, "model", None) or (queryset.model if queryset is not None else None)

    def base_queryset(self):
        queryset = getattr(self, "queryset", None)
        if queryset is not None:
            return queryset.all()
        return self._model()._default_manager.all()

    def scope_queryset(self, queryset):
        """Refine the rows (joins, ordering, the viewer's own records); the restriction comes after."""
        return queryset

    def get_queryset(self):
        return restricted(self.scope_queryset(self.base_queryset()), self.request.user, self.get_permission_action())


class ListPageView(GateMixin, generic.ListView):
    """The one list skeleton: the restricted queryset, the FilterSet shared with the API, sorting by the
    declared `ordering_fields` (`?ordering=name` or `-name`, as the API), and pagination."""

    filterset_class: Any = None
    ordering_fields: tuple[str, ...] = ()
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        """A refused filter or a malformed page number answers 400, the page showing why (no rows)."""
        self.page_errors: list[str] = []
        response = super().get(request, *args, **kwargs)
        if self.page_errors or (self.filterset is not None and self.filterset.is_bound and self.filterset.errors):
            response.status_code = 400
        return response

    def get_queryset(self):
        queryset = super().get_queryset()
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=queryset, request=self.request)
            if self.filterset.is_bound:
                queryset = self.filterset.qs if self.filterset.is_valid() else queryset.none()
        return self.sorted(queryset)

    def paginate_queryset(self, queryset, page_size):
        if self.request.GET.get(self.page_kwarg) != "last":
            try:
                query_int(self.request.GET, self.page_kwarg, message=BAD_PAGE)
            except ValidationError as exc:
                self.page_errors = exc.messages
                self.kwargs[self.page_kwarg] = 1  # ListView reads the URL's kwargs before the query string
        return super().paginate_queryset(queryset, page_size)

    def sorted(self, queryset):
        key = self.request.GET.get("ordering", "")
        if key.lstrip("-") in self.ordering_fields:
            return queryset.order_by(key, "pk")
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset
        context["page_errors"] = getattr(self, "page_errors", [])
        query = self.request.GET.copy()
        query.pop("page", None)
        context["querystring"] = query.urlencode()
        return context


class DetailPageView(GateMixin, generic.DetailView):
    """One object from the restricted queryset (outside it: 404)."""


class ObjectActionView(GateMixin, generic.detail.SingleObjectMixin, generic.View):
    """A POST-only action on one object of the restricted queryset (send a test, revoke, …)."""

    http_method_names = POST_ONLY


class DeletePageView(GateMixin, generic.DetailView):
    """Confirm (GET), then delete (POST) one object of the restricted queryset through its service:
    `delete_object(actor, obj)` calls the service; a refusal (ValidationError) re-renders the confirmation with
    its messages (400); success says `deleted_message` (with %(name)s) and goes to `success_url`."""

    http_method_names = FORM_METHODS
    deleted_message = ""
    success_url: Any = None

    def delete_object(self, actor, obj) -> None:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        from django.contrib import messages
        from django.shortcuts import redirect

        from .forms import service_error_messages

        self.object = self.get_object()
        try:
            self.delete_object(request.user, self.object)
        except ValidationError as exc:
            context = self.get_context_data(object=self.object, errors=service_error_messages(exc))
            return self.render_to_response(context, status=400)
        messages.success(request, self.deleted_message % {"name": getattr(self.object, "name", self.object)})
        return redirect(self.success_url)


def paginate(request, items, per_page=50):
    return Paginator(items, per_page).get_page(request.GET.get("page"))
