"""System grants for seeding and management commands (no actor, no second person)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stores.models import Store

from .. import sync
from ..models import (
    Role,
    RoleBinding,
)
from .common import (
    _require_reason,
    _target_invalid,
)
from .grants import _create_bindings


def binding_bootstrap(*, staff, role: Role, store: Store | None = None, reason: str) -> RoleBinding:
    """System grant without an actor or a second person — ONLY for seeding and management commands
    (e.g. the first super admin of a new installation). Audited like a grant (source: the bound context)."""
    reason = _require_reason(reason)
    with transaction.atomic():
        why = _target_invalid(staff, role, store)
        if why:
            raise ValidationError(why)
        sync.lock_role(role.pk)
        created = _create_bindings(
            role, [(staff, store)], granted_by=None, reason=reason, expires_at=None, now=timezone.now()
        )
        if not created:
            raise ValidationError(_("%(name)s already holds “%(role)s” there.") % {"name": staff, "role": role.name})
    return created[0]
