"""Delivery tasks (queue "delivery", by CELERY_TASK_ROUTES' notifications.tasks.deliver_*): thin, ids in.

- `deliver_events`: the kick. Queued (by name) when a transaction that emitted events commits, and by
  deliver_due when events wait. Claims pending events in batches (`SELECT … FOR UPDATE SKIP LOCKED`, so
  workers share them and none is fanned out twice), fans each batch out into deliveries
  (`notifications.fanout.fan_out_events`, which marks them processed in the same transaction), then queues
  `deliver_robot` for every robot that got new deliveries.
- `deliver_robot(robot_id)`: sends the robot's due deliveries (`notifications.delivery.deliver_robot`); when the
  limit stopped it, it queues itself again for when the window has room.
- `deliver_due` (beat, every 10 s): returns deliveries stuck in `sending` (a killed worker) to `retrying`,
  queues `deliver_robot` for robots with due retries or held deliveries whose quiet hours ended, and kicks
  `deliver_events` when events are waiting (a lost kick).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.tasks import AuditedTask
from events.choices import EventState
from events.models import Event
from events.services import kick_release, kick_take_dirty

from . import delivery
from .limiter import DatabaseLimiter

logger = logging.getLogger(__name__)

EVENT_BATCH = 1000
EVENTS_TIME_BUDGET = 40.0  # seconds of claiming per deliver_events run (soft limit 60)
LOST_KICK_AFTER = timedelta(seconds=5)


def fan_out_pending(*, batch: int = EVENT_BATCH, budget: float = EVENTS_TIME_BUDGET) -> tuple[int, set[int]]:
    """Claim and fan out pending events until none is left (or the time budget is spent). Returns the number of
    events handled and the robots that got deliveries."""
    from .fanout import fan_out_events

    started = time.monotonic()
    handled, ids, after = 0, [], 0
    while time.monotonic() - started < budget:
        with transaction.atomic():
            # past the last batch's ids: the pending index still lists the rows just processed (until vacuum)
            events = list(
                Event.objects.select_for_update(skip_locked=True)
                .filter(state=EventState.PENDING, id__gt=after)
                .order_by("id")[:batch]
            )
            if not events:
                break
            fan_out_events(events)
        handled += len(events)
        ids += [e.pk for e in events]
        after = events[-1].pk
        if len(events) < batch:
            break
    return handled, delivery.robots_for_events(ids)


@shared_task(base=AuditedTask, soft_time_limit=60, time_limit=90, ignore_result=True)
def deliver_events() -> int:
    """Fan out the pending events and queue the sends of every robot that got deliveries; look again while
    transactions keep committing events (their kicks were coalesced into this run, see events.services)."""
    try:
        return _deliver_events_run()
    except BaseException:
        kick_release()  # a failed run must not hold off the next kicks (they would wait for the mark to expire)
        raise


def _deliver_events_run() -> int:
    started, handled = time.monotonic(), 0
    while time.monotonic() - started < EVENTS_TIME_BUDGET:
        kick_take_dirty()
        count, robots = fan_out_pending(budget=EVENTS_TIME_BUDGET - (time.monotonic() - started))
        handled += count
        for robot_id in sorted(robots):
            deliver_robot.delay(robot_id)
        if count or kick_take_dirty():
            continue
        if not kick_release():
            return handled
    kick_release()
    deliver_events.delay()  # out of time with events still coming: a fresh run goes on
    return handled


@shared_task(base=AuditedTask, soft_time_limit=60, time_limit=90, ignore_result=True)
def deliver_robot(robot_id: int, again: bool = True) -> dict:
    """Send one robot's due deliveries; come back when the limit has room (or once, shortly, if another worker
    held the robot)."""
    run = delivery.deliver_robot(robot_id)
    if run.wait is not None:
        deliver_robot.apply_async((robot_id,), countdown=max(0.2, run.wait))
    elif run.busy and again:
        deliver_robot.apply_async((robot_id,), {"again": False}, countdown=1.0)
    return {"messages": run.messages, "sent": run.sent, "coalesced": run.coalesced, "dead": run.dead}


@shared_task(base=AuditedTask, soft_time_limit=30, time_limit=45, ignore_result=True)
def deliver_due() -> int:
    """Beat: sweep interrupted sends, queue robots with due deliveries, kick deliver_events if events wait."""
    stuck = delivery.deliveries_sweep_stuck()
    if stuck:
        logger.warning("deliveries of %d robot(s) were interrupted while sending; they are sent again", len(stuck))
    robots = sorted(set(stuck) | set(delivery.robots_due()))
    for robot_id in robots:
        deliver_robot.delay(robot_id)
    waiting = Event.objects.filter(state=EventState.PENDING, created_at__lte=timezone.now() - LOST_KICK_AFTER)
    if waiting.exists():
        deliver_events.delay()
    if getattr(settings, "SHOPCREW_RATE_LIMITER", "redis") == "database":
        DatabaseLimiter.prune()
    return len(robots)
