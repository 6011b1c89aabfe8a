"""Connecting a store's ads makes it due at once: a full save of its Shopee credential (the authorization callback)
or of its Ozon Performance keys clears "not connected" and polls the store at the next dispatch, instead of a day
after the poll that found it unconnected.

A signal because `stores` must not import `ads` (DESIGN.md); token refreshes save with `update_fields` and do not
count.
"""

from django.db import transaction
from django.utils import timezone


def credential_saved(sender, instance, created, update_fields=None, **kwargs):
    if update_fields is not None:
        return
    store_id = instance.store_id

    def resume() -> None:
        from .models import AdsStore

        AdsStore.objects.filter(store_id=store_id).update(connected=True, last_error="", next_poll_at=timezone.now())

    transaction.on_commit(resume)


def connect() -> None:
    from django.db.models.signals import post_save

    from stores.models import OzonPerformanceCredential, ShopeeCredential

    for model in (ShopeeCredential, OzonPerformanceCredential):
        post_save.connect(credential_saved, sender=model, dispatch_uid=f"ads.resume.{model.__name__}")
