"""The robots panel of the store page, and small filters for robot pages (masked key, last send failed)."""

from django import template

from core.permissions import permissions_of
from notifications import selectors
from notifications.models import Robot
from notifications.services import robot_key_masked

register = template.Library()


@register.filter
def masked_key(robot) -> str:
    """The robot's webhook key as "••••" plus its last 4 characters; never the key."""
    return robot_key_masked(robot)


@register.filter
def last_send_failed(robot) -> bool:
    """Whether the robot's most recent send failed."""
    return bool(robot.last_error_at and (not robot.last_success_at or robot.last_error_at >= robot.last_success_at))


@register.inclusion_tag("notifications/_store_robots_body.html", takes_context=True)
def store_robots_panel(context, store):
    """The store's robots, for viewers who may see its settings; test buttons for those who manage them."""
    request = context.get("request")
    viewer = getattr(request, "user", None)
    perms = permissions_of(viewer)
    if not perms.has(Robot.permission_for("view"), store.pk):
        return {"visible": False}
    return {
        "visible": True,
        "store": store,
        "robots": list(selectors.store_robots(viewer=viewer, store=store)),
        "can_manage": perms.has(Robot.permission_for("change"), store.pk),
        "request": request,
    }


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when absent)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
