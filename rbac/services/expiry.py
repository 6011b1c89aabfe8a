"""The beat task's body: end what expired, lapse requests past their deadline."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..models import (
    AccessRequest,
    ExceptionGrant,
    RequestStatus,
    RoleBinding,
)
from .exceptions import _expire_exceptions
from .requests import _expire_requests
from .revoke import _expire_bindings


def expire_due(*, now: datetime | None = None, limit: int = 5000) -> dict[str, int]:
    """The beat task's body: end expired bindings and exception grants (guardian membership/rows
    removed, audited as binding.expire) and lapse pending requests past their deadline
    (access_request.expire). Rows locked by a concurrent transaction are left for the next run."""
    now = now or timezone.now()
    with transaction.atomic():
        bindings = _expire_bindings(
            RoleBinding.objects.filter(revoked_at__isnull=True, expires_at__lte=now), now=now, limit=limit
        )
        grants = _expire_exceptions(
            ExceptionGrant.objects.filter(revoked_at__isnull=True, expires_at__lte=now), now=now, limit=limit
        )
        requests = _expire_requests(AccessRequest.objects.filter(status=RequestStatus.PENDING, expires_at__lte=now))
    return {"bindings": bindings, "exception_grants": grants, "requests": requests}
