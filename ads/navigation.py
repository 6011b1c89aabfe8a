"""The ads app's entry in the top navigation (see core.navigation)."""

from django.utils.translation import gettext_lazy as _

from core.navigation import register

register("ads:overview", _("Ads"), "ads_view", order=39)
