"""Sending deliveries to a group robot: exactly once where the network allows it, within the robot's limit.

`deliver_robot(robot_id)` sends what is due for one robot — pending deliveries, retries whose time has come,
held ones whose quiet hours ended — and returns a `RobotRun` (what it sent, and when to come back if the limit
made it stop). Guarantees:

- **One send per delivery.** Deliveries are claimed with `SELECT … FOR UPDATE SKIP LOCKED` and moved to
  `sending` in a committed transaction before anything leaves, so two workers never claim the same row; a
  per-robot advisory lock (PostgreSQL) also keeps two workers from working the same robot at once (the second
  returns at once, `busy`), which keeps the robot's messages in order and its backlog in one summary.
- **Within the limit.** Every HTTP request first takes a permit from `notifications.limiter` (20 per robot in
  any 60 s, shared by every worker, see there); the client does not repeat requests on its own
  (`NO_RETRY`), so one permit is one request.
- **A backlog is coalesced, never dropped.** When more is due than the limiter allows now — or held
  deliveries come out of quiet hours — the due deliveries are packed into summary messages
  ("【新订单】泰国店 12 条新订单:" then one line each, mentions merged) within the robot's byte limit; every
  delivery a summary covers is `coalesced` and points at the same `SentMessage`.
- **Failures.** Timeouts, 5xx, -1 and malformed answers: `retrying` with exponential backoff (BACKOFF_BASE
  doubled per attempt, at most BACKOFF_MAX) up to MAX_ATTEMPTS, then `dead`. 45009: `retrying` after the
  robot's window (the limiter's window is filled so no worker sends to it for a minute). 93000 (bad key):
  every claimed delivery `dead`; 40058 / content refused: that message's deliveries `dead`; both mark the
  robot broken (`broken_at`, `broken_reason`) and alert admins **once per breakage**: a `robot.broken` audit
  row and a banner on the notifications pages, shown while the robot stays broken. A later successful send
  clears the breakage; an admin retries dead letters (`delivery_retry`) after fixing the key or template.
- **Secrets.** The webhook key never appears in `last_error`, `broken_reason`, logs or audit rows.

**Ambiguous sends, and what they cost.** A request that timed out after it left, a 5xx (the gateway may have
passed it on), a garbled answer — or a worker killed between marking a delivery `sending` and recording the
answer (those rows are swept back to `retrying` by `deliveries_sweep_stuck` after SENDING_TIMEOUT) — may or
may not have reached the group. We settle them the way that loses nothing: the delivery is sent again
(at-least-once). The cost is a possible duplicate message in the group, only in those cases: duplicates are
bounded by the number of ambiguous timeouts plus the number of workers killed mid-send (each kill can repeat
at most the one message that was in flight). Nothing else sends twice: explicit refusals (45009, -1, 93000,
40058) prove the robot did not post the message.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import translation
from django.utils.translation import gettext as _

from audit.services import record, record_many
from core.logging import redact
from core.permissions import permissions_of
from events.choices import EventKind
from stores.clients.errors import (
    InvalidCredentials,
    InvalidRequest,
    PlatformError,
    RateLimited,
)
from stores.clients.http import NO_RETRY

from .clients.wecom import MARKDOWN_LIMIT, TEXT_LIMIT, WeComRobot, shorten_content, utf8_len
from .limiter import get_limiter
from .models import Delivery, DeliveryState, MessageFormat, Robot, SentMessage

logger = logging.getLogger(__name__)

DUE_STATES = (DeliveryState.PENDING, DeliveryState.RETRYING, DeliveryState.HELD)
BATCH = 200  # deliveries claimed per round
MAX_ROUNDS = 20  # rounds per run; a longer backlog is continued by the next run
MAX_ATTEMPTS = 10  # sends of one delivery before it is a dead letter
BACKOFF_BASE = 5.0  # seconds before the first retry, doubled each time
BACKOFF_MAX = 900.0
SENDING_TIMEOUT = 120.0  # past deliver_robot's hard time limit (90 s): a row still `sending` was abandoned
SEND_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
RUN_BUDGET = 40.0  # seconds of sending per run (the task's soft limit is 60): the rest goes to the next run
LOCK_NAMESPACE = 0x5C0D  # first key of the per-robot advisory lock
LIMITS: dict[str, int] = {MessageFormat.TEXT: TEXT_LIMIT, MessageFormat.MARKDOWN: MARKDOWN_LIMIT}


@dataclass
class RobotRun:
    """What one deliver_robot run did: messages sent, deliveries settled, and `wait` (seconds) when it stopped
    because the limit (or a 45009) asked it to, so the caller can come back then."""

    robot_id: int
    busy: bool = False
    deadline: float = field(default_factory=lambda: time.monotonic() + RUN_BUDGET, repr=False)
    messages: int = 0
    sent: int = 0
    coalesced: int = 0
    retrying: int = 0
    dead: int = 0
    wait: float | None = None


@dataclass
class Outgoing:
    """One message to send and the deliveries it settles."""

    msgtype: str
    content: str
    deliveries: list[Delivery]
    userids: list[str] = field(default_factory=list)
    mobiles: list[str] = field(default_factory=list)
    summary: bool = False


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def due_q(now: datetime) -> Q:
    """Deliveries whose time has come: pending (no time, or its time passed), retrying and held ones due."""
    return Q(state__in=DUE_STATES) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


# ------------------------------------------------------------------------------------------------- the lock


@contextmanager
def robot_lock(robot_id: int) -> Iterator[bool]:
    """A per-robot lock held for one run (PostgreSQL session advisory lock; released if the worker dies, as its
    connection closes). Yields False when another worker holds it. Elsewhere it always yields True: the claim
    (a conditional state change) alone keeps a delivery from being sent twice."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, robot_id])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, robot_id])


