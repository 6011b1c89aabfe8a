"""The company's security policy as one cached read per request or task."""

from __future__ import annotations

from .models import SecurityPolicy


def current() -> SecurityPolicy:
    """The policy row (created with its defaults on first use)."""
    policy, _created = SecurityPolicy.objects.get_or_create(pk=1)
    return policy
