"""The role matrix, a role's page, role editing and deletion, and the default roles of a position."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.gates import Scope
from core.permissions import permissions_of
from core.views import FORM_METHODS, GateMixin
from staff.models import Position
from stores.catalogue import BY_CODENAME

from .. import forms, page_selectors, selectors, services
from ..models import Role
from ..services import common as services_common
from .common import _error_messages, _form_error


class RoleMatrixView(GateMixin, TemplateView):
    """The 权限矩阵: roles × modules with each action, high-risk ones flagged; printable."""

    required_permission = "users_view"
    template_name = "rbac/role_matrix.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        viewer = self.request.user
        context["matrix"] = selectors.role_matrix(viewer=viewer)
        context["catalogue"] = selectors.catalogue_by_module()
        context["super_admin"] = permissions_of(viewer).super_admin
        context["positions"] = page_selectors.positions_with_defaults()
        return context


def _visible_role(request, pk) -> Role:
    return get_object_or_404(Role.objects.restrict(request.user, "view").prefetch_related("permissions"), pk=pk)


class RoleDetailView(GateMixin, TemplateView):
    """One role: what it allows in plain words, who holds it in the viewer's stores, which positions
    propose it."""

    required_permission = "users_view"
    template_name = "rbac/role_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        role = _visible_role(self.request, kwargs["pk"])
        codes = BY_CODENAME.keys() if role.is_super_admin else [p.codename for p in role.permissions.all()]
        holders = page_selectors.role_holders(viewer=self.request.user, role=role)
        context.update(
            role=role,
            permissions=selectors.permissions_explained(codes),
            holders=holders[:200],
            holder_count=holders.count(),
            positions=page_selectors.role_positions(role=role),
            super_admin=permissions_of(self.request.user).super_admin,
        )
        return context


class RoleFormView(GateMixin, View):
    """Create or edit a role (super admins only): name, description, the catalogue as checkboxes."""

    http_method_names = FORM_METHODS
    scope = Scope.SUPER_ADMIN
    template_name = "rbac/role_form.html"

    def get_role(self) -> Role | None:
        pk = self.kwargs.get("pk")
        return _visible_role(self.request, pk) if pk is not None else None

    def render_form(self, form, role, status=200):
        selected = set(form["permissions"].value() or [])
        context = {
            "form": form,
            "role": role,
            "catalogue": selectors.catalogue_by_module(),
            "selected": selected,
            "disabled": form.fields["permissions"].disabled,
        }
        if role is not None:
            context["holder_count"] = role.bindings.live().count()
            context["staff_count"] = role.bindings.live().values("staff_id").distinct().count()
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        role = self.get_role()
        return self.render_form(forms.RoleForm(role=role), role)

    def post(self, request, *args, **kwargs):
        role = self.get_role()
        form = forms.RoleForm(request.POST, role=role)
        if form.is_valid():
            try:
                if role is None:
                    role = services.role_create(actor=request.user, **form.service_data())
                    messages.success(request, _("Role created."))
                else:
                    role = services.role_update(actor=request.user, role=role, **form.service_data())
                    messages.success(request, _("Role saved; every holder's rights changed with it."))
            except (ValidationError, PermissionDenied) as exc:
                _form_error(form, exc)
            else:
                return redirect("rbac:role_detail", pk=role.pk)
        return self.render_form(form, role, status=400)


class RoleDeleteView(GateMixin, View):
    """Confirm, then delete a role (super admins only); refused with the reason when it is in use."""

    http_method_names = FORM_METHODS
    scope = Scope.SUPER_ADMIN
    template_name = "rbac/role_delete.html"

    def render_page(self, role, form, errors=(), status=200):
        context = {
            "role": role,
            "form": form,
            "errors": errors,
            "live": role.bindings.live().count(),
            "pending": role.access_requests.pending().count(),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self.render_page(_visible_role(request, pk), forms.RoleDeleteForm())

    def post(self, request, pk):
        role = _visible_role(request, pk)
        form = forms.RoleDeleteForm(request.POST)
        if not form.is_valid():
            return self.render_page(role, form, status=400)
        try:
            services.role_delete(actor=request.user, role=role, reason=form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as exc:
            return self.render_page(role, form, errors=_error_messages(exc), status=400)
        messages.success(request, _("Role “%(name)s” deleted.") % {"name": role.name})
        return redirect("rbac:role_matrix")


class PositionRolesView(GateMixin, View):
    """The default roles a position proposes (super admins only)."""

    http_method_names = FORM_METHODS
    scope = Scope.SUPER_ADMIN
    template_name = "rbac/position_roles.html"

    def get(self, request, pk):
        position = get_object_or_404(Position, pk=pk)
        initial = {"roles": selectors.position_default_roles(position=position)}
        return render(
            request, self.template_name, {"position": position, "form": forms.PositionRolesForm(initial=initial)}
        )

    def post(self, request, pk):
        position = get_object_or_404(Position, pk=pk)
        form = forms.PositionRolesForm(request.POST)
        if form.is_valid():
            try:
                services.position_roles_set(actor=request.user, position=position, roles=form.cleaned_data["roles"])
            except (ValidationError, PermissionDenied) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Default roles of “%(name)s” saved.") % {"name": position.name})
                return redirect(reverse("rbac:role_matrix") + "#positions")
        return render(request, self.template_name, {"position": position, "form": form}, status=400)


class ApprovalPolicyView(GateMixin, View):
    """Super admins see and set which grants wait for a second person: per permission (default: the catalogue's
    high-risk ones) and per role (by its permissions, always, never); saving is audited."""

    scope = Scope.SUPER_ADMIN
    http_method_names = FORM_METHODS
    template_name = "rbac/approval_policy.html"

    def form(self, data=None):
        roles = Role.objects.order_by("-builtin", "name")
        return forms.ApprovalPolicyForm(data, roles=roles, initial_codes=services_common.approval_codes())

    def get(self, request):
        return render(request, self.template_name, {"form": self.form()})

    def post(self, request):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                services.approval_policy_set(
                    actor=request.user, permissions=form.cleaned_data["permissions"], roles=form.role_modes()
                )
            except (ValidationError, PermissionDenied) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Approval policy saved."))
                return redirect("rbac:approval_policy")
        return render(request, self.template_name, {"form": form}, status=400)
