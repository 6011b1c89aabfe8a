"""Access requests: the list, a request's page, approve / reject / cancel, and asking for access."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.gates import Scope
from core.permissions import permissions_of
from core.stepup import StepUpRequiredMixin, has_fresh_second_factor
from core.views import FORM_METHODS, GateMixin
from stores.catalogue import BY_CODENAME

from .. import forms, page_selectors, selectors, services
from ..filtersets import AccessRequestFilterSet
from ..models import AccessRequest, RequestStatus
from .common import _error_messages, _form_error


class AccessRequestListView(GateMixin, TemplateView):
    """Requests waiting for the viewer's decision, their own, and the history of their stores."""

    scope = Scope.OWN
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
        waiting = list(context["to_decide"])
        context["to_decide_total"], context["to_decide"] = len(waiting), waiting[:50]
        context["mine"] = list(context["mine"])
        shown = context["to_decide"] + context["mine"]
        if "page_obj" in context:
            shown += list(context["page_obj"].object_list)
        services.approvers_named(shown)
        return context


class AccessRequestMixin(GateMixin):
    scope = Scope.OWN

    def get_request_object(self, pk) -> AccessRequest:
        return get_object_or_404(page_selectors.visible_access_requests(viewer=self.request.user), pk=pk)

    def render_detail(self, req, *, form=None, errors=(), status=200):
        viewer = self.request.user
        role_codes = (req.description.get("role") or {}).get("permissions") or []
        pending = req.status == RequestStatus.PENDING
        approvers = services.second_approvers([req]).get(req.pk, []) if pending else []
        alone_refusal = (
            services.approve_alone_refusal(actor=viewer, requests=[req], approvers={req.pk: approvers})
            if pending and viewer.pk == req.requested_by_id
            else None
        )
        batch = (
            list(
                AccessRequest.objects.filter(batch=req.batch, status=RequestStatus.PENDING)
                .select_related("staff", "store")
                .order_by("pk")
            )
            if pending and req.batch
            else []
        )
        context = {
            "batch": batch if len(batch) > 1 else [],
            "approvers": approvers,
            "may_approve_alone": pending and viewer.pk == req.requested_by_id and alone_refusal is None,
            "alone_refusal": alone_refusal if pending and not approvers else None,
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


class AccessRequestDecisionView(StepUpRequiredMixin, AccessRequestMixin, View):
    """POST: approve or reject with a reason (the service re-checks who may). Approving grants high-risk rights
    (that is why it waited for a second person): it needs a fresh second factor; rejecting does not."""

    http_method_names = ["post"]
    decision = "approve"

    def step_up_required(self, request) -> bool:
        return self.decision == "approve"

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


class AccessRequestBatchDecisionView(StepUpRequiredMixin, AccessRequestMixin, View):
    """POST: approve or reject the ticked pending requests of this request's batch (a bulk grant's requests) in
    one action with one reason; unticked ones stay pending (per-store exceptions, decided on their own)."""

    http_method_names = ["post"]

    def step_up_required(self, request) -> bool:
        return request.POST.get("decision") == "approve"

    def post(self, request, pk):
        req = self.get_request_object(pk)
        form = forms.DecisionForm(request.POST)
        chosen = {int(v) for v in request.POST.getlist("requests") if v.isdigit()}
        batch = list(
            AccessRequest.objects.filter(batch=req.batch, status=RequestStatus.PENDING, pk__in=chosen)
            if req.batch
            else []
        )
        if not form.is_valid() or not batch:
            errors = [] if batch else [_("Tick at least one request of the batch.")]
            return self.render_detail(req, form=form, errors=errors, status=400)
        approve = request.POST.get("decision") == "approve"
        service = services.access_requests_bulk_approve if approve else services.access_requests_bulk_reject
        try:
            service(actor=request.user, requests=batch, reason=form.cleaned_data["reason"])
        except PermissionDenied as exc:
            return self.render_detail(req, form=form, errors=_error_messages(exc), status=403)
        except ValidationError as exc:
            return self.render_detail(req, form=form, errors=_error_messages(exc), status=400)
        done = (
            _("Approved %(count)d requests of the batch.")
            if approve
            else _("Rejected %(count)d requests of the batch.")
        )
        messages.success(request, done % {"count": len(batch)})
        return redirect("rbac:access_request_detail", pk=req.pk)


class AccessRequestApproveAloneView(StepUpRequiredMixin, AccessRequestMixin, View):
    """POST: the sole super admin approves their own request (its whole batch) when nobody else could, after a
    fresh second factor (the step-up page asks for it and carries on); refused as soon as a second approver
    exists or the security policy forbids it."""

    http_method_names = ["post"]

    def post(self, request, pk):
        req = self.get_request_object(pk)
        batch = (
            list(AccessRequest.objects.filter(batch=req.batch, status=RequestStatus.PENDING)) if req.batch else [req]
        )
        try:
            services.access_requests_approve_alone(
                actor=request.user, requests=batch, fresh_second_factor=has_fresh_second_factor(request)
            )
        except PermissionDenied as exc:
            return self.render_detail(req, errors=_error_messages(exc), status=403)
        except ValidationError as exc:
            return self.render_detail(req, errors=_error_messages(exc), status=400)
        messages.success(request, _("Approved alone: the grant is live, recorded as approved alone and announced."))
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


class AccessRequestCreateView(GateMixin, View):
    """Ask for a role or one permission for oneself, on a store one works in (or on all stores)."""

    http_method_names = FORM_METHODS
    scope = Scope.OWN
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
