"""Panels the rbac app adds to other pages (home, store detail, staff detail), and small filters.

Each panel reads through rbac selectors scoped to the viewer (request.user) and renders nothing the
viewer may not see; revoke buttons appear only where rbac.services would allow the revocation.
"""

from django import template

from core.permissions import permissions_of
from rbac import page_selectors, selectors, services
from stores.catalogue import BY_CODENAME, label_of

register = template.Library()

PANEL_ROWS = 5


def _viewer(context):
    request = context.get("request")
    return getattr(request, "user", None)


def _revocable(viewer, bindings) -> tuple[set[int], dict[int, str]]:
    """Which of these bindings the viewer may revoke, and why not for the others (the service's preview)."""
    if not bindings or not permissions_of(viewer).has_anywhere("users_manage"):
        return set(), {}
    plan = services.bindings_bulk_revoke_plan(actor=viewer, bindings=bindings)
    return {b.pk for b in plan.revoke}, {r.binding.pk: r.message for r in plan.refused}


@register.inclusion_tag("rbac/_home_panel_body.html", takes_context=True)
def rbac_home_panel(context):
    """Pending requests the viewer may decide (count and the first few), and grants ending soon: their
    own, and those in stores where they manage users."""
    viewer = _viewer(context)
    to_decide = selectors.access_requests_pending_for(approver=viewer)
    managed = page_selectors.expiring_bindings(viewer=viewer).exclude(staff=viewer)
    managed_rows = list(managed[: PANEL_ROWS + 1])
    return {
        "to_decide": to_decide[:PANEL_ROWS],
        "to_decide_count": len(to_decide),
        "mine_expiring": list(page_selectors.expiring_bindings(viewer=viewer, mine=True)[:PANEL_ROWS]),
        "managed_expiring": managed_rows[:PANEL_ROWS],
        "managed_count": managed.count() if len(managed_rows) > PANEL_ROWS else len(managed_rows),
        "window_days": page_selectors.EXPIRY_WINDOW.days,
    }


@register.inclusion_tag("rbac/_store_roles_body.html", takes_context=True)
def rbac_store_roles(context, store):
    """Who holds which role in the store (and its owners) — for viewers with users_view there."""
    viewer = _viewer(context)
    perms = permissions_of(viewer)
    if not perms.has("users_view", store.pk):
        return {"visible": False}
    holders = selectors.store_holders(viewer=viewer, store=store)
    bindings = [b for h in holders for b in h.bindings + h.everywhere]
    revocable, refusals = _revocable(viewer, bindings)
    can_grant = perms.has("users_manage", store.pk)
    grants = [g for h in holders for g in h.exceptions]
    return {
        "visible": True,
        "revocable_grants": services.exceptions_revocable(actor=viewer, grants=grants) if can_grant else set(),
        "store": store,
        "holders": holders,
        "revocable": revocable,
        "refusals": refusals,
        "can_grant": can_grant,
        "request": context.get("request"),
    }


@register.inclusion_tag("rbac/_staff_bindings_body.html", takes_context=True)
def rbac_staff_bindings(context, person):
    """A person's live bindings and exception grants in the viewer's stores, with revoke buttons where allowed."""
    viewer = _viewer(context)
    live = list(
        selectors.binding_list(viewer=viewer, staff=person, live=True).order_by("store__name", "role__name", "pk")
    )
    revocable, refusals = _revocable(viewer, live)
    exceptions = list(page_selectors.live_exceptions(viewer=viewer, staff=person))
    may_manage = permissions_of(viewer).has_anywhere("users_manage")
    revocable_grants = services.exceptions_revocable(actor=viewer, grants=exceptions) if may_manage else set()
    return {
        "person": person,
        "bindings": live,
        "revocable": revocable,
        "refusals": refusals,
        "exceptions": exceptions,
        "revocable_grants": revocable_grants,
        "can_grant": may_manage and viewer.pk != person.pk,
        "request": context.get("request"),
    }


@register.simple_tag(takes_context=True)
def rbac_may_offboard(context, person) -> bool:
    """Whether the viewer may offboard this person (the "Offboard" button of the staff page)."""
    return page_selectors.staff_offboardable_by(viewer=_viewer(context), staff=person)


@register.inclusion_tag("rbac/_staff_history_body.html", takes_context=True)
def rbac_staff_history(context, person):
    """A person's ended bindings (revoked or expired: by whom, when, why) in the viewer's stores."""
    viewer = _viewer(context)
    ended = selectors.binding_history(viewer=viewer, staff=person).ended()
    grants = selectors.exception_grant_list(viewer=viewer, staff=person).ended().select_related("revoked_by")
    return {
        "person": person,
        "ended": list(ended[:100]),
        "ended_grants": list(grants.order_by("-created_at", "-id")[:100]),
    }


@register.inclusion_tag("rbac/_staff_duties_body.html", takes_context=True)
def rbac_staff_duties(context, person):
    """What a person may do, in plain words, on the stores the viewer may see."""
    everywhere, stores = page_selectors.staff_rights(viewer=_viewer(context), staff=person)
    return {"person": person, "everywhere": everywhere, "stores": stores}


@register.filter
def perm_label(codename):
    """The catalogue label of a permission codename (the codename itself when unknown)."""
    return label_of(codename)


@register.filter
def perm_info(codename):
    """The catalogue entry of a codename (label, meaning, high_risk), or None."""
    return BY_CODENAME.get(str(codename).removeprefix("stores."))


@register.filter
def contains(collection, item):
    return item in collection


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def rbac_tabs(context):
    """The rbac pages' tabs the viewer may open: [{url, label, active}]."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    request = context.get("request")
    viewer_perms = permissions_of(_viewer(context))
    current = getattr(getattr(request, "resolver_match", None), "url_name", "")
    tabs = [
        ("my_duties", _("My duties"), None, ("my_duties",)),
        (
            "role_matrix",
            _("Permission matrix"),
            "users_view",
            ("role_matrix", "role_detail", "role_create", "role_edit", "role_delete", "position_roles"),
        ),
        (
            "grid",
            _("Assignments"),
            "users_view",
            (
                "grid",
                "binding_bulk_grant_stores",
                "binding_bulk_grant_staff",
                "binding_bulk_revoke",
                "binding_grant",
                "binding_revoke",
            ),
        ),
        (
            "access_request_list",
            _("Access requests"),
            None,
            ("access_request_list", "access_request_detail", "access_request_create"),
        ),
        ("why", _("Permission trace"), "users_view", ("why",)),
        ("approval_policy", _("Approval policy"), SUPER_ADMIN_TAB, ("approval_policy",)),
    ]
    return [
        {"url": reverse(f"rbac:{name}"), "label": label, "active": current in names}
        for name, label, perm, names in tabs
        if perm is None
        or (perm == SUPER_ADMIN_TAB and viewer_perms.super_admin)
        or (perm != SUPER_ADMIN_TAB and viewer_perms.has_anywhere(perm))
    ]


SUPER_ADMIN_TAB = "<super admin>"
