"""Tiered lockout for repeated sign-in failures (the callables django-axes 8 is configured with).

axes calls AXES_COOLOFF_TIME with the request (``axes.helpers.get_cool_off(request)``) both to pick
the window in which failures count and to set each failure row's expiry (AXES_USE_ATTEMPT_EXPIRATION).
The cool-off must therefore stay the same for the whole of a lockout. It is derived from the
account's earlier lockouts — one ``AccessFailureLog`` row with ``locked_out=True`` each, because a
blocked attempt is not recorded (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False) — counted
since the account's last successful sign-in and within LOCKOUT_MEMORY:

* while a lockout is in force, its own tier (so the answer never changes half-way);
* otherwise, the tier the next lockout would get: 15 minutes, then an hour, then a day.

TieredDatabaseHandler (AXES_HANDLER) adds one rule to axes' database handler: a failure row whose
own expiry has passed never counts, even inside the next, longer window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

TIERS = (timedelta(minutes=15), timedelta(hours=1), timedelta(hours=24))
LOCKOUT_MEMORY = timedelta(days=7)


@dataclass(frozen=True)
class LockoutState:
    """Where an account stands: the tier in force or next, and when a current lockout ends."""

    tier: int
    cooloff: timedelta
    locked_until: datetime | None


def _username(request) -> str:
    if request is None:
        return ""
    from axes.helpers import get_client_username

    try:
        username = get_client_username(request, getattr(request, "axes_credentials", None))
    except AttributeError:  # not a form request (no POST)
        return ""
    return str(username or "")[:255]


def _lockout_times(username: str, *, now: datetime) -> list[datetime]:
    from axes.models import AccessFailureLog

    since = now - LOCKOUT_MEMORY
    user_model = get_user_model()
    last_login = (
        user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username})
        .values_list("last_login", flat=True)
        .first()
    )
    if last_login is not None and last_login > since:
        since = last_login
    rows = AccessFailureLog.objects.filter(
        username=username, locked_out=True, attempt_time__gt=since, attempt_time__lte=now
    )
    return list(rows.order_by("attempt_time").values_list("attempt_time", flat=True))


def lockout_state(username: str, *, now: datetime | None = None) -> LockoutState:
    """The account's tier: the lockout in force, or the one the next lockout would get."""
    now = now or timezone.now()
    times = _lockout_times(username, now=now) if username else []
    last_tier = len(TIERS) - 1
    if times:
        current = min(len(times) - 1, last_tier)
        ends = times[-1] + TIERS[current]
        if ends > now:
            return LockoutState(tier=current, cooloff=TIERS[current], locked_until=ends)
    tier = min(len(times), last_tier)
    return LockoutState(tier=tier, cooloff=TIERS[tier], locked_until=None)


def cooloff(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: 15 minutes for a first lockout, an hour for the second, a day from the third on."""
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    return lockout_state(_username(request), now=now).cooloff


def describe(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes >= 60 and minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE (axes 8 calls it with request, original_response, credentials)."""
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    username = _username(request)
    state = lockout_state(username, now=now)
    context = {
        "limit": settings.AXES_FAILURE_LIMIT,
        "username": username,
        "cooloff": describe(state.cooloff),
        "locked_until": state.locked_until,
    }
    return render(request, "accounts/locked.html", context, status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429))


class TieredDatabaseHandler(AxesDatabaseHandler):
    """axes' database handler, except that expired failure rows never count towards a lockout.

    Without this, the failures behind an ended lockout would still fall inside the next tier's longer
    window until axes got round to deleting them, and the first attempt after a lockout would be refused.
    """

    def get_user_attempts(self, request, credentials=None):
        now = timezone.now()
        live = Q(expiration__isnull=True) | Q(expiration__expires_at__gt=now)
        return [attempts.filter(live) for attempts in super().get_user_attempts(request, credentials)]
