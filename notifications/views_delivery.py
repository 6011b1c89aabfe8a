"""Delivery pages: the delivery log, the dead letters (with retry, one or many) and the console's own copy of
every message the robots were sent, rendered like the group chat shows them.

Seen by whoever holds settings_view on the delivery's store (company-wide deliveries: super admins); a retry
needs settings_manage there (the service checks again). Each page runs a fixed number of queries however many
rows, and shows a banner while a robot the viewer manages is broken.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import generic

from core.filters import parse_id
from core.permissions import permissions_of
from core.views import POST_ONLY, GateMixin, ListPageView

from .delivery import broken_robots, delivery_retry
from .filtersets_delivery import DeadLetterFilterSet, DeliveryFilterSet, SentMessageFilterSet
from .models import Delivery, DeliveryState, SentMessage

RETRY_LIMIT = 500  # deliveries one retry request may name


class BrokenBannerMixin:
    """Adds `broken_robots`: the broken robots the viewer manages (one query), for the banner."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["broken_robots"] = list(broken_robots(viewer=self.request.user)[:20])  # type: ignore[attr-defined]
        return context


class DeliveryScopeMixin:
    model = Delivery

    def scope_queryset(self, queryset):
        return queryset.select_related("robot", "store").defer("robot__webhook_key").order_by("-id")


class DeliveryListView(BrokenBannerMixin, DeliveryScopeMixin, ListPageView):
    """Every delivery of the viewer's stores, newest first: filter by store, robot, event kind and status."""

    filterset_class = DeliveryFilterSet
    template_name = "notifications/delivery_list.html"


class DeadLetterListView(BrokenBannerMixin, DeliveryScopeMixin, ListPageView):
    """Deliveries that failed for good, with their error; managers select some (or one) to send again."""

    filterset_class = DeadLetterFilterSet
    template_name = "notifications/delivery_dead.html"

    def scope_queryset(self, queryset):
        return super().scope_queryset(queryset).filter(state=DeliveryState.DEAD)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        perms = permissions_of(self.request.user)
        for row in context["object_list"]:
            row.can_retry = perms.has("settings_manage", row.store_id)
        context["can_retry"] = any(row.can_retry for row in context["object_list"])
        return context


class DeliveryRetryView(GateMixin, generic.View):
    """POST `delivery` (one or many ids) or `only` (one row's button): send those dead letters again (audited
    delivery.retry each)."""

    model = Delivery
    permission_action = "change"
    http_method_names = POST_ONLY

    def post(self, request, *args, **kwargs):
        values = [request.POST["only"]] if request.POST.get("only") else request.POST.getlist("delivery")
        ids = [parse_id(value) for value in values[: RETRY_LIMIT + 1]]
        chosen = self.get_queryset().filter(pk__in=[i for i in ids if i is not None], state=DeliveryState.DEAD)
        if not ids or None in ids or len(ids) > RETRY_LIMIT:
            messages.error(request, _("Choose up to %(limit)d failed deliveries to retry.") % {"limit": RETRY_LIMIT})
        else:
            count = delivery_retry(actor=request.user, deliveries=list(chosen.only("pk")))
            if count:
                text = ngettext(
                    "%(count)d delivery will be sent again.", "%(count)d deliveries will be sent again.", count
                )
                messages.success(request, text % {"count": count})
            else:
                messages.error(request, _("None of those deliveries is waiting for a retry."))
        return redirect(_next(request) or reverse("notifications:delivery_dead"))


class SentMessageListView(BrokenBannerMixin, ListPageView):
    """The console's copy of every message sent, newest first, shown like the group chat (filter by robot)."""

    model = SentMessage
    filterset_class = SentMessageFilterSet
    template_name = "notifications/message_list.html"

    def scope_queryset(self, queryset):
        return queryset.select_related("robot", "store").defer("robot__webhook_key").order_by("-sent_at", "-id")


def _next(request) -> str:
    target = request.POST.get("next", "")
    ok = bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if ok else ""
