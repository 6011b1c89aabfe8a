"""The staff app's entry in the top navigation (see core.navigation)."""

from django.utils.translation import gettext_lazy as _

from core.navigation import register

register("staff:staff_list", _("Staff"), "users_view", order=30, readable="staff.Staff")