# ---------------------------------------------------------------------------------------- claim and release


def _claim(robot_id: int, now: float, limit: int = BATCH) -> list[Delivery]:
    """Move up to `limit` due deliveries of the robot to `sending` (committed) and return them, oldest first,
    with `was_held` set on those that came out of quiet hours."""
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(due_q(_dt(now)), robot_id=robot_id)
            .order_by("id")
            .only(
                "id",
                "state",
                "store_id",
                "event_kind",
                "msgtype",
                "content",
                "attempts",
                "mentioned_userids",
                "mentioned_mobiles",
            )[:limit]
        )
        if not rows:
            return []
        Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(
            state=DeliveryState.SENDING, next_attempt_at=_dt(now + SENDING_TIMEOUT)
        )
    for row in rows:
        row.was_held = row.state == DeliveryState.HELD  # type: ignore[attr-defined]
    return rows


def _release(deliveries: Sequence[Delivery], at: float) -> None:
    """Claimed deliveries that were not sent this run go back to waiting until `at`."""
    if not deliveries:
        return
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries], state=DeliveryState.SENDING).update(
        state=Case(When(attempts=0, then=Value(DeliveryState.PENDING)), default=Value(DeliveryState.RETRYING)),
        next_attempt_at=_dt(at),
    )


def deliveries_sweep_stuck(*, now: float | None = None) -> list[int]:
    """Deliveries left `sending` longer than SENDING_TIMEOUT (their worker was killed or lost the database
    mid-send) go back to `retrying`, due now: sent again, the at-least-once settlement of an ambiguous send.
    Returns the robots concerned."""
    now = time.time() if now is None else now
    stuck = Delivery.objects.filter(state=DeliveryState.SENDING, next_attempt_at__lte=_dt(now))
    robots = sorted(set(stuck.values_list("robot_id", flat=True)))
    if robots:
        stuck.update(
            state=DeliveryState.RETRYING,
            next_attempt_at=_dt(now),
            last_error="interrupted while sending; sent again (the group may see it twice)",
        )
    return robots


def robots_due(*, now: float | None = None, limit: int = 1000) -> list[int]:
    """Robots with deliveries due now (for deliver_due's sweep)."""
    now = time.time() if now is None else now
    # an inactive or broken robot's deliveries wait for it to be switched on or repaired
    due = Delivery.objects.filter(due_q(_dt(now)), robot__is_active=True, robot__broken_at__isnull=True)
    ids = due.values_list("robot_id", flat=True).distinct().order_by()
    return sorted(ids[:limit])


