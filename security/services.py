"""Writes of the security app: the company's policy, lifting sign-in lockouts, the security robot's announcements
(lockouts, unlocks, administrators from new sources) and renewing an expired password.

Every write records its audit event inside its own transaction; events go to the outbox in the same
transaction (events.services), so the security robot hears of exactly what was committed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import SECRET_MARK, record
from core import context
from core import lockout as throttle
from core.permissions import permissions_of
from events.choices import EventKind
from events.services import event_emit

from .models import SecurityPolicy, SeenSource
from .policy import network_allows, parse_networks
from .sources import browser_label

POLICY_FIELDS = (
    "approval_fallback_allowed",
    "step_up_minutes",
    "admin_networks",
    "max_password_age_days",
    "audit_retention_days",
)
STAFF_TARGET = "staff.staff"


def _require_super_admin(actor, message: str) -> None:
    if not permissions_of(actor).super_admin:
        raise PermissionDenied(message)


def _key(*parts: Any) -> str:
    """A dedupe key of fixed length, whatever the lengths of the account names in it."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:40]


def _short_time(moment: datetime | None) -> str:
    """The company's local time, as the robot's messages show times ("12-04 16:00")."""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%m-%d %H:%M") if moment else ""


def _person(user) -> str:
    return str(getattr(user, "name", "") or user.get_username())


def _account(username: str):
    if not username:
        return None
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()


# ---- the policy ----------------------------------------------------------------------------------------------


@transaction.atomic
def policy_update(*, actor, data: Mapping[str, Any]) -> SecurityPolicy:
    """Change the company's security policy (super admins only). The administrator networks must parse, and
    must include the address the change is made from, so nobody saves a list that shuts them out at their
    next sign-in (the CLI, `manage.py security_networks --clear`, is the way back from anything else).
    Records "security.policy_update" with the changed fields."""
    _require_super_admin(actor, _("Only super admins may change the security policy."))
    unknown = set(data) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"not policy fields: {sorted(unknown)}")
    policy, _created = SecurityPolicy.objects.select_for_update().get_or_create(pk=1)
    before = {name: getattr(policy, name) for name in POLICY_FIELDS}
    for name, value in data.items():
        setattr(policy, name, value)
    try:
        networks = parse_networks(policy.admin_networks)
    except ValidationError as exc:
        raise ValidationError({"admin_networks": exc.messages}) from exc
    here = context.current().ip
    if here and not network_allows(networks, here):
        raise ValidationError(
            {
                "admin_networks": _(
                    "Your own address, %(ip)s, is outside these networks: you could not sign in again. Add it "
                    "(or its network) to the list."
                )
                % {"ip": here}
            }
        )
    policy.full_clean()
    policy.save()
    after = {name: getattr(policy, name) for name in POLICY_FIELDS}
    if before != after:
        record("security.policy_update", target=policy, before=before, after=after)
    return policy


@transaction.atomic
def networks_clear(*, reason: str) -> bool:
    """Remove every administrator network (the command-line way back from a list that shuts everyone out;
    run by whoever can run `manage.py` on the server). Records "security.policy_update". False: none were set."""
    policy, _created = SecurityPolicy.objects.select_for_update().get_or_create(pk=1)
    if not policy.admin_networks.strip():
        return False
    before = {"admin_networks": policy.admin_networks}
    policy.admin_networks = ""
    policy.save(update_fields=["admin_networks", "updated_at"])
    record("security.policy_update", target=policy, before=before, after={"admin_networks": ""}, reason=reason)
    return True


# ---- lockouts ------------------------------------------------------------------------------------------------


def _lockout_payload(lockout: throttle.Lockout, *, by: str = "") -> dict:
    return {
        "account": lockout.username or "-",
        "ip": lockout.ip or "-",
        "failures": lockout.failures,
        "until": _short_time(lockout.until),
        "by": by,
    }


