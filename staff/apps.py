from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("Staff")

    def ready(self):
        from core import stepup
        from security.policy import current as security_policy

        from . import auth_services, scopes, signals

        signals.connect()
        scopes.register()
        stepup.register(
            verify=auth_services.second_factor_verify,
            window_minutes=lambda: security_policy().step_up_minutes,
        )
