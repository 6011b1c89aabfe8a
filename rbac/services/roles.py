"""Roles and the default roles of positions: super admins only; a role's permission change resyncs guardian."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record
from core.denied import Refused
from stores.catalogue import BY_CODENAME

from .. import sync
from ..models import (
    PositionRole,
    Role,
)
from ..permissions import role_cache
from .common import (
    _rights,
    _role_codes,
)


def _require_super_admin(actor) -> None:
    if not _rights(actor).super_admin:
        raise Refused(_("Only a super admin can create, edit or delete roles."))


def _role_state(role: Role, codes: Iterable[str]) -> dict:
    return {"name": role.name, "description": role.description, "permissions": sorted(codes)}


def _store_permissions(codenames: Iterable[str]) -> list[Permission]:
    codenames = {str(c).removeprefix("stores.") for c in codenames}
    unknown = codenames - BY_CODENAME.keys()
    if unknown:
        raise ValidationError(
            {"permissions": _("Unknown permissions: %(perms)s.") % {"perms": ", ".join(sorted(unknown))}}
        )
    return list(
        Permission.objects.filter(content_type__app_label="stores", content_type__model="store", codename__in=codenames)
    )


def _check_role_name(name: str, *, exclude_pk=None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A role needs a name.")})
    if Role.objects.filter(name=name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": _("A role named “%(name)s” already exists.") % {"name": name}})
    return name


def role_create(*, actor, name: str, permissions: Iterable[str], description: str = "") -> Role:
    """Create a role (super admins only) from store permission codenames; audited as role.create."""
    with transaction.atomic():
        _require_super_admin(actor)
        perms = _store_permissions(permissions)
        role = Role.objects.create(name=_check_role_name(name), description=description or "")
        role.permissions.set(perms)
        record("role.create", target=role, after=_role_state(role, [p.codename for p in perms]))
        transaction.on_commit(role_cache.bump)
    return role


def role_update(
    *,
    actor,
    role: Role,
    name: str | None = None,
    description: str | None = None,
    permissions: Iterable[str] | None = None,
) -> Role:
    """Edit a role (super admins only). A permission change applies to every holder at once: guardian's
    groups are resynced in this transaction and the role version is bumped after commit."""
    with transaction.atomic():
        _require_super_admin(actor)
        sync.lock_role(role.pk, exclusive=True)
        role.refresh_from_db()
        old_codes = _role_codes(role)
        before = _role_state(role, old_codes)
        if name is not None:
            role.name = _check_role_name(name, exclude_pk=role.pk)
        if description is not None:
            role.description = description
        new_codes = old_codes
        if permissions is not None:
            if role.is_super_admin:
                raise ValidationError({"permissions": _("The super admin role always holds every permission.")})
            perms = _store_permissions(permissions)
            new_codes = frozenset(p.codename for p in perms)
            by_code = {p.codename: p.pk for p in perms}
            old_ids = dict(role.permissions.values_list("codename", "id"))
            role.permissions.set(perms)
            sync.resync_role(
                role,
                added=[by_code[c] for c in new_codes - old_codes],
                removed=[old_ids[c] for c in old_codes - new_codes],
            )
        role.save()
        record("role.update", target=role, before=before, after=_role_state(role, new_codes))
        transaction.on_commit(role_cache.bump)
    return role


def role_delete(*, actor, role: Role, reason: str = "") -> None:
    """Delete a role (super admins only). Refused for built-in roles and roles in use (live bindings or
    pending requests). Its ended bindings go with it (their grants and revocations stay in the audit log)."""
    with transaction.atomic():
        _require_super_admin(actor)
        sync.lock_role(role.pk, exclusive=True)
        if role.builtin:
            raise ValidationError(_("Built-in roles cannot be deleted."))
        live = role.bindings.live().count()
        pending = role.access_requests.pending().count()
        if live or pending:
            raise ValidationError(
                _("“%(role)s” is in use (%(live)d live bindings, %(pending)d pending requests); revoke them first.")
                % {"role": role.name, "live": live, "pending": pending}
            )
        before = _role_state(role, _role_codes(role))
        before["ended_bindings"] = role.bindings.count()
        record("role.delete", target=role, before=before, reason=reason)
        sync.groups_delete_for_role(role)
        role.bindings.all().delete()
        role.delete()
        transaction.on_commit(role_cache.bump)


def position_roles_set(*, actor, position, roles: Iterable[Role]) -> None:
    """Set the default roles a position proposes (super admins only); audited as position.roles."""
    with transaction.atomic():
        _require_super_admin(actor)
        before = sorted(PositionRole.objects.filter(position=position).values_list("role_id", flat=True))
        wanted = {r.pk for r in roles}
        PositionRole.objects.filter(position=position).exclude(role_id__in=wanted).delete()
        PositionRole.objects.bulk_create(
            [PositionRole(position=position, role_id=r) for r in wanted], ignore_conflicts=True
        )
        record("position.roles", target=position, before={"roles": before}, after={"roles": sorted(wanted)})