@transaction.atomic
def lockout_announce(*, lockout: throttle.Lockout, occurred_at: datetime | None = None) -> None:
    """Tell the security robot of a lockout that has just begun (the outbox; once per lockout)."""
    occurred_at = occurred_at or timezone.now()
    key = _key(lockout.kind, lockout.username, lockout.ip, occurred_at.isoformat())
    event_emit(
        EventKind.SECURITY_LOCKOUT, None, _lockout_payload(lockout), f"security.lockout:{key}", occurred_at=occurred_at
    )


def lockout_find(*, kind: str, username: str = "", ip: str = "") -> throttle.Lockout | None:
    """The lockout in force of that kind for that account and/or address, if any."""
    for lockout in throttle.current_lockouts():
        if (lockout.kind, lockout.username, lockout.ip) == (kind, username, ip):
            return lockout
    return None


@transaction.atomic
def lockout_lift(*, actor, kind: str, username: str = "", ip: str = "") -> throttle.Lockout:
    """Lift a lockout in force (super admins only): its failures are forgotten, so the account and/or address
    may sign in again at once. Records "auth.unlock" and tells the security robot."""
    _require_super_admin(actor, _("Only super admins may lift sign-in lockouts."))
    lockout = lockout_find(kind=kind, username=username, ip=ip)
    if lockout is None:
        raise ValidationError(_("That lockout has already ended."))
    throttle.lift(kind, username=username, ip=ip)
    account = _account(username)
    record(
        "auth.unlock",
        target_type=STAFF_TARGET if username else "",
        target_id=account.pk if account else "",
        target_label=username or ip,
        before={"kind": kind, "username": username, "ip": ip, "failures": lockout.failures},
        after={"kind": kind, "username": username, "ip": ip, "failures": 0},
    )
    now = timezone.now()
    payload = _lockout_payload(lockout, by=_person(actor))
    event_emit(EventKind.SECURITY_UNLOCK, None, payload, f"security.unlock:{_key(kind, username, ip, now.isoformat())}")
    return lockout


# ---- sign-in sources -----------------------------------------------------------------------------------------


@transaction.atomic
def source_seen(*, user, ip: str | None, user_agent: str, now: datetime | None = None) -> bool:
    """Remember that `user` signed in from this address and browser; True when the address or the browser is
    new for them. An administrator's new source is announced to the security robot (once per source)."""
    if not ip:
        return False
    now = now or timezone.now()
    browser = browser_label(user_agent)
    known = set(SeenSource.objects.filter(Q(ip=ip) | Q(browser=browser), user=user).values_list("ip", "browser"))
    if (ip, browser) in known:
        SeenSource.objects.filter(user=user, ip=ip, browser=browser).update(last_seen=now)
    else:
        SeenSource.objects.create(user=user, ip=ip, browser=browser, first_seen=now, last_seen=now)
    new = not (any(i == ip for i, _b in known) and any(b == browser for _i, b in known))
    if new and permissions_of(user).is_admin:
        payload = {"person": _person(user), "account": user.get_username(), "ip": ip, "browser": browser}
        event_emit(
            EventKind.SECURITY_NEW_SOURCE,
            None,
            payload,
            f"security.new_source:{_key(user.pk, ip, browser)}",
            occurred_at=now,
        )
    return new


# ---- passwords -----------------------------------------------------------------------------------------------


@transaction.atomic
def password_renew(*, user, password: str) -> None:
    """Replace a password older than the company's maximum age, at sign-in (the old one was just proved): the
    new one passes the password rules and differs from the old. Records "auth.password_change" (the password
    itself never reaches the log); the change time is noted by security.passwords."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from exc
    if user.check_password(password):
        raise ValidationError({"new_password1": _("Choose a password different from the one you have.")})
    user.set_password(password)
    user.save(update_fields=["password"])
    with context.bound(actor_id=user.pk, actor_display=str(user)):
        record(
            "auth.password_change",
            target=user,
            before={"password": None},
            after={"password": SECRET_MARK},
            reason="older than the maximum password age",
        )
