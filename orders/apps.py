from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self):
        from core.views_home import DUTY_PANELS

        from . import (
            signals,
            work_tasks,  # noqa: F401 - the beat tasks (Celery's autodiscovery finds only orders.tasks)
        )

        signals.connect()
        # The work waiting on the viewer on 我的职责 (orders/templatetags/orders_tags.py).
        if "orders/_duty_work.html" not in DUTY_PANELS:
            DUTY_PANELS.append("orders/_duty_work.html")
        # The store page links to the store's orders, cases, stock and work settings.
        from stores.views import STORE_DETAIL_PANELS

        if "orders/_store_work.html" not in STORE_DETAIL_PANELS["extra"]:
            STORE_DETAIL_PANELS["extra"].append("orders/_store_work.html")
