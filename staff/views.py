"""Staff, department and position pages: parse, call one selector or service, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django_otp import user_has_device

from core.forms import ServiceFormMixin
from core.gates import Scope, dangerously_unscoped
from core.stepup import StepUpRequiredMixin
from core.views import FORM_METHODS, DetailPageView, GateMixin, ListPageView

from . import auth_services, selectors, services
from .filtersets import DepartmentFilterSet, PositionFilterSet, StaffFilterSet
from .forms import DepartmentForm, PositionForm, StaffForm
from .models import Department, Position, Staff

# ---- staff -------------------------------------------------------------------------------------------


# Extension point for later features: template names included, in order, in the named sections of the
# staff detail page (each gets the page's context: `person`, `request`, `perms_set`, …). An app appends in
# its AppConfig.ready(), e.g. STAFF_DETAIL_PANELS["bindings"].append("rbac/_staff_bindings.html"); a template
# extending staff/staff_detail.html can instead override the block of the same name (staff_bindings, …).
# "actions" are buttons in the page's toolbar (after Edit).
STAFF_DETAIL_PANELS: dict[str, list[str]] = {"actions": [], "bindings": [], "duties": [], "history": [], "extra": []}


class StaffScopeMixin:
    model = Staff

    def scope_queryset(self, queryset):
        return queryset.select_related("position", "department")


class StaffListView(StaffScopeMixin, ListPageView):
    """The staff list: search, filters (department, position, status, store) and pagination."""

    filterset_class = StaffFilterSet
    template_name = "staff/staff_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = selectors.staff_can_create(actor=self.request.user)
        return context


class StaffDetailView(StaffScopeMixin, DetailPageView):
    """One staff member's profile, the stores they own (those the viewer can see) and hooks for later
    panels (role bindings, duties, history)."""

    template_name = "staff/staff_detail.html"
    context_object_name = "person"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person, viewer = self.object, self.request.user
        context["owned_stores"] = (
            selectors.store_model()
            .objects.restrict(viewer, "view")
            .filter(Q(primary_owner=person) | Q(backup_owner=person))
            .select_related("primary_owner", "backup_owner")
            .order_by("name")
        )
        context["can_edit"] = selectors.staff_editable_by(actor=viewer, staff=person)
        context["can_reset_second_factor"] = (
            context["can_edit"] and viewer.pk != person.pk and user_has_device(person, confirmed=None)
        )
        context["panels"] = STAFF_DETAIL_PANELS
        return context


class StaffCreateView(ServiceFormMixin, GateMixin, generic.CreateView):
    """Add a staff member: people who manage users in every store (see selectors.staff_can_create)."""

    model = Staff
    form_class = StaffForm
    permission_action = "add"
    scope = Scope.COMPANY
    http_method_names = FORM_METHODS
    template_name = "staff/staff_form.html"
    success_message = gettext_lazy("Staff member added.")

    def perform(self, form):
        return services.staff_create(
            actor=self.request.user, password=form.cleaned_data["password"], **form.service_data()
        )


class StaffEditView(StepUpRequiredMixin, ServiceFormMixin, StaffScopeMixin, GateMixin, generic.UpdateView):
    """Edit a staff member's profile and status (see selectors.staff_editable_by)."""

    form_class = StaffForm
    permission_action = "change"
    http_method_names = FORM_METHODS
    template_name = "staff/staff_form.html"
    context_object_name = "person"
    step_up_fields = ("password",)  # setting someone's password needs a fresh second factor

    def get_object(self, queryset=None):
        person = super().get_object(queryset)
        if not selectors.staff_editable_by(actor=self.request.user, staff=person):
            raise PermissionDenied
        return person

    def perform(self, form):
        return services.staff_update(
            actor=self.request.user,
            staff=self.object,
            data=form.service_data(),
            password=form.cleaned_data.get("password") or None,
        )


class StaffSecondFactorResetView(StepUpRequiredMixin, StaffScopeMixin, GateMixin, generic.DetailView):
    """Reset a colleague's second factor (a lost phone) after a confirmation, with a fresh second factor of
    one's own: their authenticator, backup codes and API tokens go; they set one up again at their next page."""

    permission_action = "change"
    http_method_names = FORM_METHODS
    template_name = "staff/second_factor_reset.html"
    context_object_name = "person"

    def get_object(self, queryset=None):
        person = super().get_object(queryset)
        if not selectors.staff_editable_by(actor=self.request.user, staff=person):
            raise PermissionDenied
        return person

    def post(self, request, *args, **kwargs):
        self.object = person = self.get_object()
        try:
            auth_services.second_factor_reset(actor=request.user, user=person)
        except auth_services.SecondFactorError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("%(name)s's second factor was reset; they set one up again at their next page.") % {"name": person},
            )
        return redirect(person.get_absolute_url())


# ---- departments and positions -----------------------------------------------------------------------


DIRECTORY_REASON = (
    "Departments and positions are the company's directory: they belong to no store, and everyone who "
    "views staff somewhere reads all of them (managers outside the viewer's stores stay hidden)."
)


