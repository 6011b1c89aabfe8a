"""Bulk grants and revocations: a preview first, then exactly the previewed plan is applied."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from core.forms import add_service_errors
from core.views import FORM_METHODS, GateMixin
from stores.catalogue import BY_CODENAME

from .. import forms, selectors, services


def _carried(request) -> list[tuple[str, str]]:
    """The form's parameters, to post again unchanged from the preview."""
    skip = {"csrfmiddlewaretoken", "step", "plan_key"}
    return [(name, value) for name, values in request.POST.lists() if name not in skip for value in values]


class BulkGrantView(GateMixin, View):
    """Form → preview (new bindings, already held, refusals with the reason, what needs approval) →
    confirm (the same parameters posted again with the preview's plan key; the service applies exactly that
    plan or refuses with PlanChanged, and the page shows the new preview)."""

    http_method_names = FORM_METHODS
    required_permission = "users_manage"
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
            "plan_key": plan.key,
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
        try:
            result = services.bindings_bulk_grant(
                actor=request.user,
                reason=reason,
                expires_at=expires_at,
                expected_plan=request.POST.get("plan_key", ""),
                **targets,
            )
        except services.PlanChanged as exc:
            messages.warning(request, exc.message)
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


class BulkRevokeView(GateMixin, View):
    """Form (a person and/or a store, optionally one role) → preview of the live bindings that end,
    and the refusals with the reason → confirm with the same parameters."""

    http_method_names = FORM_METHODS
    required_permission = "users_manage"
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
        context = {"form": form, "plan": plan, "plan_key": plan.key, "carried": _carried(self.request)}
        return render(self.request, self.preview_template, context, status=status)

    def post(self, request):
        form = forms.BulkRevokeForm(request.POST, viewer=request.user)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        if request.POST.get("step") != "confirm":
            return self.render_preview(
                form, services.bindings_bulk_revoke_plan(actor=request.user, bindings=self.bindings(form))
            )
        try:
            applied = services.bindings_bulk_revoke(
                actor=request.user,
                bindings=self.bindings(form),
                reason=form.cleaned_data["reason"],
                expected_plan=request.POST.get("plan_key", ""),
            )
        except services.PlanChanged as exc:
            messages.warning(request, exc.message)
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
        if applied.requests:
            messages.info(
                request,
                _("%(count)d administrator role(s) stay until a second person approves their revocation requests.")
                % {"count": len(applied.requests)},
            )
        data = form.cleaned_data
        target = data["staff"].get_absolute_url() if data["staff"] else data["store"].get_absolute_url()
        return redirect(target)
