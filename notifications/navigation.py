"""The notifications app's entry in the top navigation (see core.navigation)."""

from django.utils.translation import gettext_lazy as _

from core.navigation import register

register("notifications:robot_list", _("Notifications"), "settings_view", order=70)
register("notifications:delivery_list", _("Deliveries"), "settings_view", order=72)
register("notifications:route_list", _("Routes"), "settings_view", order=71)