class DirectoryMixin(GateMixin):
    """Departments and positions belong to no store: anyone who may view staff somewhere sees them
    (the directory is deliberately unscoped), only super admins change them (403 otherwise)."""

    required_permission = "users_view"
    edits = False

    def get_scope(self) -> Scope:
        return Scope.SUPER_ADMIN if self.edits else Scope.STORE

    def has_permission(self) -> bool:
        """Department managers read the directory too (the manager persona: staff.scopes)."""
        from .scopes import managed_department_ids

        return super().has_permission() or (not self.edits and bool(managed_department_ids(self.request.user)))

    def directory_queryset(self):
        return self.model._default_manager.all()

    def base_queryset(self):
        return dangerously_unscoped(self.directory_queryset(), reason=DIRECTORY_REASON)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit"] = selectors.directory_editable_by(actor=self.request.user)
        return context


class DirectoryListView(DirectoryMixin, ListPageView):
    """A directory list: the list skeleton over the unscoped directory."""

    ordering_fields = ("name",)


class DepartmentListView(DirectoryListView):
    """Departments with their manager and number of positions."""

    model = Department
    filterset_class = DepartmentFilterSet
    template_name = "staff/department_list.html"

    def directory_queryset(self):
        return selectors.department_list(viewer=self.request.user).annotate(position_count=Count("positions"))


class DepartmentDetailView(DirectoryMixin, generic.DetailView):
    """A department: manager, description, positions and the members the viewer may see."""

    model = Department
    template_name = "staff/department_detail.html"
    context_object_name = "department"

    def directory_queryset(self):
        return selectors.department_list(viewer=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["positions"] = self.object.positions.order_by("name")
        context["members"] = selectors.staff_list(viewer=self.request.user).filter(department=self.object)[:200]
        return context


class DepartmentCreateView(ServiceFormMixin, DirectoryMixin, generic.CreateView):
    model = Department
    form_class = DepartmentForm
    edits = True
    http_method_names = FORM_METHODS
    template_name = "staff/department_form.html"

    def perform(self, form):
        return services.department_create(actor=self.request.user, **form.cleaned_data)


class DepartmentEditView(ServiceFormMixin, DirectoryMixin, generic.UpdateView):
    model = Department
    form_class = DepartmentForm
    edits = True
    http_method_names = FORM_METHODS
    template_name = "staff/department_form.html"

    def perform(self, form):
        return services.department_update(actor=self.request.user, department=self.object, data=form.cleaned_data)


class DirectoryDeleteView(DirectoryMixin, generic.DetailView):
    """Confirm (GET), then delete (POST) through the service; a refusal (still in use) is shown on the page.

    The service call is `perform_delete()`: a method named `delete` would answer HTTP DELETE."""

    edits = True
    http_method_names = FORM_METHODS
    template_name = "staff/confirm_delete.html"
    context_object_name = "object"

    def perform_delete(self, obj) -> None:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            self.perform_delete(self.object)
        except ValidationError as exc:
            context = self.get_context_data(object=self.object, errors=exc.messages)
            return self.render_to_response(context, status=400)
        messages.success(request, _("Deleted."))
        return redirect(self.success_url)


class DepartmentDeleteView(DirectoryDeleteView):
    model = Department
    success_url = reverse_lazy("staff:department_list")

    def perform_delete(self, department):
        services.department_delete(actor=self.request.user, department=department)


class PositionListView(DirectoryListView):
    """Positions with their department."""

    model = Position
    filterset_class = PositionFilterSet
    template_name = "staff/position_list.html"

    def directory_queryset(self):
        return selectors.position_list(viewer=self.request.user)


class PositionDetailView(DirectoryMixin, generic.DetailView):
    """A position: department, description and the holders the viewer may see."""

    model = Position
    template_name = "staff/position_detail.html"
    context_object_name = "position"

    def directory_queryset(self):
        return selectors.position_list(viewer=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["holders"] = selectors.staff_list(viewer=self.request.user).filter(position=self.object)[:200]
        return context


class PositionCreateView(ServiceFormMixin, DirectoryMixin, generic.CreateView):
    model = Position
    form_class = PositionForm
    edits = True
    http_method_names = FORM_METHODS
    template_name = "staff/position_form.html"

    def perform(self, form):
        return services.position_create(actor=self.request.user, **form.cleaned_data)


class PositionEditView(ServiceFormMixin, DirectoryMixin, generic.UpdateView):
    model = Position
    form_class = PositionForm
    edits = True
    http_method_names = FORM_METHODS
    template_name = "staff/position_form.html"

    def perform(self, form):
        return services.position_update(actor=self.request.user, position=self.object, data=form.cleaned_data)


class PositionDeleteView(DirectoryDeleteView):
    model = Position
    success_url = reverse_lazy("staff:position_list")

    def perform_delete(self, position):
        services.position_delete(actor=self.request.user, position=position)
