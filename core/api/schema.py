"""The OpenAPI schema class: drf-spectacular's, plus the error answers every operation can give.

An integrator (and schemathesis) reads from the schema which status codes an operation may answer; the
error ones share one component, `Error`, the body of `core.api.exceptions.exception_handler`:
- 400 where there is input to refuse (a list's filters and pages, any write);
- 401 and 403 everywhere (signed out; no right, or no second factor);
- 404 for an object outside the caller's reach (paths with an id) and for a page past a list's end.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import authentication, openapi
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

# An API error, as core.api.exceptions.error_body answers it: `code`, `message` and `request_id` always; a
# refused input's messages per field in `fields` (also repeated as top-level keys, as DRF answers them);
# `detail` for the other refusals.
ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(help_text=_("A stable, machine-readable error code.")),
        "message": serializers.CharField(help_text=_("What went wrong, in the caller's language.")),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text=_("Messages per input field."),
        ),
        "detail": serializers.CharField(required=False, help_text=_("What went wrong, in the caller's language.")),
        "request_id": serializers.CharField(help_text=_("Quote it to support: it names this request in the logs.")),
    },
)


ERRORS = {
    "400": _("The input was refused; the body says why, field by field."),
    "401": _("Not signed in."),
    "403": _("Signed in, but without the right (or the second factor) this needs."),
    "404": _("No such object within your reach, or a page past the end."),
}


class AutoSchema(openapi.AutoSchema):
    def _error_codes(self) -> list[str]:
        codes = ["401", "403"]
        if self.method != "GET" or self._is_list_view():
            codes.append("400")
        if "{" in self.path or self._is_list_view():
            codes.append("404")
        return sorted(codes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERRORS[code]
                responses[code] = response
        return responses


class SessionScheme(authentication.SessionScheme):
    """The console's session authentication (core.api.authentication) is described as DRF's is: the cookie."""

    target_class = "core.api.authentication.SessionAuthentication"
