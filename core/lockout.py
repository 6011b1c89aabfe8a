"""Sign-in throttling after OWASP ASVS v4 2.2.1: the rules django-axes 8 enforces through this module.

Three limits; none of them lets a stranger lock the real person out of their own address, and none is keyed
on the User-Agent (a client chooses it freely, so rotating it must not buy fresh attempts):

* **an account from one address** (the account+address pair): ``AXES_FAILURE_LIMIT`` failures (5) lock that
  pair, for a tiered cool-off — 15 minutes, then an hour, then a day, counted from the pair's earlier
  lockouts since its last successful sign-in and within LOCKOUT_MEMORY;
* **one address across accounts** (password spraying): ``SHOPCREW_SIGNIN_ADDRESS_LIMIT`` live failures (20)
  refuse every sign-in from that address, whichever accounts and browsers they named;
* **one account from every address** (many addresses guessing one password):
  ``SHOPCREW_SIGNIN_ACCOUNT_LIMIT`` live failures (20) refuse that account from addresses it has never signed
  in from; from an address where it signed in before (axes' AccessLog) the right password still works, and
  the second factor still follows. At most about that many guesses an account per 15-minute cool-off, whatever
  the number of addresses: some 80 an hour (ASVS 2.2.1: no more than 100 failed attempts an hour on one account).

Failures live in axes' AccessAttempt rows (one per account × address × browser: the browser is recorded, never
counted apart). Each row expires on its own (AXES_USE_ATTEMPT_EXPIRATION) after the cool-off in force when it
was last written; an expired row never counts. A blocked attempt is not recorded
(AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False), so a lockout ends when its rows expire; every lockout
leaves one AccessFailureLog row with ``locked_out=True``, from which the tiers are counted. A successful
sign-in clears only its own pair's rows (AXES_LOCKOUT_PARAMETERS), so an insider cannot reset an address's
count by signing in to their own account. Super admins see the lockouts in force (`current_lockouts`) and
lift them (`lift`: the rows behind the lockout are deleted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Max, Q, Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

TIERS = (timedelta(minutes=15), timedelta(hours=1), timedelta(hours=24))
LOCKOUT_MEMORY = timedelta(days=7)

PAIR, ADDRESS, ACCOUNT = "pair", "address", "account"
REQUEST_ATTRIBUTE = "shopcrew_lockout"  # the Lockout found for this request, if any


def pair_limit() -> int:
    return int(settings.AXES_FAILURE_LIMIT)


def address_limit() -> int:
    return int(getattr(settings, "SHOPCREW_SIGNIN_ADDRESS_LIMIT", 20))


def account_limit() -> int:
    return int(getattr(settings, "SHOPCREW_SIGNIN_ACCOUNT_LIMIT", 20))


@dataclass(frozen=True)
class LockoutState:
    """Where an account+address pair stands: the tier in force or next, and when a current lockout ends."""

    tier: int
    cooloff: timedelta
    locked_until: datetime | None


@dataclass(frozen=True)
class Lockout:
    """A lockout in force: which rule (`kind`: pair, address or account), whom it names (the account, the
    address, or both), the live failures behind it and when it ends at the latest."""

    kind: str
    username: str
    ip: str
    failures: int
    until: datetime | None


def _username(request) -> str:
    if request is None:
        return ""
    from axes.helpers import get_client_username

    try:
        username = get_client_username(request, getattr(request, "axes_credentials", None))
    except AttributeError:  # not a form request (no POST)
        return ""
    return str(username or "")[:255]


def _ip(request) -> str:
    return str(getattr(request, "axes_ip_address", "") or "")


def _last_success(username: str, ip: str):
    from axes.models import AccessLog

    return AccessLog.objects.filter(username=username, ip_address=ip or None).aggregate(t=Max("attempt_time"))["t"]


def known_address(username: str, ip: str) -> bool:
    """Whether the account has signed in successfully from this address before (axes' AccessLog)."""
    from axes.models import AccessLog

    return bool(username and ip) and AccessLog.objects.filter(username=username, ip_address=ip).exists()


def _lockout_times(username: str, ip: str, *, now: datetime) -> list[datetime]:
    from axes.models import AccessFailureLog

    since = now - LOCKOUT_MEMORY
    last_success = _last_success(username, ip)
    if last_success is not None and last_success > since:
        since = last_success
    rows = AccessFailureLog.objects.filter(
        username=username, ip_address=ip or None, locked_out=True, attempt_time__gt=since, attempt_time__lte=now
    )
    return list(rows.order_by("attempt_time").values_list("attempt_time", flat=True))


def lockout_state(username: str, ip: str = "", *, now: datetime | None = None) -> LockoutState:
    """The pair's tier: the lockout in force, or the one the next lockout would get."""
    now = now or timezone.now()
    times = _lockout_times(username, ip, now=now) if username else []
    last_tier = len(TIERS) - 1
    if times:
        current = min(len(times) - 1, last_tier)
        ends = times[-1] + TIERS[current]
        if ends > now:
            return LockoutState(tier=current, cooloff=TIERS[current], locked_until=ends)
    tier = min(len(times), last_tier)
    return LockoutState(tier=tier, cooloff=TIERS[tier], locked_until=None)


def cooloff(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: 15 minutes for a pair's first lockout, an hour for the second, a day from the third on.

    axes calls it with the request both for the window in which failures count and for each failure row's
    expiry, so it stays the same for the whole of a lockout."""
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    return lockout_state(_username(request), _ip(request), now=now).cooloff


def _live(now: datetime):
    from axes.models import AccessAttempt

    return AccessAttempt.objects.filter(Q(expiration__isnull=True) | Q(expiration__expires_at__gt=now))


def _verdict(username: str, ip: str, now: datetime) -> tuple[Lockout | None, int]:
    """The lockout that refuses this account from this address now (if any) and the pair's live failures."""
    pair_q, address_q, account_q = (
        Q(username=username, ip_address=ip or None),
        Q(ip_address=ip or None),
        Q(username=username),
    )
    counts = (
        _live(now)
        .filter(address_q | account_q)
        .aggregate(
            **{
                f"{name}_{what}": agg("expiration__expires_at" if what == "until" else "failures_since_start", filter=q)
                for name, q in ((PAIR, pair_q), (ADDRESS, address_q), (ACCOUNT, account_q))
                for what, agg in (("failures", Sum), ("until", Max))
            }
        )
    )
    pair_failures = counts[f"{PAIR}_failures"] or 0
    for kind, limit in ((PAIR, pair_limit()), (ADDRESS, address_limit()), (ACCOUNT, account_limit())):
        failures = counts[f"{kind}_failures"] or 0
        if failures < limit or (kind == ACCOUNT and known_address(username, ip)):
            continue
        who = (username if kind != ADDRESS else "", ip if kind != ACCOUNT else "")
        return Lockout(kind, *who, failures, counts[f"{kind}_until"]), pair_failures
    return None, pair_failures


def assess(username: str, ip: str, *, now: datetime | None = None) -> Lockout | None:
    """The lockout that refuses this account from this address now, if any (one query; two when the account
    limit is reached and the address must be checked against the account's earlier sign-ins)."""
    return _verdict(username, ip, now or timezone.now())[0]


def current_lockouts(*, now: datetime | None = None) -> list[Lockout]:
    """Every lockout in force: pairs, then addresses, then accounts over their limits, each by account and
    address (three queries, however many rows). An account's lockout refuses only addresses it never signed
    in from."""
    now = now or timezone.now()
    found: list[Lockout] = []
    for kind, keys, limit in (
        (PAIR, ("username", "ip_address"), pair_limit()),
        (ADDRESS, ("ip_address",), address_limit()),
        (ACCOUNT, ("username",), account_limit()),
    ):
        rows = (
            _live(now)
            .values(*keys)
            .annotate(failures=Sum("failures_since_start"), until=Max("expiration__expires_at"))
            .filter(failures__gte=limit)
            .order_by(*keys)
        )
        found += [
            Lockout(kind, row.get("username") or "", row.get("ip_address") or "", row["failures"], row["until"])
            for row in rows
        ]
    return found


def lift(kind: str, *, username: str = "", ip: str = "", now: datetime | None = None) -> int:
    """Delete the live failure rows behind one lockout (what a super admin's "lift" does); how many went.
    An account's empty name stands for the attempts that named none, as current_lockouts() shows them."""
    account = Q(username=username) if username else Q(username__isnull=True) | Q(username="")
    address = Q(ip_address=ip or None)
    rows = {PAIR: account & address, ADDRESS: address, ACCOUNT: account}
    if kind not in rows or (kind != ACCOUNT and not ip) or (kind == ACCOUNT and not username):
        raise ValueError(f"not a lockout: {kind!r} {username!r} {ip!r}")
    deleted, _rows = _live(now or timezone.now()).filter(rows[kind]).delete()
    return deleted


def describe(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes >= 60 and minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE (axes 8 calls it with request, original_response, credentials)."""
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    username, ip = _username(request), _ip(request)
    lockout = getattr(request, REQUEST_ATTRIBUTE, None) or assess(username, ip, now=now)
    state = lockout_state(username, ip, now=now)
    context = {
        "limit": settings.AXES_FAILURE_LIMIT,
        "username": username,
        "kind": lockout.kind if lockout else PAIR,
        "cooloff": describe(state.cooloff),
        "locked_until": (lockout.until if lockout else None) or state.locked_until,
    }
    return render(request, "accounts/locked.html", context, status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429))


class ThrottleHandler(AxesDatabaseHandler):
    """axes' database handler, counting failures by the three rules above instead of axes' parameters.

    axes compares ``get_failures()`` with AXES_FAILURE_LIMIT, both before checking a password and after
    recording a failure. Here it answers the pair's live failures, or at least the limit when the address or
    account rule refuses the attempt; the Lockout found is left on the request for the lockout page, the
    audit log and the security robot.
    """

    def get_failures(self, request, credentials=None) -> int:
        from axes.helpers import get_client_username

        username = str(get_client_username(request, credentials) or "")[:255]
        now = getattr(request, "axes_attempt_time", None) or timezone.now()
        lockout, pair_failures = _verdict(username, _ip(request), now)
        setattr(request, REQUEST_ATTRIBUTE, lockout)
        return pair_failures if lockout is None else max(pair_failures, pair_limit())
