"""A console-like urlconf mounting the simulators under /sandbox/, as config.urls does in demo mode."""

from django.urls import include, path

urlpatterns = [path("sandbox/", include("sandbox.urls"))]
