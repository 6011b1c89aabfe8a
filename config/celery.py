"""The Celery app: JSON only, soft and hard time limits on every task, intake / polling / delivery queues.

Settings come from Django's (the CELERY_* names in config/settings/base.py). The queues are declared here
from SHOPCREW_TASK_QUEUES so a worker started with `-Q intake` consumes exactly that queue, and every task
that does not set its own limits gets the defaults (`task_soft_time_limit`, `task_time_limit`).
"""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("shopcrew")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _declare_queues(sender, **kwargs):
    from django.conf import settings

    names = getattr(settings, "SHOPCREW_TASK_QUEUES", ("default",))
    sender.conf.task_queues = [Queue(name, routing_key=name) for name in names]
