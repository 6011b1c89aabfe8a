from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import checks  # noqa: F401 - registers the deployment checks
        from .navigation import autodiscover

        autodiscover()  # each app's navigation.py registers its own entries
