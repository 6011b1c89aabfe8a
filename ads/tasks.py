"""Ads polling tasks (queue "polling"): the dispatcher (beat) and the per-store polls it queues."""

from celery import shared_task

from . import polling


@shared_task(name="ads.tasks.poll_dispatch", soft_time_limit=50, time_limit=60)
def poll_dispatch() -> int:
    return polling.ads_dispatch(queue=lambda ids: poll_stores.delay(ids))


@shared_task(name="ads.tasks.poll_stores", soft_time_limit=540, time_limit=600)
def poll_stores(store_ids: list[int]) -> dict[int, str]:
    return {store_id: polling.ads_poll(store_id=store_id).outcome for store_id in store_ids}
