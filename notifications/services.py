"""Writing group robots: create, update, delete and recording send outcomes.

The webhook key is encrypted at rest, shown only masked after saving, and appears in audit rows
only as "changed". A robot of a store is managed by that store's settings managers; a robot of no
store by those who manage settings in every store (super admins).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record, snapshot
from core.crypto import mask
from core.logging import redact
from core.permissions import permissions_of
from stores.clients.errors import PlatformError

from .clients.wecom import WeComRobot
from .models import Robot

FIELDS = ("name", "store", "department", "is_active")


def robot_key_masked(robot: Robot) -> str:
    """The robot's webhook key as shown after saving: "••••" plus its last 4 characters."""
    return mask(robot.webhook_key)


def _require_manage(*, actor, store) -> None:
    if not permissions_of(actor).has("settings_manage", store.pk if store is not None else None):
        raise PermissionDenied(_("You may not manage group robots here."))


def _key_change(old_key: str | None, new_key: str) -> tuple[dict, dict]:
    if (old_key or "") == (new_key or ""):
        return {}, {}
    return {"webhook_key": "set" if old_key else ""}, {"webhook_key": "changed"}


def robot_create(*, actor, name: str, webhook_key: str, store=None, department=None, is_active: bool = True) -> Robot:
    """Create a robot after checking the actor manages settings of its store; audited robot.create."""
    _require_manage(actor=actor, store=store)
    if not webhook_key:
        raise ValidationError({"webhook_key": _("Enter the robot's webhook key.")})
    with transaction.atomic():
        robot = Robot(
            name=name.strip(), webhook_key=webhook_key.strip(), store=store, department=department, is_active=is_active
        )
        robot.full_clean()
        robot.save()
        after = {**snapshot(robot, FIELDS), "webhook_key": "changed"}
        record("robot.create", target=robot, store=store, after=after)
    return robot


def robot_update(
    *, actor, robot: Robot, name: str, store=None, department=None, is_active: bool = True, webhook_key: str = ""
) -> Robot:
    """Update a robot; an empty webhook_key keeps the saved one. The actor must manage settings of
    both the old and the new store. Audited robot.update with the changed fields ("changed" for the key).
    """
    _require_manage(actor=actor, store=robot.store)
    _require_manage(actor=actor, store=store)
    with transaction.atomic():
        robot = Robot.objects.select_for_update().get(pk=robot.pk)
        before = snapshot(robot, FIELDS)
        old_key = robot.webhook_key
        robot.name, robot.store, robot.department, robot.is_active = name.strip(), store, department, is_active
        if webhook_key:
            robot.webhook_key = webhook_key.strip()
        robot.full_clean()
        robot.save()
        key_before, key_after = _key_change(old_key, robot.webhook_key)
        record(
            "robot.update",
            target=robot,
            store=store,
            before={**before, **key_before},
            after={**snapshot(robot, FIELDS), **key_after},
        )
    return robot


def robot_delete(*, actor, robot: Robot) -> None:
    """Delete a robot after checking the actor manages its store's settings; audited robot.delete."""
    _require_manage(actor=actor, store=robot.store)
    with transaction.atomic():
        before = snapshot(robot, FIELDS)
        store_id, pk, label = robot.store_id, robot.pk, str(robot)
        robot.delete()
        record(
            "robot.delete",
            target_type="notifications.robot",
            target_id=pk,
            target_label=label,
            store=store_id,
            before=before,
        )


def robot_record_result(*, robot: Robot, ok: bool, error: BaseException | str | None = None) -> None:
    """Write the outcome of a send to the robot's health fields; the error text never holds the key."""
    now = timezone.now()
    fields: dict[str, object]
    if ok:
        fields = {"last_success_at": now}
    else:
        text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        if robot.webhook_key:
            text = text.replace(robot.webhook_key, "***")
        fields = {"last_error_at": now, "last_error": redact(text)[:500]}
    Robot.objects.filter(pk=robot.pk).update(**fields)
    for name, value in fields.items():
        setattr(robot, name, value)


def robot_send_test(*, actor, robot: Robot) -> tuple[bool, str]:
    """Send a short text message through the robot to check that it reaches its group.

    The actor must manage the robot's store settings (company-wide robots: super admins). The outcome
    goes to the robot's health fields (robot_record_result) and an audit row robot.test ({"ok": ...}),
    in one transaction after the send. Returns (ok, error text); the text never holds the key.
    """
    _require_manage(actor=actor, store=robot.store)
    content = _("ShopCrew test message: the group robot “%(name)s” is connected. Sent by %(person)s.") % {
        "name": robot.name,
        "person": getattr(actor, "name", "") or actor.get_username(),
    }
    error: PlatformError | None = None
    try:
        with WeComRobot.from_settings(key=robot.webhook_key) as client:
            client.send_text(content)
    except PlatformError as exc:
        error = exc
    with transaction.atomic():
        robot_record_result(robot=robot, ok=error is None, error=error)
        record("robot.test", target=robot, store=robot.store, after={"ok": error is None})
    return error is None, robot.last_error if error is not None else ""
