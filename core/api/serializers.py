"""Serializer helpers of the API path: a service's Django errors as DRF's, and serializers that call services."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.settings import api_settings


def service_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    """A service's Django ValidationError as DRF's, field by field (in the request's language)."""
    detail = serializers.as_serializer_error(exc)
    if NON_FIELD_ERRORS in detail:
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
    return serializers.ValidationError(detail)


class ServiceSerializerMixin:
    """For serializers of models written by services: they parse and render, never save.

    Writes go through the services the viewset declares (core.api.viewsets.ServiceViewSet), so a
    `serializer.save()` here is a mistake that would skip the service's checks and audit: it refuses.
    """

    def create(self, validated_data):
        raise NotImplementedError("Writes go through the viewset's declared service, not serializer.save().")

    def update(self, instance, validated_data):
        raise NotImplementedError("Writes go through the viewset's declared service, not serializer.save().")
