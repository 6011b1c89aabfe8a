"""The reports app's entry in the top navigation (see core.navigation): people with reports_view somewhere."""

from django.utils.translation import gettext_lazy as _

from core.navigation import register

register("reports:board", _("Board"), "reports_view", order=38)
