from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # The store page lists the store's group robots (notifications/templatetags/notification_tags.py).
        from stores.views import STORE_DETAIL_PANELS

        if "notifications/_store_robots.html" not in STORE_DETAIL_PANELS["notifications"]:
            STORE_DETAIL_PANELS["notifications"].append("notifications/_store_robots.html")
