"""Writing group robots (create, update, delete, recording send outcomes), routes and message templates.

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
from events.choices import EventKind
from stores.catalogue import BY_CODENAME
from stores.choices import SITES_BY_PLATFORM, Platform
from stores.clients.errors import PlatformError

from .clients.wecom import WeComRobot
from .models import Robot, Route

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
            if robot.webhook_key != old_key:  # a new key is the fix for a robot broken by a bad key
                robot.broken_at, robot.broken_reason = None, ""
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
        fields = {"last_success_at": now, "broken_at": None, "broken_reason": ""}  # it reaches its group again
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


# ---------------------------------------------------------------------------------------------- routes

ROUTE_FIELDS = (
    "name",
    "event_kinds",
    "robot",
    "store",
    "platform",
    "site",
    "store_group",
    "quiet_start",
    "quiet_end",
    "mention_primary_owner",
    "mention_backup_owner",
    "mention_permission",
    "mention_assignee",
    "mention_all",
    "is_active",
)


def _route_errors(route: Route) -> dict[str, str]:
    """What is wrong with a route's own fields, by field."""
    errors: dict[str, str] = {}
    kinds = list(route.event_kinds or [])
    if not kinds:
        errors["event_kinds"] = _("Choose at least one kind of event.")
    elif set(kinds) - set(EventKind.values):
        errors["event_kinds"] = _("Unknown event kind: %(kinds)s.") % {
            "kinds": ", ".join(sorted(set(kinds) - set(EventKind.values)))
        }
    if route.store_id and (route.platform or route.site or route.store_group_id):
        errors["store"] = _("Choose one store, or stores by platform, site or group — not both.")
    if route.platform and route.platform not in Platform.values:
        errors["platform"] = _("Unknown platform.")
    known = route.platform in Platform.values
    if route.site and known and route.site not in SITES_BY_PLATFORM.get(Platform(route.platform), []):
        errors["site"] = _("%(platform)s has no site %(site)s.") % {"platform": route.platform, "site": route.site}
    if (route.quiet_start is None) != (route.quiet_end is None):
        errors["quiet_end" if route.quiet_end is None else "quiet_start"] = _(
            "Give both the start and the end of the quiet hours, or neither."
        )
    elif route.quiet_start is not None and route.quiet_start == route.quiet_end:
        errors["quiet_end"] = _("Quiet hours must end at another time than they start.")
    if route.mention_permission and route.mention_permission not in BY_CODENAME:
        errors["mention_permission"] = _("Unknown permission.")
    return errors


def _require_route_manage(*, actor, route: Route) -> None:
    """settings_manage on the route's store (every store for a route spanning stores) and on its robot's."""
    perms = permissions_of(actor)
    if not perms.has("settings_manage", route.store_id):
        if route.store_id is None:
            raise PermissionDenied(_("Only those who manage every store's settings route several stores at once."))
        raise PermissionDenied(_("You may not manage this store's routes."))
    if route.robot_id and not perms.has("settings_manage", route.robot.store_id):
        raise PermissionDenied(_("Choose a group robot you manage."))


def _route_save(*, actor, route: Route, data: dict) -> Route:
    for field, value in data.items():
        setattr(route, field, value)
    route.name = (route.name or "").strip()
    route.mention_permission = route.mention_permission or ""
    route.platform, route.site = route.platform or "", route.site or ""
    _require_route_manage(actor=actor, route=route)
    errors = _route_errors(route)
    try:
        route.full_clean(exclude=["event_kinds"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    if errors:
        raise ValidationError(errors)
    route.save()
    return route


@transaction.atomic
def route_create(*, actor, **data) -> Route:
    """Create a route. The actor must manage settings of its store (of every store when it spans several: a
    platform, site, group or all) and of its robot's store. Audited route.create."""
    unknown = set(data) - set(ROUTE_FIELDS)
    if unknown:
        raise ValueError(f"not a route field: {', '.join(sorted(unknown))}")
    route = _route_save(actor=actor, route=Route(), data=data)
    record("route.create", target=route, store=route.store_id, after=snapshot(route, ROUTE_FIELDS))
    return route


@transaction.atomic
def route_update(*, actor, route: Route, data: dict) -> Route:
    """Change a route; the actor must manage it before (its store and robot) and after the change. Audited
    route.update with the changed fields."""
    unknown = set(data) - set(ROUTE_FIELDS)
    if unknown:
        raise ValueError(f"not a route field: {', '.join(sorted(unknown))}")
    route = Route.objects.select_for_update().select_related("robot").get(pk=route.pk)
    _require_route_manage(actor=actor, route=route)
    before = snapshot(route, ROUTE_FIELDS)
    route = _route_save(actor=actor, route=route, data=data)
    after = snapshot(route, ROUTE_FIELDS)
    if before != after:
        record("route.update", target=route, store=route.store_id, before=before, after=after)
    return route


@transaction.atomic
def route_delete(*, actor, route: Route) -> None:
    """Delete a route the actor manages. Audited route.delete."""
    _require_route_manage(actor=actor, route=route)
    before = snapshot(route, ROUTE_FIELDS)
    pk, label, store_id = route.pk, str(route), route.store_id
    route.delete()
    record(
        "route.delete",
        target_type="notifications.route",
        target_id=pk,
        target_label=label,
        store=store_id,
        before=before,
    )
