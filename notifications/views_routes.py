"""Route pages (list, detail with "test this route", create, edit, delete) and message template pages (every
event kind, edit with a live preview, reset to the default).

Routes of a store are seen by settings_view holders there and managed by settings_manage holders; routes over
several stores (a platform, site, group or all) only by those who see / manage every store. Templates are
company-wide: seen by anyone who sees settings somewhere (the preview renders an event they may see), changed
by those who manage every store's settings.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from core.forms import ServiceFormMixin, add_service_errors
from core.gates import Scope
from core.views import FORM_METHODS, POST_ONLY, DeletePageView, DetailPageView, GateMixin, ListPageView
from events.choices import EventKind

from . import fanout, selectors, services
from . import message_templates as templates
from .filtersets import RouteFilterSet
from .forms import RouteForm, TemplateForm
from .models import MessageTemplate, Route

# ---------------------------------------------------------------------------------------------- routes


class RouteScopeMixin:
    model = Route

    def scope_queryset(self, queryset):
        return queryset.select_related("robot", "store", "store_group").order_by("name", "pk")


class RouteListView(RouteScopeMixin, ListPageView):
    """The routes the viewer may see, with their kinds, stores, robot, quiet hours and mentions."""

    filterset_class = RouteFilterSet
    template_name = "notifications/route_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = selectors.route_can_create(viewer=self.request.user)
        context["kind_labels"] = dict(EventKind.choices)
        return context


class RouteDetailView(RouteScopeMixin, DetailPageView):
    """One route, and what it would send now for each of its kinds: the latest event of that kind in its
    stores (or sample values), rendered with its mentions and quiet hours."""

    template_name = "notifications/route_detail.html"
    context_object_name = "route"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        route, viewer = self.object, self.request.user
        previews = []
        for kind in route.event_kinds or []:
            if kind not in EventKind.values:
                continue
            event = selectors.latest_event(viewer=viewer, kind=kind, route=route)
            previews.append((EventKind(kind).label, event, fanout.route_preview(route=route, kind=kind, event=event)))
        context["previews"] = previews
        context["can_manage"] = selectors.route_can_manage(viewer=viewer, route=route)
        context["kind_labels"] = dict(EventKind.choices)
        return context


class RouteCreateView(ServiceFormMixin, RouteScopeMixin, GateMixin, generic.CreateView):
    """Add a route for a store the viewer manages (several stores: those who manage every store)."""

    form_class = RouteForm
    permission_action = "add"
    http_method_names = FORM_METHODS
    template_name = "notifications/route_form.html"
    success_message = gettext_lazy("Route saved.")

    def get_initial(self):
        store = self.request.GET.get("store", "")
        return {"is_active": True, "mention_assignee": True, **({"store": store} if store.isdigit() else {})}

    def perform(self, form):
        return services.route_create(actor=self.request.user, **form.service_data())


class RouteEditView(ServiceFormMixin, RouteScopeMixin, GateMixin, generic.UpdateView):
    """Edit a route the viewer manages (others: 404)."""

    form_class = RouteForm
    permission_action = "change"
    http_method_names = FORM_METHODS
    template_name = "notifications/route_form.html"
    context_object_name = "route"
    success_message = gettext_lazy("Route saved.")

    def perform(self, form):
        return services.route_update(actor=self.request.user, route=self.object, data=form.service_data())


class RouteDeleteView(RouteScopeMixin, DeletePageView):
    """Confirm (GET), then delete (POST) a route the viewer manages."""

    permission_action = "delete"
    template_name = "notifications/route_delete.html"
    context_object_name = "route"
    success_url = reverse_lazy("notifications:route_list")
    deleted_message = gettext_lazy("Route %(name)s deleted.")

    def delete_object(self, actor, obj) -> None:
        services.route_delete(actor=actor, route=obj)


# ---------------------------------------------------------------------------------------------- templates


class TemplateGateMixin:
    """Templates belong to no store: readable with settings_view somewhere, changed with settings_manage on
    every store."""

    model = MessageTemplate
    required_permission = "settings_view"


class TemplateListView(TemplateGateMixin, GateMixin, generic.TemplateView):
    """Every event kind's message: the saved template or the default, with its format and placeholders."""

    template_name = "notifications/template_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["templates"] = templates.template_overview()
        context["can_manage"] = templates.template_can_manage(viewer=self.request.user)
        return context


class TemplateEditView(TemplateGateMixin, GateMixin, generic.FormView):
    """Edit one kind's template with a live preview (against the latest event of that kind the viewer may
    see, or sample values); an unknown placeholder or a message too long for the robot is refused here."""

    required_permission = "settings_manage"
    scope = Scope.COMPANY
    form_class = TemplateForm
    http_method_names = FORM_METHODS
    template_name = "notifications/template_form.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["kind"] not in EventKind.values:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        current = templates.template_current(kind=self.kwargs["kind"])
        return {"msgtype": current.msgtype, "body": current.body}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind = self.kwargs["kind"]
        form = context["form"]
        body = form.data.get("body") if form.is_bound else form.initial.get("body")
        msgtype = form.data.get("msgtype") if form.is_bound else form.initial.get("msgtype")
        context.update(
            kind=kind,
            kind_label=EventKind(kind).label,
            current=templates.template_current(kind=kind),
            placeholders=templates.placeholders_of(kind),
            preview=templates.template_preview(viewer=self.request.user, kind=kind, msgtype=msgtype, body=body),
            preview_url=reverse("notifications:template_preview", args=[kind]),
            reset_url=reverse("notifications:template_reset", args=[kind]),
        )
        return context

    def form_valid(self, form):
        try:
            templates.template_save(actor=self.request.user, kind=self.kwargs["kind"], **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Template saved."))
        return redirect("notifications:template_list")


class TemplatePreviewView(TemplateGateMixin, GateMixin, generic.View):
    """POST a draft (msgtype, body): the rendered preview as JSON, or why it would be refused."""

    http_method_names = POST_ONLY

    def post(self, request, kind):
        if kind not in EventKind.values:
            raise Http404
        preview = templates.template_preview(
            viewer=request.user,
            kind=kind,
            msgtype=request.POST.get("msgtype", "text"),
            body=request.POST.get("body", ""),
        )
        return JsonResponse(preview)


class TemplateResetView(TemplateGateMixin, GateMixin, generic.View):
    """POST: back to the default message of this kind (the saved template removed); audited."""

    required_permission = "settings_manage"
    scope = Scope.COMPANY
    http_method_names = POST_ONLY

    def post(self, request, kind):
        if kind not in EventKind.values:
            raise Http404
        templates.template_reset(actor=request.user, kind=kind)
        messages.success(request, _("The default message is used again."))
        return redirect("notifications:template_list")
