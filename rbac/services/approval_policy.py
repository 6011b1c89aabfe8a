"""Which grants wait for a second person: the company's approval policy, set by super admins and audited."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record
from core.denied import Refused
from core.permissions import permissions_of
from security.models import SecurityPolicy
from stores.catalogue import BY_CODENAME, HIGH_RISK

from ..models import Role
from .common import approval_codes

MODES = ("permissions", "always", "never")


def approval_policy_set(*, actor, permissions: Iterable[str], roles: Mapping[int, str]) -> None:
    """Set the permissions whose grant waits for a second person and each role's rule (by its permissions,
    always, never; a super-admin role always waits). Super admins only; one audit event with what changed."""
    if not permissions_of(actor).super_admin:
        raise Refused(_("Only super admins set the approval policy."))
    codes = sorted(set(permissions))
    unknown = [c for c in codes if c not in BY_CODENAME]
    if unknown or any(mode not in MODES for mode in roles.values()):
        raise ValidationError(_("Choose permissions of the catalogue and one rule per role."))
    with transaction.atomic():
        before_codes = sorted(approval_codes())
        policy, _created = SecurityPolicy.objects.select_for_update().get_or_create(pk=1)
        policy.approval_permissions = None if set(codes) == set(HIGH_RISK) else codes
        policy.save(update_fields=["approval_permissions", "updated_at"])
        changed_roles = {}
        for role in Role.objects.select_for_update().filter(pk__in=list(roles)).order_by("pk"):
            if role.is_super_admin:  # always waits, whatever is stored
                continue
            mode = roles[role.pk]
            if role.approval != mode:
                changed_roles[role.name] = (role.approval, mode)
                role.approval = mode
                role.save(update_fields=["approval", "updated_at"])
        if before_codes == codes and not changed_roles:
            return
        record(
            "approval_policy.update",
            target_type="security.securitypolicy",
            target_id="1",
            target_label=_("Approval policy"),
            before={"permissions": before_codes, "roles": {name: old for name, (old, _new) in changed_roles.items()}},
            after={"permissions": codes, "roles": {name: new for name, (_old, new) in changed_roles.items()}},
        )