def robots_for_events(event_ids: Sequence[int]) -> set[int]:
    """Robots with deliveries of these events still waiting to be sent (after a fan-out)."""
    if not event_ids:
        return set()
    rows = Delivery.objects.filter(event_id__in=event_ids, state=DeliveryState.PENDING)
    return set(rows.values_list("robot_id", flat=True).distinct().order_by())


# ------------------------------------------------------------------------------------------------ planning


def _label(kind: str) -> str:
    try:
        return str(EventKind(kind).label)
    except ValueError:
        return kind


def _line(delivery: Delivery) -> str:
    return " ".join(part.strip() for part in delivery.content.splitlines() if part.strip())


def _individual(delivery: Delivery) -> Outgoing:
    return Outgoing(
        delivery.msgtype,
        delivery.content,
        [delivery],
        list(delivery.mentioned_userids or []),
        list(delivery.mentioned_mobiles or []),
    )


def _header(kind: str, store_name: str, count: int) -> str:
    label = _label(kind)
    return _("【%(kind)s】%(store)s %(count)d × %(kind)s:") % {"kind": label, "store": store_name, "count": count}


def _sections(deliveries: Sequence[Delivery], store_names: dict) -> list[tuple[str, str, list[Delivery]]]:
    """Deliveries grouped by (store, event kind) in order of first appearance: (kind, store name, rows)."""
    groups: dict[tuple, list[Delivery]] = {}
    for d in deliveries:
        groups.setdefault((d.store_id, d.event_kind), []).append(d)
    return [(kind, store_names.get(store_id) or _("Company"), rows) for (store_id, kind), rows in groups.items()]


def _pack(msgtype: str, sections, *, merge: bool) -> list[Outgoing]:
    """Summary messages of `msgtype`: each section's header then one line per delivery, packed within the byte
    limit (a section continues in the next message when it does not fit); `merge` lets sections share a
    message, otherwise each section starts its own."""
    limit = LIMITS.get(msgtype, TEXT_LIMIT)
    out: list[Outgoing] = []
    current: list[tuple[str, str, list[tuple[Delivery, str]]]] = []

    def size(parts) -> int:
        total = 0
        for kind, store, lines in parts:
            total += utf8_len(_header(kind, store, len(lines))) + sum(1 + utf8_len(text) for _d, text in lines) + 1
        return total

    def flush() -> None:
        if current:
            out.append(_summary(msgtype, current))
            current.clear()

    for kind, store, rows in sections:
        if not merge:
            flush()
        section: tuple[str, str, list[tuple[Delivery, str]]] = (kind, store, [])
        current.append(section)
        for d in rows:
            room = limit - utf8_len(_header(kind, store, 999)) - 8
            text = shorten_content(_line(d), limit=room) if utf8_len(_line(d)) > room else _line(d)
            section[2].append((d, text))
            if size(current) > limit:
                section[2].pop()
                if not section[2]:
                    current.pop()
                flush()
                section = (kind, store, [(d, text)])
                current.append(section)
    flush()
    return out


def _summary(msgtype: str, parts) -> Outgoing:
    lines: list[str] = []
    deliveries: list[Delivery] = []
    for kind, store, rows in parts:
        lines.append(_header(kind, store, len(rows)))
        for d, text in rows:
            lines.append(text)
            deliveries.append(d)
    userids: list[str] = []
    mobiles: list[str] = []
    for d in deliveries:
        userids += [u for u in d.mentioned_userids or [] if u not in userids]
        mobiles += [m for m in d.mentioned_mobiles or [] if m not in mobiles]
    if "@all" in userids:
        userids = ["@all"]
    return Outgoing(msgtype, "\n".join(lines), deliveries, userids, mobiles, summary=len(deliveries) > 1)


