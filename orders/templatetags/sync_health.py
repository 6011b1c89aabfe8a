"""{% store_sync store as sync %}: what the store page's sync-health block (orders/_store_sync.html) shows."""

from django import template

from orders.polling import sync_health_of

register = template.Library()


@register.simple_tag
def store_sync(store):
    return sync_health_of(store=store)
