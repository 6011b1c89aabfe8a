"""Bulk grants and revocations: a preview first, then exactly the previewed plan is applied."""

from __future__ import annotations

import hashlib
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from staff.views import add_service_errors
from stores.catalogue import BY_CODENAME

from .. import forms, selectors, services
from .common import RequiresMixin


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