def plan_messages(deliveries: Sequence[Delivery], available: int, store_names: dict) -> list[Outgoing]:
    """The messages for the claimed deliveries: one each when they fit in what the limiter allows now and none
    came out of quiet hours; otherwise summaries per store and event kind, merged across stores when even
    those would not fit."""
    held = [d for d in deliveries if getattr(d, "was_held", False)]
    if not held and len(deliveries) <= available:
        return [_individual(d) for d in deliveries]
    out: list[Outgoing] = []
    for msgtype in dict.fromkeys(d.msgtype for d in deliveries):
        rows = [d for d in deliveries if d.msgtype == msgtype]
        sections = _sections(rows, store_names)
        packed = _pack(msgtype, sections, merge=False)
        if len(packed) > max(available, 1):
            packed = _pack(msgtype, sections, merge=True)
        out += packed
    return out


# -------------------------------------------------------------------------------------------------- sending


def _client(robot: Robot) -> WeComRobot:
    """One request per call (NO_RETRY: each request needs its own permit); SHOPCREW_WECOM_SEND_TIMEOUT (seconds, a
    setting or the environment) overrides the timeout."""
    seconds = getattr(settings, "SHOPCREW_WECOM_SEND_TIMEOUT", None) or os.environ.get("SHOPCREW_WECOM_SEND_TIMEOUT")
    timeout = httpx.Timeout(float(seconds), connect=min(3.0, float(seconds))) if seconds else SEND_TIMEOUT
    return WeComRobot.from_settings(key=robot.webhook_key, retry=NO_RETRY, timeout=timeout)


def _client_on(robot: Robot, http_client: httpx.Client) -> WeComRobot:
    return WeComRobot.from_settings(key=robot.webhook_key, retry=NO_RETRY, http_client=http_client)


def _post(client: WeComRobot, message: Outgoing) -> None:
    if message.msgtype == MessageFormat.MARKDOWN:
        client.send_markdown(message.content)
    else:
        client.send_text(message.content, message.userids, message.mobiles)


def _error_text(robot: Robot, error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    if robot.webhook_key:
        text = text.replace(robot.webhook_key, "***")
    return redact(text)[:500]


def _backoff(attempts: int) -> float:
    return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(0, attempts - 1))


def _masked_mobile(mobile: str) -> str:
    """A mobile number as the console's copy keeps it: 138****1111 (the group saw the person's name)."""
    return mobile if mobile == "@all" or len(mobile) < 8 else f"{mobile[:3]}****{mobile[-4:]}"


def _record_sent(robot: Robot, message: Outgoing, now: float) -> None:
    stores = {d.store_id for d in message.deliveries}
    ids = [d.pk for d in message.deliveries]
    with transaction.atomic():
        copy = SentMessage.objects.create(
            robot=robot,
            store_id=stores.pop() if len(stores) == 1 else None,
            msgtype=message.msgtype,
            content=message.content,
            mentioned=message.userids + [_masked_mobile(m) for m in message.mobiles],
            is_summary=message.summary,
            delivery_count=len(ids),
            sent_at=_dt(now),
        )
        Delivery.objects.filter(pk__in=ids).update(
            state=DeliveryState.COALESCED if message.summary else DeliveryState.SENT,
            message=copy,
            sent_at=_dt(now),
            next_attempt_at=None,
            last_error="",
            attempts=F("attempts") + 1,
        )
        Robot.objects.filter(pk=robot.pk).update(last_success_at=_dt(now), broken_at=None, broken_reason="")


def _record_retry(robot: Robot, message: Outgoing, error: BaseException, now: float, at: float | None) -> int:
    """The message's deliveries go back to `retrying` (at `at`, or after their backoff), or `dead` past
    MAX_ATTEMPTS. Returns how many went dead."""
    text = _error_text(robot, error)
    dead = [d.pk for d in message.deliveries if d.attempts + 1 >= MAX_ATTEMPTS]
    with transaction.atomic():
        for d in message.deliveries:
            if d.pk in dead:
                continue
            when = at if at is not None else now + _backoff(d.attempts + 1)
            Delivery.objects.filter(pk=d.pk).update(
                state=DeliveryState.RETRYING, next_attempt_at=_dt(when), last_error=text, attempts=F("attempts") + 1
            )
        if dead:
            Delivery.objects.filter(pk__in=dead).update(
                state=DeliveryState.DEAD, next_attempt_at=None, last_error=text, attempts=F("attempts") + 1
            )
        Robot.objects.filter(pk=robot.pk).update(last_error_at=_dt(now), last_error=text)
    return len(dead)


