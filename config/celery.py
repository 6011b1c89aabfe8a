"""The Celery app: JSON only, time limits on every task, tasks found in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("shopcrew")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
