"""Store pages: the list, the duties table (店铺分工表), detail, create, edit and archive."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic

from core.forms import ServiceFormMixin, service_error_messages
from core.gates import Scope
from core.views import FORM_METHODS, DeletePageView, DetailPageView, GateMixin, ListPageView, paginate
from staff.models import Leave

from . import selectors, services
from .filtersets import StoreFilterSet, StoreGroupFilterSet
from .forms import StoreForm, StoreGroupForm
from .models import Store, StoreGroup

# Extension point for later features: template names included, in order, in the named sections of the
# store detail page (each gets the page's context: `store`, `request`, `perms_set`, …). An app appends in
# its AppConfig.ready(), e.g. STORE_DETAIL_PANELS["roles"].append("rbac/_store_roles.html"); a template
# extending stores/store_detail.html can instead override the block of the same name (store_roles, …).
STORE_DETAIL_PANELS: dict[str, list[str]] = {"roles": [], "connection": [], "notifications": [], "extra": []}


class StoreScopeMixin:
    model = Store

    def scope_queryset(self, queryset):
        return queryset.select_related("primary_owner", "backup_owner").order_by("platform", "site", "name", "pk")


class StoreListView(StoreScopeMixin, ListPageView):
    """Stores the viewer can see, filtered by platform, site, status and owner, paginated."""

    filterset_class = StoreFilterSet
    template_name = "stores/store_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = selectors.store_can_create(actor=self.request.user)
        return context


class StoreDutiesView(StoreListView):
    """The 店铺分工表: the visible stores (same filters) with their owners, emergency contact and duties
    note — laid out for printing, 200 stores a page (a seller with 5,000 stores prints it page by page)."""

    template_name = "stores/store_duties.html"
    paginate_by = 200


class StoreDetailView(StoreScopeMixin, DetailPageView):
    """One store. The template leaves named blocks for later panels (role holders, connection health)."""

    template_name = "stores/store_detail.html"
    context_object_name = "store"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit"] = selectors.store_editable_by(actor=self.request.user, store=self.object)
        context["panels"] = STORE_DETAIL_PANELS
        context["cover"] = _cover(self.object)
        return context


def _cover(store: Store) -> dict | None:
    """Who covers the store today when its primary owner is on leave (the backup owner, who then takes its
    checklists, escalations and @-mentions), with the leave's last day; None otherwise. One query."""
    owners = [pk for pk in (store.primary_owner_id, store.backup_owner_id) if pk]
    day = timezone.localdate()
    away = dict(
        Leave.objects.filter(staff_id__in=owners, starts_on__lte=day, ends_on__gte=day, cancelled_at__isnull=True)
        .order_by("ends_on")
        .values_list("staff_id", "ends_on")
    )
    if store.primary_owner_id not in away or not store.backup_owner_id or store.backup_owner_id in away:
        return None
    return {"primary": store.primary_owner, "backup": store.backup_owner, "until": away[store.primary_owner_id]}


class StoreCreateView(ServiceFormMixin, GateMixin, generic.CreateView):
    """Add a store: people who manage the settings of every store (see selectors.store_can_create)."""

    model = Store
    form_class = StoreForm
    permission_action = "add"
    scope = Scope.COMPANY
    http_method_names = FORM_METHODS
    template_name = "stores/store_form.html"
    success_message = _("Store added.")

    def perform(self, form):
        return services.store_create(actor=self.request.user, **form.service_data())


class StoreEditView(ServiceFormMixin, StoreScopeMixin, GateMixin, generic.UpdateView):
    """Edit a store the viewer manages the settings of (others: 404)."""

    form_class = StoreForm
    permission_action = "change"
    http_method_names = FORM_METHODS
    template_name = "stores/store_form.html"
    context_object_name = "store"

    def perform(self, form):
        return services.store_update(actor=self.request.user, store=self.object, data=form.service_data())


class StoreArchiveView(StoreScopeMixin, GateMixin, generic.DetailView):
    """Confirm (GET), then archive (POST) a store the viewer manages."""

    permission_action = "change"
    http_method_names = FORM_METHODS
    template_name = "stores/store_archive.html"
    context_object_name = "store"

    def post(self, request, *args, **kwargs):
        store = self.get_object()
        try:
            services.store_archive(actor=request.user, store=store, reason=request.POST.get("reason", "")[:500])
        except ValidationError as exc:
            for message in service_error_messages(exc):
                messages.error(request, message)
        else:
            messages.success(request, _("Store archived."))
        return redirect(store.get_absolute_url())


# ---------------------------------------------------------------------------------------------- store groups


class StoreGroupScopeMixin:
    """Store groups are company-wide labels over stores: seen by anyone who sees settings in some store (each
    sees only the member stores they can see), changed by those who manage settings in every store."""

    model = StoreGroup
    required_permission = "settings_view"

    def base_queryset(self):
        return selectors.storegroup_list(viewer=self.request.user)


class StoreGroupManageMixin(StoreGroupScopeMixin):
    required_permission = "settings_manage"
    scope = Scope.COMPANY


class StoreGroupListView(StoreGroupScopeMixin, ListPageView):
    """Every store group, with how many of its stores the viewer can see."""

    filterset_class = StoreGroupFilterSet
    template_name = "stores/group_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = selectors.storegroup_can_manage(viewer=self.request.user)
        return context


class StoreGroupDetailView(StoreGroupScopeMixin, DetailPageView):
    """One group: its description and the member stores the viewer can see (the others only counted)."""

    template_name = "stores/group_detail.html"
    context_object_name = "group"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stores, hidden = selectors.storegroup_stores(viewer=self.request.user, group=self.object)
        context.update(stores=paginate(self.request, stores), hidden=hidden)
        context["can_manage"] = selectors.storegroup_can_manage(viewer=self.request.user)
        return context


class StoreGroupCreateView(ServiceFormMixin, StoreGroupManageMixin, GateMixin, generic.CreateView):
    """Create a store group (settings managers of every store)."""

    form_class = StoreGroupForm
    http_method_names = FORM_METHODS
    template_name = "stores/group_form.html"
    success_message = _("Store group saved.")

    def perform(self, form):
        return services.storegroup_create(actor=self.request.user, **form.service_data())


class StoreGroupEditView(ServiceFormMixin, StoreGroupManageMixin, GateMixin, generic.UpdateView):
    """Rename a group or change its stores."""

    form_class = StoreGroupForm
    http_method_names = FORM_METHODS
    template_name = "stores/group_form.html"
    context_object_name = "group"
    success_message = _("Store group saved.")

    def perform(self, form):
        return services.storegroup_update(actor=self.request.user, group=self.object, **form.service_data())


class StoreGroupDeleteView(StoreGroupManageMixin, DeletePageView):
    """Confirm (GET), then delete (POST) a group no route uses."""

    template_name = "stores/group_delete.html"
    context_object_name = "group"
    success_url = reverse_lazy("stores:group_list")
    deleted_message = _("Store group %(name)s deleted.")

    def delete_object(self, actor, obj) -> None:
        services.storegroup_delete(actor=actor, group=obj)
