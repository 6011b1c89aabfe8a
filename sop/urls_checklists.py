"""SOP pages: checklists (included by sop.urls)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
