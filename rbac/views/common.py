"""What every rbac page shares: the access mixin, the safe `next` URL and the mapping of service
refusals to messages and form errors."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.forms import add_service_errors
from core.permissions import permissions_of


class RequiresMixin(LoginRequiredMixin):
    """Sign-in required, then `required` held on at least one store (None: any signed-in person).
    SUPER_ADMIN_ONLY is held by nobody on a store, so only super admins pass it."""

    required: str | None = "users_view"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.required is not None and not permissions_of(request.user).has_anywhere(self.required):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _error_messages(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return exc.messages
    return [str(exc)] if str(exc) else [_("You are not allowed to do this.")]


def _form_error(form, exc: Exception) -> None:
    """A service refusal on the form: a ValidationError next to its fields, a PermissionDenied above them."""
    if isinstance(exc, ValidationError):
        add_service_errors(form, exc)
    else:
        form.add_error(None, _error_messages(exc))
