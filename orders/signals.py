"""Authorizing a store again resumes its sync: a full save of its Shopee credential (the authorization
callback) or of its Ozon keys clears a paused or failing sync state and makes the store due at once.

A signal because the authorization service lives in `stores`, which must not import `orders` (DESIGN.md);
token refreshes save with `update_fields` and do not count (a refresh is not a person authorizing again).
"""

from django.db import transaction


def credential_saved(sender, instance, created, update_fields=None, **kwargs):
    if update_fields is not None:
        return
    usable = bool(getattr(instance, "refresh_token", True)) and not getattr(instance, "reauthorize_required", False)
    if usable and getattr(instance, "api_key", True):
        from .polling import sync_resume

        store_id = instance.store_id
        transaction.on_commit(lambda: sync_resume(store_id=store_id))


def connect() -> None:
    """Called from OrdersConfig.ready(): the resume signals, and the store page's sync-health panel (beside the
    platform connection, templates/orders/_store_sync.html)."""
    from django.db.models.signals import post_save

    from stores.models import OzonCredential, ShopeeCredential
    from stores.views import STORE_DETAIL_PANELS

    for model in (ShopeeCredential, OzonCredential):
        post_save.connect(credential_saved, sender=model, dispatch_uid=f"orders.resume.{model.__name__}")
    if "orders/_store_sync.html" not in STORE_DETAIL_PANELS["connection"]:
        STORE_DETAIL_PANELS["connection"].append("orders/_store_sync.html")
