"""The Celery app: JSON only, soft and hard time limits on every task, intake / polling / delivery queues.

Settings come from Django's (the CELERY_* names, "The Celery runtime" in config/settings/base.py). The queues
are declared here from SHOPCREW_TASK_QUEUES so a worker started with `-Q intake` consumes exactly that queue,
and every task that does not set its own limits gets the defaults (`task_soft_time_limit`, `task_time_limit`).
With the embedded broker (CELERY_BROKER_URL=filesystem://, bin/run without Redis) its folders are made here,
in whichever process first uses the app: the console queuing a task, a worker or beat.
"""

import os
from pathlib import Path

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
    if str(sender.conf.broker_url or "").startswith("filesystem:"):
        options = sender.conf.broker_transport_options or {}
        for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
            if options.get(key):
                Path(options[key]).mkdir(parents=True, exist_ok=True)
