from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdsConfig(AppConfig):
    name = "ads"
    verbose_name = _("Ads")

    def ready(self):
        from orders.digests import register_contributor

        from . import services, signals, tasks  # noqa: F401  (workers learn the beat task)

        signals.connect()  # connecting a store's ads polls it at once
        register_contributor(services.digest_figures)  # the ads lines of the daily and weekly digests
