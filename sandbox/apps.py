from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SandboxConfig(AppConfig):
    name = "sandbox"
    verbose_name = _("Platform simulators")

    def ready(self):
        # Demo mode serves the simulators inside the console's process, in memory: they must know the demo
        # partner, shops, sellers and robots (sandbox/demo_world.py) before the first request.
        from django.conf import settings

        if getattr(settings, "SHOPCREW_DEMO", False):
            from .demo_world import install
            from .state import get_world

            install(get_world())
