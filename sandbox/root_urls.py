"""Root urlconf of the standalone simulator server (`manage.py simulate`)."""

from django.urls import include, path

urlpatterns = [path("", include("sandbox.urls"))]
