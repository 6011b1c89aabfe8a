"""Template tags of the checklists: 我的职责's panel of today's checklists assigned to the viewer."""

from django import template

from sop import selectors

register = template.Library()


@register.inclusion_tag("sop/checklists/_duty_panel_body.html", takes_context=True)
def my_checklists(context):
    """Today's checklists of the viewer (two queries), with their progress."""
    user = context["request"].user
    return {"checklists": selectors.checklists_today(viewer=user), "request": context["request"]}
