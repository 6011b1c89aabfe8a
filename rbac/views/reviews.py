"""Access reviews (权限复核): campaigns (list and start), my review items (keep or revoke many at once), the
report with its export, and the standing list of stale access."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from core.gates import Scope
from core.views import FORM_METHODS, GateMixin

from ..models import AccessReview, ReviewItem
from ..review_forms import ReviewDecideForm, ReviewStartForm
from ..services import reviews
from .common import _form_error


class ReviewListView(GateMixin, View):
    """The campaigns, and a form to start one (super admins)."""

    scope = Scope.SUPER_ADMIN
    http_method_names = FORM_METHODS
    template_name = "rbac/reviews/list.html"

    def _render(self, request, form, status=200):
        campaigns = AccessReview.objects.select_related("started_by").order_by("-started_at", "-pk")[:100]
        return render(request, self.template_name, {"form": form, "campaigns": campaigns}, status=status)

    def get(self, request):
        return self._render(request, ReviewStartForm())

    def post(self, request):
        form = ReviewStartForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                review = reviews.review_start(
                    actor=request.user,
                    name=data["name"],
                    deadline=data["deadline"],
                    stores=list(data["stores"]) or None,
                    revoke_unreviewed=data["revoke_unreviewed"],
                )
            except (ValidationError, PermissionDenied) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Access review started."))
                return redirect(f"{request.path}?review={review.pk}")
        return self._render(request, form, status=400)


class MyReviewItemsView(GateMixin, View):
    """The items I review, filterable by campaign, store and person; keep or revoke many at once."""

    scope = Scope.OWN
    http_method_names = FORM_METHODS
    template_name = "rbac/reviews/mine.html"

    def _items(self, request):
        qs = ReviewItem.objects.filter(reviewer=request.user).select_related(
            "review", "staff", "store", "binding__role", "exception__permission", "decided_by"
        )
        for key in ("review", "store", "staff"):
            value = request.GET.get(key, "")
            if value.isdigit():
                qs = qs.filter(**{f"{key}_id": int(value)})
        if request.GET.get("all") != "1":
            qs = qs.filter(decision="", review__status="open")
        return list(qs.order_by("review_id", "store__name", "staff__name", "pk")[:500])

    def _render(self, request, form, status=200):
        return render(request, self.template_name, {"form": form, "items": self._items(request)}, status=status)

    def get(self, request):
        return self._render(request, ReviewDecideForm())

    def post(self, request):
        mine = ReviewItem.objects.filter(reviewer=request.user, decision="").values_list("pk", flat=True)
        form = ReviewDecideForm(request.POST, item_ids=list(mine))
        if form.is_valid():
            chosen = list(ReviewItem.objects.filter(pk__in=form.cleaned_data["items"]))
            try:
                n = reviews.review_decide(
                    actor=request.user,
                    items=chosen,
                    decision=form.cleaned_data["decision"],
                    note=form.cleaned_data["note"],
                )
            except (ValidationError, PermissionDenied) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("%(count)d review items decided.") % {"count": n})
                return redirect(request.get_full_path())
        return self._render(request, form, status=400)


class ReviewReportView(GateMixin, View):
    """A campaign's report (kept, revoked, not reviewed, per store and reviewer); ?export=csv|xlsx downloads it."""

    scope = Scope.SUPER_ADMIN
    template_name = "rbac/reviews/report.html"

    def get(self, request):
        value = request.GET.get("review", "")
        if not value.isdigit():
            campaigns = AccessReview.objects.order_by("-started_at", "-pk")[:100]
            return render(request, self.template_name, {"campaigns": campaigns})
        review = get_object_or_404(AccessReview, pk=int(value))
        fmt = request.GET.get("export", "")
        if fmt in ("csv", "xlsx"):
            content, ctype, name = reviews.review_export(actor=request.user, review=review, fmt=fmt)
            response = HttpResponse(content, content_type=ctype)
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        return render(request, self.template_name, {"review": review, "report": reviews.review_report(review=review)})


class StaleAccessView(GateMixin, View):
    """The standing list of access to look at again (?days=N, default 30)."""

    scope = Scope.SUPER_ADMIN
    template_name = "rbac/reviews/stale.html"

    def get(self, request):
        value = request.GET.get("days", "")
        days = min(int(value), 3650) if value.isdigit() and int(value) > 0 else 30
        stale = reviews.stale_access(days=days)
        count = len(stale.high_risk) + len(stale.high_risk_exceptions)
        return render(request, self.template_name, {"days": days, "stale": stale, "high_risk_count": count})
