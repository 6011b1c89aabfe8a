"""The top navigation: each entry shows only to people who hold its permission somewhere."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import ANY, permissions_of

# (url name, label, permission needed somewhere or None for everyone signed in, url namespace that marks it active)
NAV = [
    ("rbac:my_duties", _("My duties"), None, "rbac"),
    ("stores:store_list", _("Stores"), ANY, "stores"),
    ("staff:staff_list", _("Staff"), "users_view", "staff"),
    ("rbac:role_matrix", _("Roles"), "users_view", "rbac"),
    ("rbac:grid", _("Assignments"), "users_view", "rbac"),
    ("notifications:robot_list", _("Notifications"), "settings_view", "notifications"),
    ("audit:event_list", _("Audit log"), "users_view", "audit"),
]


def nav_items(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    perms = permissions_of(user)
    current = getattr(getattr(request, "resolver_match", None), "namespace", "")
    items = []
    for url_name, label, perm, namespace in NAV:
        if perm is not None and not perms.has_anywhere(perm):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue  # that part of the console is not installed
        items.append({"url": url, "label": label, "active": current == namespace and url_name != "rbac:my_duties"})
    return items
