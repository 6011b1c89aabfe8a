"""{% store_connection store as conn %}: what the connection partial (stores/_connection.html) shows."""

from django import template

from core.permissions import permissions_of
from stores.authorization import connection_health
from stores.performance import performance_health

register = template.Library()


@register.simple_tag(takes_context=True)
def store_connection(context, store):
    """The store's connection health plus whether the viewer may change it (settings_manage)."""
    request = context.get("request")
    perms = permissions_of(getattr(request, "user", None))
    return {
        "health": connection_health(store=store),
        "can_manage": perms.has("settings_manage", store.pk),
        "is_shopee": store.platform == "shopee",
        # an Ozon store's Performance API keys (ads), beside its Seller API keys
        "performance": performance_health(store=store) if store.platform == "ozon" else None,
    }