def _record_dead(robot: Robot, deliveries: Sequence[Delivery], error: BaseException, now: float, sent: bool) -> None:
    """Permanent failure: the deliveries are dead letters, the robot broken; the first breakage is audited."""
    text = _error_text(robot, error)
    with transaction.atomic():
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
            state=DeliveryState.DEAD,
            next_attempt_at=None,
            last_error=text,
            attempts=F("attempts") + (1 if sent else 0),
        )
        Robot.objects.filter(pk=robot.pk).update(last_error_at=_dt(now), last_error=text)
        newly = Robot.objects.filter(pk=robot.pk, broken_at__isnull=True).update(broken_at=_dt(now), broken_reason=text)
        if newly:
            record(
                "robot.broken",
                target=robot,
                store=robot.store_id,
                after={"broken_reason": text, "dead_deliveries": len(deliveries)},
            )
            logger.warning("group robot %s is broken: %s", robot.pk, text)


def deliver_robot(
    robot_id: int, *, limiter=None, now=time.time, max_rounds: int = MAX_ROUNDS, http_client: httpx.Client | None = None
) -> RobotRun:
    """Send the robot's due deliveries (see the module's guarantees). `now` is the clock and `http_client` the
    transport (tests and benchmarks may pass their own; by default settings.WECOM_BASE_URL over a fresh client)."""
    run = RobotRun(robot_id)
    limiter = limiter or get_limiter()
    with robot_lock(robot_id) as held:
        if not held:
            run.busy = True
            return run
        # a broken robot is left alone: its deliveries wait until a new key, a good test send or a retry of
        # its dead letters repairs it (robots_due then finds them again)
        robot = (
            Robot.objects.select_related("store").filter(pk=robot_id, is_active=True, broken_at__isnull=True).first()
        )
        if robot is None:
            return run
        client = _client(robot) if http_client is None else _client_on(robot, http_client)
        with translation.override(settings.LANGUAGE_CODE), client:
            for _round in range(max_rounds):
                if not _round_once(robot, client, limiter, now, run):
                    break
    return run


def _round_once(robot: Robot, client: WeComRobot, limiter, now, run: RobotRun) -> bool:
    """Claim a batch, plan it, send it. False when there is nothing more to do in this run."""
    available = limiter.available(robot.pk, now())
    if available == 0:
        run.wait = limiter.wait(robot.pk, now())
        return False
    claimed = _claim(robot.pk, now())
    if not claimed:
        return False
    names = _store_names(claimed)
    plan = plan_messages(claimed, available, names)
    for index, message in enumerate(plan):
        if not _send_one(robot, client, limiter, now, run, message, plan[index + 1 :]):
            return False
    return len(claimed) == BATCH


def _store_names(deliveries: Sequence[Delivery]) -> dict:
    from stores.models import Store

    ids = {d.store_id for d in deliveries if d.store_id}
    return dict(Store.objects.filter(pk__in=ids).values_list("pk", "name"))


def _rest(messages: Sequence[Outgoing]) -> list[Delivery]:
    return [d for m in messages for d in m.deliveries]


