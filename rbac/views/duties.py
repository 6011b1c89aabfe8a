"""我的职责 (my duties) and “why may this person do this here”."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.http import urlencode
from django.views.generic import TemplateView

from core.gates import Scope
from core.views import GateMixin
from core.views_home import DUTY_PANELS
from stores.catalogue import HIGH_RISK

from .. import forms, page_selectors, selectors

STORES_PER_PAGE = 50  # 我的职责 of someone on 1,000 stores: the groups, then the stores a page at a time


class MyDutiesView(GateMixin, TemplateView):
    """我的职责 for every signed-in person: my stores and roles there, ownership, what I may do in plain
    words, grants ending within 14 days, my pending requests (as requester and as grantee)."""

    scope = Scope.OWN
    template_name = "rbac/my_duties.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        viewer = self.request.user
        duties = selectors.my_duties(viewer=viewer, soon=page_selectors.EXPIRY_WINDOW)
        group = self.request.GET.get("group", "")
        stores = [d for d in duties.stores if d.group == group] if group else duties.stores
        context.update(
            duties=duties,
            group=next((g for g in duties.groups if g.key == group), None),
            store_page=Paginator(stores, STORES_PER_PAGE).get_page(self.request.GET.get("page")),
            querystring=urlencode({"group": group}) if group else "",
            requested=[r for r in duties.my_requests if r.requested_by_id == viewer.pk],
            for_me=[r for r in duties.my_requests if r.staff_id == viewer.pk and r.requested_by_id != viewer.pk],
            duty_panels=DUTY_PANELS,  # the work other apps put here (orders: orders, cases and low stock waiting on me)
        )
        return context


class WhyView(GateMixin, TemplateView):
    """Why may X do P on store S: the bindings, roles, exception grants and approvals that give it."""

    required_permission = "users_view"
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
