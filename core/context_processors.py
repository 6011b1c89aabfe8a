from .navigation import nav_items
from .permissions import permissions_of


def console(request):
    """Exposes the viewer's PermissionSet (`perms_set`) and the navigation to templates."""
    return {"perms_set": permissions_of(getattr(request, "user", None)), "nav_items": nav_items(request)}
