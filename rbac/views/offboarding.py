"""The offboarding page: a preview of everything that ends, then rbac.services.staff_offboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from core.stepup import StepUpRequiredMixin
from core.views import FORM_METHODS, GateMixin

from .. import forms, page_selectors, services
from .common import _form_error

Staff = get_user_model()


class StaffOffboardView(StepUpRequiredMixin, GateMixin, View):
    """Offboard a person: GET previews every binding, exception grant and pending request that ends (in the
    viewer's stores) and what stands in the way (stores they still own, rights the viewer may not revoke);
    POST with a reason calls rbac.services.staff_offboard. For users_manage holders over that person."""

    http_method_names = FORM_METHODS
    required_permission = "users_manage"
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
