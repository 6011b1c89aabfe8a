from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


class SignedInWithSecondFactor(BasePermission):
    """Signed in; admins also verified by a second factor (tokens count as verified)."""

    message = _("Sign in first; administrators must also pass two-factor verification.")

    def has_permission(self, request, view):
        from core.middleware import needs_second_factor

        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if getattr(request._request, "second_factor_via_token", False):
            return True
        return user.is_verified() or not needs_second_factor(user)
