"""The top navigation: each entry shows only to people who hold its permission somewhere."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import ANY, permissions_of

# (url name, label, permission needed somewhere or None for everyone signed in)
NAV = [
    ("rbac:my_duties", _("My duties"), None),
    ("stores:store_list", _("Stores"), ANY),
    ("staff:staff_list", _("Staff"), "users_view"),
    ("rbac:role_matrix", _("Roles"), "users_view"),
    ("rbac:grid", _("Assignments"), "users_view"),
    ("rbac:access_request_list", _("Access requests"), None),
    ("notifications:robot_list", _("Notifications"), "settings_view"),
    ("audit:event_list", _("Audit log"), "users_view"),
]


def nav_items(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    perms = permissions_of(user)
    items = []
    for url_name, label, perm in NAV:
        if perm is not None and not perms.has_anywhere(perm):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue  # that part of the console is not installed
        items.append({"url": url, "label": label, "active": _is_current(request.path, url)})
    return items


def _is_current(path: str, url: str) -> bool:
    """An entry is active on its own page and the pages below it (/stores/ for /stores/12/)."""
    section = url if url.endswith("/") else url.rsplit("/", 1)[0] + "/"
    return path.startswith(section)
