"""The stores app's entry in the top navigation (see core.navigation)."""

from django.utils.translation import gettext_lazy as _

from core.navigation import register
from core.permissions import ANY

register("stores:store_list", _("Stores"), ANY, order=20)
