from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _register(panels: list[str], template: str) -> None:
    if template not in panels:
        panels.append(template)


class RbacConfig(AppConfig):
    name = "rbac"
    verbose_name = _("Roles and permissions")

    def ready(self):
        from django.conf import settings

        from core.models import register_store_relation
        from core.permissions import register_holders, register_owner_rights

        from .permissions import owner_permissions
        from .relations import LIVE_GRANTS
        from .selectors import staff_with_perm

        register_store_relation(settings.AUTH_USER_MODEL, LIVE_GRANTS)  # people work where they hold live grants
        register_owner_rights(owner_permissions)  # owners hold the store-admin role (rbac.permissions.OWNER_ROLE_KEY)
        register_holders(staff_with_perm)  # who may do a permission on a store, for the layers below (orders)
        # the manager persona (staff.scopes): a department manager reads their people's grants and their history
        from core.models import register_read_scope

        from .relations import department_grants

        for model in ("rbac.RoleBinding", "rbac.ExceptionGrant"):
            register_read_scope(model, department_grants)

        # The rbac panels of the home, store detail and staff detail pages (rbac/templatetags/rbac_pages.py).
        from core.views_home import HOME_PANELS
        from staff.views import STAFF_DETAIL_PANELS
        from stores.views import STORE_DETAIL_PANELS

        _register(HOME_PANELS, "rbac/_home_panel.html")
        _register(STORE_DETAIL_PANELS["roles"], "rbac/_store_roles.html")
        _register(STAFF_DETAIL_PANELS["actions"], "rbac/_staff_offboard_action.html")
        _register(STAFF_DETAIL_PANELS["bindings"], "rbac/_staff_bindings.html")
        _register(STAFF_DETAIL_PANELS["duties"], "rbac/_staff_duties.html")
        _register(STAFF_DETAIL_PANELS["history"], "rbac/_staff_history.html")
