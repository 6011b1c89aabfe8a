"""Lifecycle pages: onboarding a colleague, leave and cover, transfer (调岗) and offboarding (离职) with the stores'
new owners chosen on the same page. Each parses, calls one service of sop.lifecycle, renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from core.forms import add_service_errors, service_error_messages
from core.stepup import StepUpRequiredMixin
from core.views import FORM_METHODS, GateMixin
from rbac import page_selectors
from staff.models import Leave
from stores.selectors import active_owner_choices

from . import forms_lifecycle as forms
from .lifecycle import leave, offboarding

Staff = get_user_model()


class StaffOffboardAllView(StepUpRequiredMixin, GateMixin, View):
    """Offboard a person in one confirmed action: GET shows what ends (roles, single permissions, requests) and,
    for each store they own, the new owners to choose (the backup proposed as primary, a new backup required);
    POST with a reason calls sop.lifecycle.offboarding.staff_offboard_all. A fresh second factor is needed."""

    http_method_names = FORM_METHODS
    required_permission = "users_manage"
    template_name = "sop/lifecycle/offboard.html"

    def get_person(self, request, pk):
        return get_object_or_404(
            Staff.objects.restrict(request.user, "change").select_related("position", "department"), pk=pk
        )

    def make_form(self, request, person, data=None):
        owned = offboarding.owned_stores(staff=person)
        keep = [o.primary_id for o in owned] + [o.backup_id for o in owned]
        choices = active_owner_choices(viewer=request.user, include=[k for k in keep if k]).exclude(pk=person.pk)
        return forms.OffboardForm(data, owned=owned, choices=choices.order_by("name"))

    def render_page(self, request, person, form, status=200):
        preview = page_selectors.offboarding_preview(viewer=request.user, staff=person)
        blocked = bool(preview.refusals or preview.hidden_owned)
        context = {"person": person, "preview": preview, "form": form, "blocked": blocked}
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        person = self.get_person(request, pk)
        return self.render_page(request, person, self.make_form(request, person))

    def post(self, request, pk):
        person = self.get_person(request, pk)
        form = self.make_form(request, person, request.POST)
        if form.is_valid():
            try:
                done = offboarding.staff_offboard_all(
                    actor=request.user,
                    staff=person,
                    reason=form.cleaned_data["reason"],
                    replacements=form.replacements(),
                )
            except (ValidationError, PermissionDenied) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _offboarded_message(person, done))
                if done.wecom is not None and not done.wecom.ok and not done.wecom.skipped:
                    messages.warning(
                        request,
                        _("WeCom did not disable the member: %(message)s It is on the handover checklist.")
                        % {"message": done.wecom.message},
                    )
                return redirect(person.get_absolute_url())
        return self.render_page(request, person, form, status=400)


def _offboarded_message(person, done) -> str:
    return _(
        "%(name)s has been offboarded: %(stores)d stores handed over, %(bindings)d roles and %(grants)d single "
        "permissions revoked, %(cases)d after-sales cases and %(orders)d orders reassigned, %(sessions)d sessions "
        "ended; they can no longer sign in. The handover checklist lists what is left to do."
    ) % {
        "name": person,
        "stores": done.stores_moved,
        "bindings": done.rbac.bindings,
        "grants": done.rbac.exception_grants,
        "cases": done.cases,
        "orders": done.orders,
        "sessions": done.sessions,
    }


# ---------------------------------------------------------------------------------------------- leave


class StaffLeaveView(GateMixin, View):
    """A person's leave (休假): the history, and a form to record a period; for users_manage holders over them."""

    http_method_names = FORM_METHODS
    required_permission = "users_manage"
    template_name = "sop/lifecycle/leave.html"

    def render_page(self, request, person, form, status=200):
        context = {
            "person": person,
            "form": form,
            "leaves": leave.leaves_of(staff=person),
            "owned": offboarding.owned_stores(staff=person),
            "can_edit": leave.leave_editable_by(actor=request.user, staff=person),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self.render_page(request, _person(request, pk), forms.LeaveForm())

    def post(self, request, pk):
        person = _person(request, pk)
        form = forms.LeaveForm(request.POST)
        if form.is_valid():
            try:
                leave.leave_create(actor=request.user, staff=person, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Leave recorded for %(name)s.") % {"name": person})
                return redirect("sop:staff_leave", pk=person.pk)
        return self.render_page(request, person, form, status=400)


class LeaveCancelView(GateMixin, View):
    """Cancel a leave (POST): the backup stops covering at once."""

    http_method_names = ["post"]
    required_permission = "users_manage"

    def post(self, request, pk):
        row = get_object_or_404(
            Leave.objects.select_related("staff").filter(staff__in=Staff.objects.restrict(request.user, "change")),
            pk=pk,
        )
        try:
            leave.leave_cancel(actor=request.user, leave=row)
        except (ValidationError, PermissionDenied) as exc:
            for text in service_error_messages(exc):
                messages.error(request, text)
        else:
            messages.success(request, _("Leave cancelled."))
        return redirect("sop:staff_leave", pk=row.staff_id)


def _person(request, pk):
    return get_object_or_404(
        Staff.objects.restrict(request.user, "change").select_related("position", "department"), pk=pk
    )
