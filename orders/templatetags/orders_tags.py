"""Template helpers of the orders pages: buyer names as the viewer may see them, rights per store, and the
我的职责 panel (its data loaded here, so rbac's page names nothing of orders)."""

from django import template

from core.permissions import permissions_of

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def buyer(context, item) -> str:
    """The buyer's name of an order or case: in full with order rights on its store, masked otherwise."""
    viewer = context["request"].user
    return selectors.buyer_name_for(viewer=viewer, store_id=item.store_id, name=item.buyer_name)


@register.simple_tag(takes_context=True)
def may(context, perm: str, store_id) -> bool:
    """Whether the viewer holds `perm` on the store (from the request's PermissionSet, no query)."""
    return permissions_of(context["request"].user).has(perm, store_id)


@register.inclusion_tag("orders/_duty_work_body.html", takes_context=True)
def duty_work(context):
    """我的职责: the orders, after-sales cases and low stock waiting on the viewer."""
    request = context["request"]
    return {
        "request": request,
        "work": selectors.work_items(viewer=request.user),
        "csrf_token": context.get("csrf_token"),
    }
