"""Group robot pages: list, detail, create, edit, delete and "send a test message".

Robots of a store are seen by settings_view holders there and managed by settings_manage holders;
company-wide robots (no store) only by super admins. No right anywhere → 403; a robot outside the
viewer's reach → 404. The webhook key is never rendered: only its masked tail.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from core.forms import ServiceFormMixin
from core.stepup import StepUpRequiredMixin
from core.views import FORM_METHODS, DeletePageView, DetailPageView, GateMixin, ListPageView, ObjectActionView

from . import selectors, services
from .filtersets import RobotFilterSet
from .forms import RobotForm
from .models import Robot


class RobotScopeMixin:
    model = Robot

    def scope_queryset(self, queryset):
        return queryset.select_related("store", "department").order_by("name", "pk")


class RobotListView(RobotScopeMixin, ListPageView):
    """The robots the viewer may see, with their store, department, masked key and last send."""

    filterset_class = RobotFilterSet
    template_name = "notifications/robot_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = selectors.robot_can_create(viewer=self.request.user)
        return context


class RobotDetailView(RobotScopeMixin, DetailPageView):
    """One robot: where it belongs, its masked key, its health, and (for managers) edit/delete/test."""

    template_name = "notifications/robot_detail.html"
    context_object_name = "robot"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["masked_key"] = services.robot_key_masked(self.object)
        context["can_manage"] = selectors.robot_can_manage(viewer=self.request.user, robot=self.object)
        return context


class RobotCreateView(StepUpRequiredMixin, ServiceFormMixin, RobotScopeMixin, GateMixin, generic.CreateView):
    """Add a robot to a store the viewer manages (or company-wide, for super admins)."""

    form_class = RobotForm
    permission_action = "add"
    http_method_names = FORM_METHODS
    template_name = "notifications/robot_form.html"
    success_message = gettext_lazy("Group robot added. Send a test message to check it reaches the group.")
    step_up_fields = ("webhook_key",)  # a robot key is a secret: setting one needs a fresh second factor

    def get_initial(self):
        store = self.request.GET.get("store", "")
        return {"is_active": True, **({"store": store} if store.isdigit() else {})}

    def perform(self, form):
        return services.robot_create(actor=self.request.user, **form.service_data())


class RobotEditView(StepUpRequiredMixin, ServiceFormMixin, RobotScopeMixin, GateMixin, generic.UpdateView):
    """Edit a robot the viewer manages (others: 404); an empty key keeps the saved one."""

    form_class = RobotForm
    permission_action = "change"
    http_method_names = FORM_METHODS
    template_name = "notifications/robot_form.html"
    context_object_name = "robot"
    step_up_fields = ("webhook_key",)  # replacing the key needs a fresh second factor; other edits do not

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["masked_key"] = services.robot_key_masked(self.object)
        return context

    def perform(self, form):
        return services.robot_update(actor=self.request.user, robot=self.object, **form.service_data())


class RobotDeleteView(RobotScopeMixin, DeletePageView):
    """Confirm (GET), then delete (POST) a robot the viewer manages."""

    permission_action = "delete"
    template_name = "notifications/robot_delete.html"
    context_object_name = "robot"
    success_url = reverse_lazy("notifications:robot_list")
    deleted_message = gettext_lazy("Group robot %(name)s deleted.")

    def delete_object(self, actor, obj) -> None:
        services.robot_delete(actor=actor, robot=obj)


class RobotTestView(RobotScopeMixin, ObjectActionView):
    """POST: send a short test message through the robot; the outcome is shown and kept on the robot."""

    permission_action = "change"

    def post(self, request, *args, **kwargs):
        robot = self.get_object()
        ok, error = services.robot_send_test(actor=request.user, robot=robot)
        if ok:
            messages.success(request, _("The test message was sent to the group of %(name)s.") % {"name": robot.name})
        else:
            messages.error(request, _("The test message could not be sent: %(error)s") % {"error": error})
        return redirect(request.POST.get("next") if _safe_next(request) else robot.get_absolute_url())


def _safe_next(request) -> bool:
    target = request.POST.get("next", "")
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
