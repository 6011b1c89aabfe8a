"""A console-like urlconf mounting the simulators under /sandbox/, closed as config.urls mounts them in demo mode."""

from config.urls import sandbox_mount

urlpatterns = [sandbox_mount()]
