"""The roles app's entries in the top navigation (see core.navigation)."""

from django.utils.translation import gettext_lazy as _

from core.navigation import register

register("rbac:my_duties", _("My duties"), None, order=10)
register("rbac:role_matrix", _("Roles"), "users_view", order=40)
register("rbac:grid", _("Assignments"), "users_view", order=50)
register("rbac:access_request_list", _("Access requests"), None, order=60)
register("rbac:review_mine", _("Access reviews"), None, order=65)
