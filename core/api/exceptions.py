"""The API's one error mapping (HackSoft's exception handler): every refusal answers in one shape.

A service refuses with Django's ``ValidationError`` (400, field by field), ``PermissionDenied`` (403 with
its reason: the rbac delegation and approval refusals) or ``Http404``; DRF raises its own. All answer
JSON with
- ``code``: a stable machine-readable code (``invalid``, ``permission_denied``, ``not_found``,
  ``not_authenticated``, ``method_not_allowed``, ``throttled``, …);
- ``message``: one sentence in the user's language;
- ``fields``: on a refused input, the messages per field (``non_field_errors`` for the rest) — also
  repeated as top-level keys, as DRF answers them and earlier clients read them; ``detail`` for the other
  refusals;
- ``request_id``: the id the response also carries as ``X-Request-ID``, to quote to support.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .serializers import service_errors


def as_api_exception(exc: Exception) -> Exception:
    """A service's Django exception as the DRF exception of the same meaning (its message kept)."""
    if isinstance(exc, DjangoValidationError):
        return service_errors(exc)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    return exc


def _first_message(data) -> str:
    if isinstance(data, dict):
        for value in data.values():
            found = _first_message(value)
            if found:
                return found
        return ""
    if isinstance(data, list):
        return _first_message(data[0]) if data else ""
    return str(data)


def _flat(errors) -> list[str]:
    """A field's messages as a flat list (a list field's errors come per item, a nested one's per key)."""
    if isinstance(errors, dict):
        return [message for value in errors.values() for message in _flat(value)]
    if isinstance(errors, list):
        return [message for value in errors for message in _flat(value)]
    return [str(errors)]


def error_body(exc: exceptions.APIException, data) -> dict:
    """The error shape around DRF's data: code, message, field errors or detail."""
    body = dict(data) if isinstance(data, dict) else {api_settings.NON_FIELD_ERRORS_KEY: data}
    if isinstance(exc, exceptions.ValidationError):
        named = [key for key in body if key != api_settings.NON_FIELD_ERRORS_KEY]
        message = (
            _("Correct the marked fields: %(first)s") % {"first": _first_message(body)}
            if named
            else _first_message(body) or _("The input is not valid.")
        )
        fields = {key: _flat(value) for key, value in body.items()}
        return {"code": "invalid", "message": message, **body, "fields": fields}
    code = getattr(exc, "default_code", "error")
    return {"code": code, "message": _first_message(body.get("detail", body)) or str(exc.default_detail), **body}


def exception_handler(exc, context):
    """DRF's handler, after turning service errors into DRF's, with the one error shape and the request id."""
    exc = as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = error_body(exc, response.data)
    request = context.get("request")
    request_id = getattr(getattr(request, "_request", None), "request_id", None)
    if request_id:
        response.data["request_id"] = request_id
    return response
