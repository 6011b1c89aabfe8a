"""Pages of the roles app: the 权限矩阵, role editing, the staff × stores grid, grants (single and bulk,
with a preview), revocations, access requests, "my duties" and "why".

Views parse input, call one selector or service, render. Every page is scoped to the viewer: no right
anywhere → 403, an object outside their stores → 404; refusals come from rbac.services, in the
viewer's language, and are shown as form errors or messages. Audit events are written by the services.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.permissions import permissions_of
from staff.models import Position
from staff.views import add_service_errors
from stores.catalogue import BY_CODENAME, HIGH_RISK, label_of

from . import forms, page_selectors, selectors, services
from .filtersets import AccessRequestFilterSet
from .models import SUPER_ADMIN_ONLY, AccessRequest, ExceptionGrant, RequestStatus, Role, RoleBinding

Staff = get_user_model()

GRID_MAX = 100
GRID_ROWS = 50
GRID_COLS = 25


# ---------------------------------------------------------------------------------------------- access


class RequiresMixin(LoginRequiredMixin):
    """Sign-in required, then `required` held on at least one store (None: any signed-in person).
    SUPER_ADMIN_ONLY is held by nobody on a store, so only super admins pass it."""

    required: str | None = "users_view"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.required is not None and not permissions_of(request.user).has_anywhere(self.required):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _error_messages(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return exc.messages
    return [str(exc)] if str(exc) else [_("You are not allowed to do this.")]


def _form_error(form, exc: Exception) -> None:
    """A service refusal on the form: a ValidationError next to its fields, a PermissionDenied above them."""
    if isinstance(exc, ValidationError):
        add_service_errors(form, exc)
    else:
        form.add_error(None, _error_messages(exc))


# ---------------------------------------------------------------------------------------------- roles


class RoleMatrixView(RequiresMixin, TemplateView):
    """The 权限矩阵: roles × modules with each action, high-risk ones flagged; printable."""

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


class RoleDetailView(RequiresMixin, TemplateView):
    """One role: what it allows in plain words, who holds it in the viewer's stores, which positions
    propose it."""

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


class RoleFormView(RequiresMixin, View):
    """Create or edit a role (super admins only): name, description, the catalogue as checkboxes."""

    required = SUPER_ADMIN_ONLY
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


class RoleDeleteView(RequiresMixin, View):
    """Confirm, then delete a role (super admins only); refused with the reason when it is in use."""

    required = SUPER_ADMIN_ONLY
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


class PositionRolesView(RequiresMixin, View):
    """The default roles a position proposes (super admins only)."""

    required = SUPER_ADMIN_ONLY
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


# ---------------------------------------------------------------------------------------------- the grid


def _int(value, default: int, *, low: int = 1, high: int | None = None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    number = max(low, number)
    return min(high, number) if high is not None else number


class GridView(RequiresMixin, TemplateView):
    """Staff × stores with the role(s) in each cell (all-store roles in their own column), filtered by
    department, platform, site and role (choices within the viewer's reach), paged along both axes."""

    template_name = "rbac/grid.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        viewer, params = self.request.user, self.request.GET
        choices = page_selectors.grid_choices(viewer=viewer)
        departments = {str(d.pk): d for d in choices.departments}
        roles = {str(r.pk): r for r in choices.roles}
        department = departments.get(params.get("department", ""))
        role = roles.get(params.get("role", ""))
        platform = params.get("platform") if params.get("platform") in dict(choices.platforms) else None
        site = params.get("site") if params.get("site") in dict(choices.sites) else None
        rows = _int(params.get("rows"), GRID_ROWS, high=GRID_MAX)
        cols = _int(params.get("cols"), GRID_COLS, high=GRID_MAX)
        row_page = _int(params.get("page"), 1)
        col_page = _int(params.get("cpage"), 1)
        grid = selectors.assignment_grid(
            viewer=viewer,
            department=department,
            platform=platform,
            site=site,
            role=role and role.pk,
            staff_offset=(row_page - 1) * rows,
            staff_limit=rows,
            store_offset=(col_page - 1) * cols,
            store_limit=cols,
        )
        kept = {
            k: v
            for k, v in {
                "department": department and department.pk,
                "platform": platform,
                "site": site,
                "role": role and role.pk,
                "rows": params.get("rows"),
                "cols": params.get("cols"),
            }.items()
            if v
        }
        context.update(
            grid=grid,
            choices=choices,
            selected={"department": department, "role": role, "platform": platform, "site": site},
            row_pages=_pages(grid.staff_total, rows, row_page, "page", {**kept, "cpage": col_page}),
            col_pages=_pages(grid.store_total, cols, col_page, "cpage", {**kept, "page": row_page}),
            can_grant=permissions_of(viewer).has_anywhere("users_manage"),
            filtered=bool(department or role or platform or site),
        )
        return context


def _pages(total: int, size: int, current: int, param: str, keep: dict) -> dict:
    """Previous/next links for one axis of the grid, keeping the other axis and the filters."""
    last = max(1, -(-total // size))

    def link(number):
        return "?" + urlencode({**keep, param: number})

    return {
        "current": min(current, last),
        "last": last,
        "total": total,
        "first_index": (current - 1) * size + 1 if total else 0,
        "last_index": min(current * size, total),
        "previous": link(current - 1) if current > 1 else None,
        "next": link(current + 1) if current < last else None,
    }


# ---------------------------------------------------------------------------------------------- single grant / revoke


class _GrantOneView(RequiresMixin, View):
    """A single grant form: prefilled from the query string, the service's refusal shown on the form; a
    high-risk grant becomes an access request (its page is shown next)."""

    required = "users_manage"
    form_class: type
    prefill: tuple[str, ...]

    def grant(self, actor, data):
        raise NotImplementedError

    def messages_for(self, data) -> tuple[str, str]:
        """(the access request's notice, the grant's success message)"""
        raise NotImplementedError

    def get(self, request):
        initial = {k: request.GET[k] for k in self.prefill if request.GET.get(k)}
        form = self.form_class(viewer=request.user, initial=initial)
        return render(request, self.template_name, {"form": form, "next": _next_url(request, "")})

    def post(self, request):
        form = self.form_class(request.POST, viewer=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = self.grant(request.user, data)
            except (ValidationError, PermissionDenied) as exc:
                _form_error(form, exc)
            else:
                requested, granted = self.messages_for(data)
                if isinstance(result, AccessRequest):
                    messages.info(request, requested)
                    return redirect("rbac:access_request_detail", pk=result.pk)
                messages.success(request, granted)
                return redirect(_next_url(request, data["staff"].get_absolute_url()))
        return render(request, self.template_name, {"form": form, "next": _next_url(request, "")}, status=400)


class GrantView(_GrantOneView):
    """One role to one person on one store (from the store and staff pages): with a reason and an
    optional expiry. A high-risk role becomes an access request; refusals are shown on the form."""

    template_name = "rbac/grant_form.html"
    form_class = forms.GrantForm
    prefill = ("staff", "store", "role")

    def grant(self, actor, data):
        return services.binding_grant(
            actor=actor,
            staff=data["staff"],
            role=data["role"],
            store=data["store"],
            reason=data["reason"],
            expires_at=data["expires_at"],
        )

    def messages_for(self, data):
        names = {"role": data["role"].name, "name": data["staff"]}
        return (
            _(
                "“%(role)s” includes high-risk permissions: an access request was "
                "opened and waits for a second person's approval."
            )
            % names,
            _("Granted “%(role)s” to %(name)s.") % names,
        )


class ExceptionGrantView(_GrantOneView):
    """One permission on one store, outside any role, with a reason and an optional expiry (same
    delegation rules as roles). A high-risk permission becomes an access request."""

    template_name = "rbac/exception_grant_form.html"
    form_class = forms.ExceptionGrantForm
    prefill = ("staff", "store", "permission")

    def grant(self, actor, data):
        return services.exception_grant(
            actor=actor,
            staff=data["staff"],
            store=data["store"],
            permission=data["permission"],
            reason=data["reason"],
            expires_at=data["expires_at"],
        )

    def messages_for(self, data):
        names = {"perm": label_of(data["permission"]), "store": data["store"], "name": data["staff"]}
        return (
            _(
                "“%(perm)s” is a high-risk permission: an access request was opened and waits for "
                "a second person's approval."
            )
            % names,
            _("Granted “%(perm)s” on %(store)s to %(name)s.") % names,
        )


class _RevokeOneView(RequiresMixin, View):
    """Confirm, with a reason, and end one live grant in a store where the viewer manages users (any
    other reads as not found)."""

    required = "users_manage"
    template_name = "rbac/revoke_form.html"

    def get_object(self, request, pk):
        raise NotImplementedError

    def revoke(self, actor, obj, reason: str) -> None:
        raise NotImplementedError

    def describe(self, obj) -> dict:
        """The page title, what is revoked (label, text, link) and the success message."""
        raise NotImplementedError

    def render_page(self, request, obj, form, status=200):
        context = {"grant": obj, "form": form, "next": _next_url(request, ""), **self.describe(obj)}
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self.render_page(request, self.get_object(request, pk), forms.RevokeForm())

    def post(self, request, pk):
        obj = self.get_object(request, pk)
        form = forms.RevokeForm(request.POST)
        if form.is_valid():
            try:
                self.revoke(request.user, obj, form.cleaned_data["reason"])
            except (ValidationError, PermissionDenied) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, self.describe(obj)["done"])
                return redirect(_next_url(request, obj.staff.get_absolute_url()))
        return self.render_page(request, obj, form, status=400)


class RevokeView(_RevokeOneView):
    """Revoke one live role binding."""

    def get_object(self, request, pk) -> RoleBinding:
        return get_object_or_404(
            RoleBinding.objects.restrict(request.user, "change").select_related("staff", "role", "store", "granted_by"),
            pk=pk,
        )

    def revoke(self, actor, obj, reason):
        services.binding_revoke(actor=actor, binding=obj, reason=reason)

    def describe(self, obj):
        return {
            "title": _("Revoke a role"),
            "what_label": _("Role"),
            "what": obj.role.name,
            "what_url": reverse("rbac:role_detail", args=[obj.role.pk]),
            "done": _("Revoked “%(role)s” from %(name)s.") % {"role": obj.role.name, "name": obj.staff},
        }


class ExceptionRevokeView(_RevokeOneView):
    """Revoke one live single-permission grant."""

    def get_object(self, request, pk) -> ExceptionGrant:
        return get_object_or_404(
            ExceptionGrant.objects.restrict(request.user, "change").select_related(
                "staff", "store", "permission", "granted_by"
            ),
            pk=pk,
        )

    def revoke(self, actor, obj, reason):
        services.exception_revoke(actor=actor, grant=obj, reason=reason)

    def describe(self, obj):
        label = label_of(obj.permission.codename)
        return {
            "title": _("Revoke a single permission"),
            "what_label": _("Permission"),
            "what": f"{label} ({obj.permission.codename})",
            "what_url": "",
            "done": _("Revoked “%(perm)s” on %(store)s from %(name)s.")
            % {"perm": label, "store": obj.store, "name": obj.staff},
        }


# ---------------------------------------------------------------------------------------------- bulk grant / revoke


class PlanChanged(Exception):
    """What the service was about to apply differs from the preview the person confirmed."""


def _key(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:40]


def _pk(obj):
    return obj.pk if obj is not None else None


def grant_plan_key(plan: services.GrantPlan) -> str:
    """A fingerprint of exactly what a grant plan does (the preview's promise)."""

    def pairs(targets):
        return sorted([_pk(p), _pk(s) or 0] for p, s in targets)

    return _key(
        {
            "role": plan.role.pk,
            "grant": pairs(plan.grant),
            "request": pairs(plan.request),
            "unchanged": pairs(plan.unchanged),
            "refused": pairs((r.staff, r.store) for r in plan.refused),
        }
    )


def revoke_plan_key(plan: services.RevokePlan) -> str:
    return _key(
        {
            "revoke": sorted(b.pk for b in plan.revoke),
            "unchanged": sorted(b.pk for b in plan.unchanged),
            "refused": sorted(r.binding.pk for r in plan.refused),
        }
    )


def _apply_exactly(apply, key_of, expected: str):
    """Run a bulk service inside a transaction and keep its work only if it did exactly what was previewed."""
    with transaction.atomic():
        outcome = apply()
        if key_of(outcome) != expected:
            raise PlanChanged
    return outcome


def _carried(request) -> list[tuple[str, str]]:
    """The form's parameters, to post again unchanged from the preview."""
    skip = {"csrfmiddlewaretoken", "step", "plan_key"}
    return [(name, value) for name, values in request.POST.lists() if name not in skip for value in values]


class BulkGrantView(RequiresMixin, View):
    """Form → preview (new bindings, already held, refusals with the reason, what needs approval) →
    confirm (the same parameters posted again, re-planned and re-validated by the service)."""

    required = "users_manage"
    form_class: type = forms.BulkGrantStoresForm
    mode = "stores"
    many = ("stores",)
    template_name = "rbac/bulk_grant_form.html"
    preview_template = "rbac/bulk_grant_preview.html"

    def get(self, request):
        initial = {}
        for name in ("staff", "store", "stores", "role"):
            if request.GET.get(name):
                initial[name] = request.GET.getlist(name) if name in self.many else request.GET[name]
        return self.render_form(self.form_class(viewer=request.user, initial=initial))

    def render_form(self, form, status=200):
        return render(self.request, self.template_name, {"form": form, "mode": self.mode}, status=status)

    def render_preview(self, form, plan, status=200):
        context = {
            "form": form,
            "mode": self.mode,
            "plan": plan,
            "plan_key": grant_plan_key(plan),
            "carried": _carried(self.request),
            "has_work": bool(plan.grant or plan.request),
            "high_risk": [BY_CODENAME[c] for c in plan.high_risk],
            "role_permissions": selectors.permissions_explained(
                BY_CODENAME.keys() if plan.role.is_super_admin else selectors.role_codenames(plan.role)
            ),
        }
        return render(self.request, self.preview_template, context, status=status)

    def post(self, request):
        form = self.form_class(request.POST, viewer=request.user)
        if not form.is_valid():
            return self.render_form(form, status=400)
        targets, expires_at, reason = form.targets(), form.cleaned_data["expires_at"], form.cleaned_data["reason"]
        try:
            plan = services.bindings_bulk_grant_plan(actor=request.user, expires_at=expires_at, **targets)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_form(form, status=400)
        if request.POST.get("step") != "confirm":
            return self.render_preview(form, plan)
        expected = request.POST.get("plan_key", "")
        try:
            if grant_plan_key(plan) != expected:
                raise PlanChanged
            result = _apply_exactly(
                lambda: services.bindings_bulk_grant(
                    actor=request.user, reason=reason, expires_at=expires_at, **targets
                ),
                lambda r: grant_plan_key(r.plan),
                expected,
            )
        except PlanChanged:
            messages.warning(
                request,
                _("Something changed since the preview; nothing was saved. Check the changes again and confirm."),
            )
            plan = services.bindings_bulk_grant_plan(actor=request.user, expires_at=expires_at, **targets)
            return self.render_preview(form, plan, status=409)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_form(form, status=400)
        messages.success(
            request,
            _(
                "Granted %(granted)d; %(requested)d waiting for approval; %(unchanged)d "
                "already held; %(refused)d refused."
            )
            % {
                "granted": len(result.bindings),
                "requested": len(result.requests),
                "unchanged": len(result.plan.unchanged),
                "refused": len(result.plan.refused),
            },
        )
        for refusal in result.plan.refused[:5]:
            messages.warning(request, f"{refusal.staff} · {refusal.store or _('All stores')}: {refusal.message}")
        return redirect(self.success_url(form))

    def success_url(self, form) -> str:
        return form.cleaned_data["staff"].get_absolute_url()


class BulkGrantStoresView(BulkGrantView):
    """One role to one person on many stores."""


class BulkGrantStaffView(BulkGrantView):
    """One role on one store to many people."""

    form_class = forms.BulkGrantStaffForm
    mode = "staff"
    many = ("staff",)

    def success_url(self, form) -> str:
        return form.cleaned_data["store"].get_absolute_url()


class BulkRevokeView(RequiresMixin, View):
    """Form (a person and/or a store, optionally one role) → preview of the live bindings that end,
    and the refusals with the reason → confirm with the same parameters."""

    required = "users_manage"
    template_name = "rbac/bulk_revoke_form.html"
    preview_template = "rbac/bulk_revoke_preview.html"

    def get(self, request):
        initial = {k: request.GET[k] for k in ("staff", "store", "role") if request.GET.get(k)}
        return render(request, self.template_name, {"form": forms.BulkRevokeForm(viewer=request.user, initial=initial)})

    def bindings(self, form):
        data = form.cleaned_data
        return selectors.binding_list(
            viewer=self.request.user, staff=data["staff"], store=data["store"], role=data["role"], live=True
        )

    def render_preview(self, form, plan, status=200):
        context = {"form": form, "plan": plan, "plan_key": revoke_plan_key(plan), "carried": _carried(self.request)}
        return render(self.request, self.preview_template, context, status=status)

    def post(self, request):
        form = forms.BulkRevokeForm(request.POST, viewer=request.user)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        plan = services.bindings_bulk_revoke_plan(actor=request.user, bindings=self.bindings(form))
        if request.POST.get("step") != "confirm":
            return self.render_preview(form, plan)
        expected = request.POST.get("plan_key", "")
        try:
            if revoke_plan_key(plan) != expected:
                raise PlanChanged
            applied = _apply_exactly(
                lambda: services.bindings_bulk_revoke(
                    actor=request.user, bindings=self.bindings(form), reason=form.cleaned_data["reason"]
                ),
                revoke_plan_key,
                expected,
            )
        except PlanChanged:
            messages.warning(
                request,
                _("Something changed since the preview; nothing was saved. Check the changes again and confirm."),
            )
            plan = services.bindings_bulk_revoke_plan(actor=request.user, bindings=self.bindings(form))
            return self.render_preview(form, plan, status=409)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return render(request, self.template_name, {"form": form}, status=400)
        messages.success(
            request,
            _("Revoked %(revoked)d; %(refused)d refused.")
            % {"revoked": len(applied.revoke), "refused": len(applied.refused)},
        )
        data = form.cleaned_data
        target = data["staff"].get_absolute_url() if data["staff"] else data["store"].get_absolute_url()
        return redirect(target)


# ---------------------------------------------------------------------------------------------- offboarding


class StaffOffboardView(RequiresMixin, View):
    """Offboard a person: GET previews every binding, exception grant and pending request that ends (in the
    viewer's stores) and what stands in the way (stores they still own, rights the viewer may not revoke);
    POST with a reason calls rbac.services.staff_offboard. For users_manage holders over that person."""

    required = "users_manage"
    template_name = "rbac/staff_offboard.html"

    def get_person(self, request, pk):
        return get_object_or_404(
            Staff.objects.restrict(request.user, "change").select_related("position", "department"), pk=pk
        )

    def render_page(self, request, person, form, status=200):
        preview = page_selectors.offboarding_preview(viewer=request.user, staff=person)
        return render(request, self.template_name, {"person": person, "preview": preview, "form": form}, status=status)

    def get(self, request, pk):
        return self.render_page(request, self.get_person(request, pk), forms.OffboardForm())

    def post(self, request, pk):
        person = self.get_person(request, pk)
        form = forms.OffboardForm(request.POST)
        if form.is_valid():
            try:
                result = services.staff_offboard(actor=request.user, staff=person, reason=form.cleaned_data["reason"])
            except (ValidationError, PermissionDenied) as exc:
                _form_error(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "%(name)s has been offboarded: %(bindings)d roles and %(grants)d single "
                        "permissions revoked, %(requests)d pending requests cancelled; they can "
                        "no longer sign in."
                    )
                    % {
                        "name": person,
                        "bindings": result.bindings,
                        "grants": result.exception_grants,
                        "requests": result.requests,
                    },
                )
                return redirect(person.get_absolute_url())
        return self.render_page(request, person, form, status=400)


# ---------------------------------------------------------------------------------------------- my duties & why


class MyDutiesView(RequiresMixin, TemplateView):
    """我的职责 for every signed-in person: my stores and roles there, ownership, what I may do in plain
    words, grants ending within 14 days, my pending requests (as requester and as grantee)."""

    required = None
    template_name = "rbac/my_duties.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        viewer = self.request.user
        duties = selectors.my_duties(viewer=viewer, soon=page_selectors.EXPIRY_WINDOW)
        context.update(
            duties=duties,
            requested=[r for r in duties.my_requests if r.requested_by_id == viewer.pk],
            for_me=[r for r in duties.my_requests if r.staff_id == viewer.pk and r.requested_by_id != viewer.pk],
        )
        return context


class WhyView(RequiresMixin, TemplateView):
    """Why may X do P on store S: the bindings, roles, exception grants and approvals that give it."""

    template_name = "rbac/why.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        viewer = self.request.user
        form = forms.WhyForm(self.request.GET or None, viewer=viewer)
        context["form"] = form
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            context["explanation"] = selectors.permission_explanation(
                viewer=viewer, staff=data["staff"], perm=data["permission"], store=data["store"]
            )
            context["high_risk"] = data["permission"] in HIGH_RISK
        return context


# ---------------------------------------------------------------------------------------------- access requests


class AccessRequestListView(RequiresMixin, TemplateView):
    """Requests waiting for the viewer's decision, their own, and the history of their stores."""

    required = None
    template_name = "rbac/access_request_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        viewer = self.request.user
        context["to_decide"] = selectors.access_requests_pending_for(approver=viewer)
        context["mine"] = selectors.my_access_requests(viewer=viewer, pending_only=False)[:50]
        if permissions_of(viewer).has_anywhere("users_view"):
            filterset = AccessRequestFilterSet(
                self.request.GET or None, request=self.request, queryset=selectors.access_request_list(viewer=viewer)
            )
            rows = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
            context["filterset"] = filterset
            context["page_obj"] = Paginator(rows, 50).get_page(self.request.GET.get("page"))
            query = self.request.GET.copy()
            query.pop("page", None)
            context["querystring"] = query.urlencode()
        return context


class AccessRequestMixin(RequiresMixin):
    required = None

    def get_request_object(self, pk) -> AccessRequest:
        return get_object_or_404(page_selectors.visible_access_requests(viewer=self.request.user), pk=pk)

    def render_detail(self, req, *, form=None, errors=(), status=200):
        viewer = self.request.user
        role_codes = (req.description.get("role") or {}).get("permissions") or []
        pending = req.status == RequestStatus.PENDING
        context = {
            "req": req,
            "errors": errors,
            "form": form or forms.DecisionForm(),
            "may_decide": pending and page_selectors.access_request_decidable(viewer=viewer, access_request=req),
            "may_cancel": pending and viewer.pk in (req.requested_by_id, req.staff_id),
            "role_permissions": selectors.permissions_explained(role_codes),
            "adds": [BY_CODENAME[c] for c in req.description.get("adds", []) if c in BY_CODENAME],
            "high_risk": [BY_CODENAME[c] for c in req.description.get("high_risk", []) if c in BY_CODENAME],
            "single": BY_CODENAME.get(req.description.get("permission") or ""),
        }
        return render(self.request, "rbac/access_request_detail.html", context, status=status)


class AccessRequestDetailView(AccessRequestMixin, View):
    """One request with the frozen description of what would change; approve / reject for those who may."""

    def get(self, request, pk):
        return self.render_detail(self.get_request_object(pk))


class AccessRequestDecisionView(AccessRequestMixin, View):
    """POST: approve or reject with a reason (the service re-checks who may)."""

    http_method_names = ["post"]
    decision = "approve"

    def post(self, request, pk):
        req = self.get_request_object(pk)
        form = forms.DecisionForm(request.POST)
        if not form.is_valid():
            return self.render_detail(req, form=form, status=400)
        service = services.access_request_approve if self.decision == "approve" else services.access_request_reject
        try:
            service(actor=request.user, access_request=req, reason=form.cleaned_data["reason"])
        except PermissionDenied as exc:
            return self.render_detail(req, form=form, errors=_error_messages(exc), status=403)
        except ValidationError as exc:
            return self.render_detail(req, form=form, errors=_error_messages(exc), status=400)
        done = _("Request approved; the grant is live.") if self.decision == "approve" else _("Request rejected.")
        messages.success(request, done)
        return redirect("rbac:access_request_detail", pk=req.pk)


class AccessRequestCancelView(AccessRequestMixin, View):
    """POST: the requester (or the person it is for) withdraws a pending request."""

    http_method_names = ["post"]

    def post(self, request, pk):
        req = self.get_request_object(pk)
        form = forms.OptionalReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            services.access_request_cancel(actor=request.user, access_request=req, reason=reason)
        except PermissionDenied as exc:
            return self.render_detail(req, errors=_error_messages(exc), status=403)
        except ValidationError as exc:
            return self.render_detail(req, errors=_error_messages(exc), status=400)
        messages.success(request, _("Request cancelled."))
        return redirect("rbac:access_request_detail", pk=req.pk)


class AccessRequestCreateView(RequiresMixin, View):
    """Ask for a role or one permission for oneself, on a store one works in (or on all stores)."""

    required = None
    template_name = "rbac/access_request_form.html"

    def get(self, request):
        initial = {k: request.GET[k] for k in ("role", "permission", "store") if request.GET.get(k)}
        return render(
            request, self.template_name, {"form": forms.AccessRequestForm(viewer=request.user, initial=initial)}
        )

    def post(self, request):
        form = forms.AccessRequestForm(request.POST, viewer=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                req = services.access_request_create(
                    actor=request.user,
                    staff=request.user,
                    store=data["store"],
                    role=data["role"],
                    permission=data["permission"] or None,
                    reason=data["reason"],
                    expires_at=data["expires_at"],
                )
            except (ValidationError, PermissionDenied) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Request sent; another person will approve or reject it."))
                return redirect("rbac:access_request_detail", pk=req.pk)
        return render(request, self.template_name, {"form": form}, status=400)
