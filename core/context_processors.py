from .permissions import permissions_of


def console(request):
    """Exposes the viewer's PermissionSet to templates as `perms_set`."""
    return {"perms_set": permissions_of(getattr(request, "user", None))}
