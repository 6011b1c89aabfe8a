"""Staff, department and position pages: parse, call one selector or service, render."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from core.views import FilteredListView, ScopedDetailView, ScopedMixin

from . import selectors, services
from .filtersets import DepartmentFilterSet, PositionFilterSet, StaffFilterSet
from .forms import DepartmentForm, PositionForm, StaffForm
from .models import Department, Position, Staff


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the named fields, the rest above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class ServiceFormMixin:
    """form_valid() runs perform(form) — one service call. A ValidationError from the service is shown
    next to the fields and nothing is saved (the service's transaction rolled back)."""

    success_message = gettext_lazy("Saved.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["viewer"] = self.request.user
        return kwargs

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.object = self.perform(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect(self.get_success_url())

    def get_success_url(self):
        return self.object.get_absolute_url()


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


class StaffListView(StaffScopeMixin, FilteredListView):
    """The staff list: search, filters (department, position, status, store) and pagination."""

    filterset_class = StaffFilterSet
    template_name = "staff/staff_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = selectors.staff_can_create(actor=self.request.user)
        return context


class StaffDetailView(StaffScopeMixin, ScopedDetailView):
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
        context["panels"] = STAFF_DETAIL_PANELS
        return context


class StaffCreateView(ServiceFormMixin, ScopedMixin, generic.CreateView):
    """Add a staff member (super admins: see selectors.staff_can_create)."""

    model = Staff
    form_class = StaffForm
    permission_action = "add"
    template_name = "staff/staff_form.html"
    success_message = gettext_lazy("Staff member added.")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not selectors.staff_can_create(actor=request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        return services.staff_create(
            actor=self.request.user, password=form.cleaned_data["password"], **form.service_data()
        )


class StaffEditView(ServiceFormMixin, StaffScopeMixin, ScopedMixin, generic.UpdateView):
    """Edit a staff member's profile and status (see selectors.staff_editable_by)."""

    form_class = StaffForm
    permission_action = "change"
    template_name = "staff/staff_form.html"
    context_object_name = "person"

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


# ---- departments and positions -----------------------------------------------------------------------


class DirectoryMixin(LoginRequiredMixin):
    """Departments and positions belong to no store: anyone who may view staff somewhere sees them,
    only super admins change them (403 otherwise)."""

    edits = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        allowed = (
            selectors.directory_editable_by(actor=request.user)
            if self.edits
            else selectors.directory_viewable_by(viewer=request.user)
        )
        if not allowed:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit"] = selectors.directory_editable_by(actor=self.request.user)
        return context


class DirectoryListView(DirectoryMixin, generic.ListView):
    """A directory list with its FilterSet and pagination (FilteredListView's shape, unscoped)."""

    filterset_class = None
    paginate_by = 50

    def get_queryset(self):
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=self.base_queryset(), request=self.request
        )
        if self.filterset.is_bound and self.filterset.is_valid():
            return self.filterset.qs
        return self.filterset.queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset
        query = self.request.GET.copy()
        query.pop("page", None)
        context["querystring"] = query.urlencode()
        return context


class DepartmentListView(DirectoryListView):
    """Departments with their manager and number of positions."""

    model = Department
    filterset_class = DepartmentFilterSet
    template_name = "staff/department_list.html"

    def base_queryset(self):
        return selectors.department_list(viewer=self.request.user).annotate(position_count=Count("positions"))


class DepartmentDetailView(DirectoryMixin, generic.DetailView):
    """A department: manager, description, positions and the members the viewer may see."""

    model = Department
    template_name = "staff/department_detail.html"
    context_object_name = "department"

    def get_queryset(self):
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
    template_name = "staff/department_form.html"

    def perform(self, form):
        return services.department_create(actor=self.request.user, **form.cleaned_data)


class DepartmentEditView(ServiceFormMixin, DirectoryMixin, generic.UpdateView):
    model = Department
    form_class = DepartmentForm
    edits = True
    template_name = "staff/department_form.html"

    def perform(self, form):
        return services.department_update(actor=self.request.user, department=self.object, data=form.cleaned_data)


class DirectoryDeleteView(DirectoryMixin, generic.DetailView):
    """Confirm, then delete through the service; a refusal (still in use) is shown on the page."""

    edits = True
    template_name = "staff/confirm_delete.html"
    context_object_name = "object"

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            self.delete(self.object)
        except ValidationError as exc:
            context = self.get_context_data(object=self.object, errors=exc.messages)
            return self.render_to_response(context, status=400)
        messages.success(request, _("Deleted."))
        return redirect(self.success_url)


class DepartmentDeleteView(DirectoryDeleteView):
    model = Department
    success_url = reverse_lazy("staff:department_list")

    def delete(self, department):
        services.department_delete(actor=self.request.user, department=department)


class PositionListView(DirectoryListView):
    """Positions with their department."""

    model = Position
    filterset_class = PositionFilterSet
    template_name = "staff/position_list.html"

    def base_queryset(self):
        return selectors.position_list(viewer=self.request.user)


class PositionDetailView(DirectoryMixin, generic.DetailView):
    """A position: department, description and the holders the viewer may see."""

    model = Position
    template_name = "staff/position_detail.html"
    context_object_name = "position"

    def get_queryset(self):
        return selectors.position_list(viewer=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["holders"] = selectors.staff_list(viewer=self.request.user).filter(position=self.object)[:200]
        return context


class PositionCreateView(ServiceFormMixin, DirectoryMixin, generic.CreateView):
    model = Position
    form_class = PositionForm
    edits = True
    template_name = "staff/position_form.html"

    def perform(self, form):
        return services.position_create(actor=self.request.user, **form.cleaned_data)


class PositionEditView(ServiceFormMixin, DirectoryMixin, generic.UpdateView):
    model = Position
    form_class = PositionForm
    edits = True
    template_name = "staff/position_form.html"

    def perform(self, form):
        return services.position_update(actor=self.request.user, position=self.object, data=form.cleaned_data)


class PositionDeleteView(DirectoryDeleteView):
    model = Position
    success_url = reverse_lazy("staff:position_list")

    def delete(self, position):
        services.position_delete(actor=self.request.user, position=position)