def _send_one(robot, client, limiter, now, run: RobotRun, message: Outgoing, rest: Sequence[Outgoing]) -> bool:
    """One permit, one request, its outcome recorded. False stops the run (the rest released)."""
    if time.monotonic() > run.deadline:  # a slow robot: hand the rest to the next run, well within the time limit
        _release(message.deliveries + _rest(rest), now())
        run.wait = 0.1
        return False
    permit = limiter.acquire(robot.pk, now())
    if not permit:
        _release(message.deliveries + _rest(rest), now() + permit.wait)
        run.wait = permit.wait
        return False
    try:
        _post(client, message)
    except RateLimited as exc:
        limiter.settle(permit, now())
        limiter.saturate(robot.pk, now())
        at = now() + max(exc.retry_after or 60.0, 60.0)
        run.dead += _record_retry(robot, message, exc, now(), at)
        run.retrying += len(message.deliveries)
        _release(_rest(rest), at)
        run.wait = at - now()
        return False
    except InvalidCredentials as exc:
        limiter.settle(permit, now())
        _record_dead(robot, message.deliveries + _rest(rest), exc, now(), sent=True)
        run.dead += len(message.deliveries) + len(_rest(rest))
        return False
    except InvalidRequest as exc:  # 40058 and the like, or content over the limit (refused before sending)
        limiter.settle(permit, now())
        _record_dead(robot, message.deliveries, exc, now(), sent=True)
        run.dead += len(message.deliveries)
        return True
    except PlatformError as exc:  # timeouts, 5xx, -1, garbled answers: retry later (maybe a duplicate)
        limiter.settle(permit, now())
        run.dead += _record_retry(robot, message, exc, now(), None)
        run.retrying += len(message.deliveries)
        _release(_rest(rest), now() + _backoff(1))
        return False
    limiter.settle(permit, now())
    _record_sent(robot, message, now())
    run.messages += 1
    if message.summary:
        run.coalesced += len(message.deliveries)
    else:
        run.sent += len(message.deliveries)
    return True


# ----------------------------------------------------------------------------------------- dead letters


def broken_robots(*, viewer) -> QuerySet[Robot]:
    """Broken robots the viewer manages (settings_manage on the robot's store; company-wide: super admins), for
    the banner on the notifications pages."""
    robots = Robot.objects.restrict(viewer, "change").filter(broken_at__isnull=False)
    return robots.defer("webhook_key").order_by("name")


def delivery_retry(*, actor, deliveries: Sequence[Delivery] | QuerySet[Delivery]) -> int:
    """Send dead letters again: each must be dead and in a store where the actor manages settings (else
    PermissionDenied, nothing changed). They go back to pending with a fresh attempt count, their robots'
    breakage is cleared (the admin says it is fixed; a new failure alerts again), one `delivery.retry` audit
    row per delivery, and the robots' sends are queued when the transaction commits. Returns how many."""
    ids = sorted({d.pk for d in deliveries})
    if not ids:
        return 0
    perms = permissions_of(actor)
    with transaction.atomic():
        rows = list(Delivery.objects.select_for_update().filter(pk__in=ids, state=DeliveryState.DEAD).order_by("pk"))
        if any(not perms.has("settings_manage", d.store_id) for d in rows):
            raise PermissionDenied(_("You may not retry deliveries of this store."))
        if not rows:
            return 0
        Delivery.objects.filter(pk__in=[d.pk for d in rows]).update(
            state=DeliveryState.PENDING, attempts=0, next_attempt_at=None, last_error=""
        )
        robots = sorted({d.robot_id for d in rows})
        Robot.objects.filter(pk__in=robots).update(broken_at=None, broken_reason="")
        record_many(
            "delivery.retry",
            [
                {
                    "target": d,
                    "store": d.store_id,
                    "before": {"state": DeliveryState.DEAD, "last_error": d.last_error},
                    "after": {"state": DeliveryState.PENDING},
                }
                for d in rows
            ],
        )
        transaction.on_commit(lambda: _queue_robots(robots))
    return len(rows)


def delivery_retry_one(*, actor, delivery: Delivery) -> int:
    """delivery_retry for one delivery; ValidationError when it is not a dead letter (nothing to retry)."""
    count = delivery_retry(actor=actor, deliveries=[delivery])
    if not count:
        raise ValidationError(_("Only a failed delivery can be retried."), code="not_dead")
    return count


def _queue_robots(robots: Sequence[int]) -> None:
    from . import tasks

    for robot_id in robots:
        tasks.deliver_robot.delay(robot_id)


def backoff_schedule() -> list[float]:
    """The waits before each retry (for the docs and the delivery log's help text)."""
    return [_backoff(n) for n in range(1, MAX_ATTEMPTS)]


__all__ = [
    "RobotRun",
    "broken_robots",
    "deliver_robot",
    "deliveries_sweep_stuck",
    "delivery_retry",
    "delivery_retry_one",
    "plan_messages",
    "robots_due",
]
