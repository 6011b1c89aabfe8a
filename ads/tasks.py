"""Ads polling tasks (queue "polling"): the dispatcher (beat) and the per-store polls it queues."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from . import polling

logger = logging.getLogger(__name__)


@shared_task(name="ads.tasks.poll_dispatch", soft_time_limit=50, time_limit=60)
def poll_dispatch() -> int:
    return polling.ads_dispatch(queue=lambda ids: poll_stores.delay(ids))


@shared_task(name="ads.tasks.poll_stores", soft_time_limit=540, time_limit=600)
def poll_stores(store_ids: list[int]) -> dict[int, str]:
    outcomes = {}
    for store_id in store_ids:
        try:
            outcomes[store_id] = polling.ads_poll(store_id=store_id).outcome
        except SoftTimeLimitExceeded:
            raise  # out of time: the rest wait for their next poll
        except Exception:  # noqa: BLE001 - one store's bug must not stop the others' polls; logged
            logger.exception("ads poll of store %s crashed", store_id)
            outcomes[store_id] = "error"
    return outcomes
