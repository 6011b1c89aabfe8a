"""Writes for staff, departments and positions: atomic, validated, re-checked and audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import SECRET_MARK, record, snapshot

from .choices import StaffStatus
from .models import Department, Position, Staff
from .selectors import directory_editable_by, staff_can_create, staff_can_set_password, staff_editable_by

STAFF_FIELDS = (
    "username",
    "employee_id",
    "name",
    "email",
    "position",
    "department",
    "mobile",
    "wecom_userid",
    "hire_date",
    "status",
    "notes",
)
STAFF_AUDIT_FIELDS = (*STAFF_FIELDS, "is_active")
DEPARTMENT_FIELDS = ("name", "manager", "description")
POSITION_FIELDS = ("name", "department", "description")


def _refuse(message: str):
    raise PermissionDenied(message)


def _reject_unknown(data: Mapping[str, Any], allowed) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")


def _check_password(password: str, staff: Staff) -> None:
    try:
        validate_password(password, staff)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def _apply_status(staff: Staff) -> None:
    """Offboarded people cannot sign in; anyone else can."""
    staff.is_active = staff.status != StaffStatus.OFFBOARDED


def offboarding_elsewhere_message() -> str:
    """Why status cannot be set to offboarded by editing someone (in the current language)."""
    return _(
        "Offboarding is its own action: it revokes the person's roles, single permissions and pending "
        "requests first. Use “Offboard” on their staff page (API: POST /api/v1/staff/<id>/offboard/)."
    )


def check_status_change(*, current: str | None, new: str) -> None:
    """Refuse making someone offboarded by an edit (current None: a new person). Only the offboarding
    service (rbac.services.staff_offboard) sets that status, after revoking every right they hold."""
    if new == StaffStatus.OFFBOARDED and current != StaffStatus.OFFBOARDED:
        raise ValidationError({"status": offboarding_elsewhere_message()})


@transaction.atomic
def staff_create(
    *,
    actor: Staff,
    username: str,
    name: str,
    password: str | None,
    employee_id: str | None = None,
    email: str = "",
    position: Position | None = None,
    department: Department | None = None,
    mobile: str = "",
    wecom_userid: str = "",
    hire_date: date | None = None,
    status: str = StaffStatus.ACTIVE,
    notes: str = "",
) -> Staff:
    """Create a staff member with a password (None: an unusable one, e.g. for seeded people who will
    be given one later), active or on leave (never offboarded). Only people who manage users in every
    store may: a new person works in no store yet. Records "staff.create".
    """
    if not staff_can_create(actor=actor):
        _refuse(_("Only administrators of all stores may add staff."))
    check_status_change(current=None, new=status)
    staff = Staff(
        username=username,
        name=name,
        employee_id=employee_id or None,
        email=email,
        position=position,
        department=department,
        mobile=mobile,
        wecom_userid=wecom_userid,
        hire_date=hire_date,
        status=status,
        notes=notes,
    )
    _apply_status(staff)
    staff.full_clean(exclude=["password"])
    if password is None:
        staff.set_unusable_password()
    else:
        _check_password(password, staff)
        staff.set_password(password)
    staff.save()
    after = snapshot(staff, STAFF_AUDIT_FIELDS)
    after["password"] = SECRET_MARK if password else ""
    record("staff.create", target=staff, after=after)
    return staff


@transaction.atomic
def staff_update(
    *, actor: Staff, staff: Staff, data: Mapping[str, Any], password: str | None = None, reason: str = ""
) -> Staff:
    """Change a person's profile and status. Nobody is offboarded here (that is
    rbac.services.staff_offboard, which revokes their rights first); an offboarded person may be set
    active or on leave again, which restores sign-in. Editors are checked by staff_editable_by; only
    super admins set a password; nobody changes their own status. Records "staff.update" with the
    changed fields.
    """
    _reject_unknown(data, STAFF_FIELDS)
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    if not staff_editable_by(actor=actor, staff=staff):
        _refuse(_("You may not edit this staff member."))
    if password and not staff_can_set_password(actor=actor):
        _refuse(_("Only administrators of all stores may set someone's password."))
    before = snapshot(staff, STAFF_AUDIT_FIELDS)
    for field, value in data.items():
        setattr(staff, field, value)
    staff.employee_id = staff.employee_id or None
    if staff.pk == actor.pk and staff.status != before["status"]:
        raise ValidationError({"status": _("You cannot change your own status.")})
    check_status_change(current=before["status"], new=staff.status)
    _apply_status(staff)
    staff.full_clean(exclude=["password"])
    if password:
        _check_password(password, staff)
        staff.set_password(password)
    staff.save()
    after = snapshot(staff, STAFF_AUDIT_FIELDS)
    if password:
        before["password"], after["password"] = None, SECRET_MARK
    if before != after:
        record("staff.update", target=staff, before=before, after=after, reason=reason)
    return staff


def _check_manager(manager: Staff | None) -> None:
    if manager is not None and not manager.is_working:
        raise ValidationError({"manager": _("%(name)s is not an active staff member.") % {"name": manager}})


def _require_directory_editor(actor: Staff) -> None:
    if not directory_editable_by(actor=actor):
        _refuse(_("Only administrators of all stores may change departments and positions."))


@transaction.atomic
def department_create(*, actor: Staff, name: str, manager: Staff | None = None, description: str = "") -> Department:
    """Create a department (unique name; the manager, if any, an active staff member). Super admins
    only. Records "department.create".
    """
    _require_directory_editor(actor)
    department = Department(name=name, manager=manager, description=description)
    department.full_clean()
    _check_manager(manager)
    department.save()
    record("department.create", target=department, after=snapshot(department, DEPARTMENT_FIELDS))
    return department


@transaction.atomic
def department_update(*, actor: Staff, department: Department, data: Mapping[str, Any], reason: str = "") -> Department:
    """Rename a department, change its manager or description. Super admins only. Records
    "department.update" with the changed fields.
    """
    _require_directory_editor(actor)
    _reject_unknown(data, DEPARTMENT_FIELDS)
    department = Department.objects.select_for_update().get(pk=department.pk)
    before = snapshot(department, DEPARTMENT_FIELDS)
    for field, value in data.items():
        setattr(department, field, value)
    department.full_clean()
    if department.manager_id != before["manager"]:
        _check_manager(department.manager)
    department.save()
    after = snapshot(department, DEPARTMENT_FIELDS)
    if before != after:
        record("department.update", target=department, before=before, after=after, reason=reason)
    return department


@transaction.atomic
def department_delete(*, actor: Staff, department: Department, reason: str = "") -> None:
    """Delete a department nobody belongs to and no position refers to. Super admins only. Records
    "department.delete" with the whole row as before.
    """
    _require_directory_editor(actor)
    department = Department.objects.select_for_update().get(pk=department.pk)
    if department.staff.exists() or department.positions.exists():
        raise ValidationError(_("Move its staff and positions to another department first."))
    before = snapshot(department, DEPARTMENT_FIELDS)
    record("department.delete", target=department, before=before, reason=reason)
    department.delete()


@transaction.atomic
def position_create(
    *, actor: Staff, name: str, department: Department | None = None, description: str = ""
) -> Position:
    """Create a position (unique name) in a department. Super admins only. Records "position.create"."""
    _require_directory_editor(actor)
    position = Position(name=name, department=department, description=description)
    position.full_clean()
    position.save()
    record("position.create", target=position, after=snapshot(position, POSITION_FIELDS))
    return position


@transaction.atomic
def position_update(*, actor: Staff, position: Position, data: Mapping[str, Any], reason: str = "") -> Position:
    """Rename a position, move it to another department or change its description. Super admins only.
    Records "position.update" with the changed fields.
    """
    _require_directory_editor(actor)
    _reject_unknown(data, POSITION_FIELDS)
    position = Position.objects.select_for_update().get(pk=position.pk)
    before = snapshot(position, POSITION_FIELDS)
    for field, value in data.items():
        setattr(position, field, value)
    position.full_clean()
    position.save()
    after = snapshot(position, POSITION_FIELDS)
    if before != after:
        record("position.update", target=position, before=before, after=after, reason=reason)
    return position


@transaction.atomic
def position_delete(*, actor: Staff, position: Position, reason: str = "") -> None:
    """Delete a position nobody holds. Super admins only. Records "position.delete"."""
    _require_directory_editor(actor)
    position = Position.objects.select_for_update().get(pk=position.pk)
    if position.staff.exists():
        raise ValidationError(_("Give its holders another position first."))
    record("position.delete", target=position, before=snapshot(position, POSITION_FIELDS), reason=reason)
    position.delete()
