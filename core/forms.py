"""The form → service idiom: a form parses, one service writes, and a service's refusal lands on the form.

`add_service_errors()` is the one mapping of service errors to form errors, used by every page:
- a Django ``ValidationError`` with a field dict goes next to the fields it names (the rest above the form);
- a ``ValidationError`` without fields, and a ``PermissionDenied`` (a delegation or approval refusal of
  the rbac services, whose message says why), go above the form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .denied import note

SERVICE_ERRORS = (ValidationError, PermissionDenied)

# For the type checker the mixin is a form view (it always is, at run time, through the concrete class).
if TYPE_CHECKING:
    from django.views.generic.edit import ModelFormMixin as _FormView
else:
    _FormView = object


def service_error_messages(exc: Exception) -> list[str]:
    """A service refusal as a list of sentences in the user's language (for messages and page banners)."""
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    return [str(exc)] if str(exc) else [_("You are not allowed to do this.")]


def add_service_errors(form, exc: Exception) -> None:
    """Put a service's refusal on the form: on the named fields, the rest above the form."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        if isinstance(exc, PermissionDenied):
            note(exc)  # a refused attempt leaves a trace even though the page answers with the form
        form.add_error(None, service_error_messages(exc))


class ServiceFormMixin(_FormView):
    """form_valid() runs perform(form) — one service call. A refusal from the service is shown next to the
    fields (or above them) and nothing is saved (the service's transaction rolled back).

    `form_refusals` declares which service errors become form errors; others propagate (a
    PermissionDenied then answers 403 — pages whose services refuse delegations show them on the form)."""

    request: HttpRequest
    success_message = gettext_lazy("Saved.")
    form_refusals: tuple[type[Exception], ...] = (ValidationError,)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["viewer"] = self.request.user
        return kwargs

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.object = self.perform(form)
        except self.form_refusals as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect(self.get_success_url())

    def get_success_url(self):
        return self.object.get_absolute_url()
