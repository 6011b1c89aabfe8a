"""What every rbac page shares: the safe `next` URL and the mapping of service refusals to messages and
form errors (core.forms' one mapping). The gate is core.views.GateMixin, declared on each page."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme

from core.forms import add_service_errors, service_error_messages


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _error_messages(exc: Exception) -> list[str]:
    return service_error_messages(exc)


def _form_error(form, exc: Exception) -> None:
    """A service refusal on the form: a ValidationError next to its fields, a PermissionDenied above them."""
    add_service_errors(form, exc)
