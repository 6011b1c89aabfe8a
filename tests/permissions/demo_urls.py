"""A tests-only urlconf: the console as mounted in demo mode, with the simulators under /sandbox/."""

from django.urls import include, path

from config.urls import urlpatterns as console

urlpatterns = [*console, path("sandbox/", include("sandbox.urls"))]
