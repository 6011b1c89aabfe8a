"""Single grants and revocations (a role binding or one exception grant), with their shared base views."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from core.views import FORM_METHODS, GateMixin
from stores.catalogue import label_of

from .. import forms, services
from ..models import AccessRequest, ExceptionGrant, RoleBinding
from .common import _form_error, _next_url


class _GrantOneView(GateMixin, View):
    """A single grant form: prefilled from the query string, the service's refusal shown on the form; a
    high-risk grant becomes an access request (its page is shown next)."""

    http_method_names = FORM_METHODS
    required_permission = "users_manage"
    form_class: type
    prefill: tuple[str, ...]

    def grant(self, actor, data):
        raise NotImplementedError

    def messages_for(self, data) -> tuple[str, str]:
        """(the access request's notice, the grant's success message)"""
        raise NotImplementedError

    def render_form(self, request, form, status=200):
        context = {"form": form, "next": _next_url(request, ""), "alone_notice": services.alone_notice(request.user)}
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        initial = {k: request.GET[k] for k in self.prefill if request.GET.get(k)}
        return self.render_form(request, self.form_class(viewer=request.user, initial=initial))

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
        return self.render_form(request, form, status=400)


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


class _RevokeOneView(GateMixin, View):
    """Confirm, with a reason, and end one live grant in a store where the viewer manages users (any
    other reads as not found)."""

    http_method_names = FORM_METHODS
    required_permission = "users_manage"
    template_name = "rbac/revoke_form.html"

    def get_object(self, request, pk):
        raise NotImplementedError

    def revoke(self, actor, obj, reason: str):
        """End it (None) — or, for an administrator's binding, the revocation request opened instead."""
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
                result = self.revoke(request.user, obj, form.cleaned_data["reason"])
            except (ValidationError, PermissionDenied) as exc:
                _form_error(form, exc)
            else:
                if isinstance(result, AccessRequest):
                    messages.info(
                        request,
                        _(
                            "Ending an administrator's role needs a second person's approval, as granting it did: a "
                            "revocation request was opened; the role stays until it is approved."
                        ),
                    )
                    return redirect("rbac:access_request_detail", pk=result.pk)
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
        result = services.binding_revoke(actor=actor, binding=obj, reason=reason)
        return result if isinstance(result, AccessRequest) else None

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
