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
from core.gates import Scope
from core.stepup import StepUpRequiredMixin
from core.views import FORM_METHODS, GateMixin
from rbac import page_selectors
from staff.models import Department, Leave, Position
from stores.models import Store
from stores.selectors import active_owner_choices

from . import forms_lifecycle as forms
from .lifecycle import leave, offboarding, onboarding, transfer

Staff = get_user_model()


class StaffOffboardAllView(StepUpRequiredMixin, GateMixin, View):
    """Offboard a person in one confirmed action: GET shows what ends (roles, single permissions, requests) and,
    for each store they own, the new owners to choose (the backup proposed as primary, a new backup required);
    POST with a reason calls sop.lifecycle.offboarding.staff_offboard_all, then shows the handover checklist. A fresh
    second factor is needed."""

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
                if done.checklist is None:
                    return redirect(person)
                return redirect("sop:checklist_detail", pk=done.checklist.pk)  # the handover to work through
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


# ---------------------------------------------------------------------------------------------- onboarding


class StaffOnboardView(GateMixin, View):
    """Onboard a colleague (入职): the first POST checks the form and shows the position's default roles proposed on
    the chosen stores (each granted now or waiting for approval, as the policy says); the confirmed POST creates
    them (sop.lifecycle.onboarding.staff_onboard) and shows the first password once, the grants, the pending
    requests and the onboarding checklist. For people who manage users in every store."""

    http_method_names = FORM_METHODS
    permission_action = "add"
    scope = Scope.COMPANY
    model = Staff
    template_name = "sop/lifecycle/onboard.html"

    def make_form(self, data=None):
        return forms.OnboardForm(
            data,
            departments=Department.objects.order_by("name"),
            positions=Position.objects.order_by("name"),
            stores=Store.objects.restrict(self.request.user, "view").exclude(status="archived").order_by("name"),
        )

    def render_page(self, form, proposals=None, status=200):
        context = {
            "form": form,
            "proposals": proposals,
            "position_roles": onboarding.position_roles_table(),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self.render_page(self.make_form())

    def post(self, request):
        form = self.make_form(request.POST)
        if not form.is_valid():
            return self.render_page(form, status=400)
        data = form.cleaned_data
        stores = list(data["stores"])
        proposals = onboarding.proposals_for(
            actor=request.user, roles=onboarding.default_roles(data["position"]), stores=stores
        )
        if request.POST.get("confirm") != "1":
            return self.render_page(form, proposals)
        wanted = set(request.POST.getlist("pick"))
        picks = [(p.role, p.store) for p in proposals if p.key in wanted and p.outcome in ("grant", "request")]
        try:
            done = onboarding.staff_onboard(
                actor=request.user,
                profile={k: data.get(k) for k in onboarding.PROFILE_FIELDS},
                stores=stores,
                picks=picks,
                reason=data["reason"],
                password=data.get("password") or None,
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
            return self.render_page(form, proposals, status=400)
        response = render(
            request, "sop/lifecycle/onboarded.html", {"done": done, "generated": not data.get("password")}
        )
        response["Cache-Control"] = "no-store"  # the first password is shown once
        return response


# ---------------------------------------------------------------------------------------------- transfer


class StaffTransferView(GateMixin, View):
    """Transfer (调岗): choose the new department and position; the page shows the bindings to add (the new
    position's default roles on their stores) and to remove (the old position's roles the new one does not
    propose); the admin unticks what should not happen and confirms; sop.lifecycle.transfer.staff_transfer applies
    it as one audited change (approvals where the policy needs them)."""

    http_method_names = FORM_METHODS
    required_permission = "users_manage"
    template_name = "sop/lifecycle/transfer.html"

    def make_form(self, person, data=None):
        return forms.TransferForm(
            data,
            initial={"department": person.department_id, "position": person.position_id},
            departments=Department.objects.order_by("name"),
            positions=Position.objects.order_by("name"),
        )

    def render_page(self, request, person, form, plan=None, reason_form=None, status=200):
        context = {"person": person, "form": form, "plan": plan, "reason_form": reason_form}
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        person = _person(request, pk)
        return self.render_page(request, person, self.make_form(person))

    def post(self, request, pk):
        person = _person(request, pk)
        form = self.make_form(person, request.POST)
        if not form.is_valid():
            return self.render_page(request, person, form, status=400)
        position, department = form.cleaned_data["position"], form.cleaned_data["department"]
        plan = transfer.transfer_plan(actor=request.user, staff=person, position=position)
        reason_form = forms.RolePickForm(request.POST if request.POST.get("confirm") == "1" else None)
        if request.POST.get("confirm") != "1":
            return self.render_page(request, person, form, plan, forms.RolePickForm())
        if not reason_form.is_valid():
            return self.render_page(request, person, form, plan, reason_form, status=400)
        adds, removes = set(request.POST.getlist("add")), set(request.POST.getlist("remove"))
        try:
            done = transfer.staff_transfer(
                actor=request.user,
                staff=person,
                department=department,
                position=position,
                add=[(p.role, p.store) for p in plan.add if p.key in adds and p.outcome in ("grant", "request")],
                remove=[b for b in plan.remove if str(b.pk) in removes],
                reason=reason_form.cleaned_data["reason"],
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(reason_form, exc)
            return self.render_page(request, person, form, plan, reason_form, status=400)
        messages.success(
            request,
            _(
                "%(name)s has been transferred: %(granted)d roles granted, %(pending)d waiting for approval, "
                "%(revoked)d revoked."
            )
            % {"name": person, "granted": len(done.bindings), "pending": len(done.requests), "revoked": done.revoked},
        )
        return redirect(person.get_absolute_url())


# ---------------------------------------------------------------------------------------------- platform sheet


class StaffPlatformSheetView(GateMixin, View):
    """What to tick for a person on each store's platform (Shopee's Sub-account platform, Ozon's employee settings),
    derived from their live roles, for the stores the viewer can see; printable."""

    required_permission = "users_view"
    template_name = "sop/lifecycle/sheet.html"

    def get(self, request, pk):
        person = get_object_or_404(Staff.objects.restrict(request.user, "view"), pk=pk)
        visible = Store.objects.restrict(request.user, "view").values("pk")
        sheets = onboarding.person_sheets(staff=person, stores=visible)
        return render(request, self.template_name, {"person": person, "sheets": sheets})
