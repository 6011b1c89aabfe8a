from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoresConfig(AppConfig):
    name = "stores"
    verbose_name = _("Stores")

    def ready(self):
        from django.conf import settings

        from core.models import register_store_relation

        from .relations import OWNERSHIP

        register_store_relation(settings.AUTH_USER_MODEL, OWNERSHIP)  # owners work in the stores they own
