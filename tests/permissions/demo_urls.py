"""A tests-only urlconf: the console as mounted in demo mode, with the simulators under /sandbox/."""

from config.urls import sandbox_mount
from config.urls import urlpatterns as console

urlpatterns = [*console, sandbox_mount()]
