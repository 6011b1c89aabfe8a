"""The security app's entry in the top navigation (see core.navigation): super admins only."""

from django.utils.translation import gettext_lazy as _

from core.navigation import SUPER_ADMIN, register

register("security:policy_edit", _("Security"), SUPER_ADMIN, order=85)
