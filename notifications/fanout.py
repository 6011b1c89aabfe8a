"""The fan-out: events → routes → rendered messages → Delivery rows (DESIGN.md "Deliver", step one).

`fan_out_events(events)` handles a batch in a fixed number of queries whatever its size: the active routes
(with their robots), the batch's stores, store-group memberships, templates, mention candidates and current
assignees are each read once; the deliveries are written by ONE `INSERT … ON CONFLICT (event_id, robot_id) DO
NOTHING` and the events marked processed by ONE `UPDATE`, in one transaction. So an event reaches a robot at
most once, however many routes match it or workers run it, and a batch is all or nothing.

Inhibition: while a store's authorization is gone (its sync paused), its other sync failures and "authorization
expiring" notices are processed without a message — the one "authorization" alert already said it.

Matching: a route names event kinds and stores — one store, or every store of a platform, a site or a store
group (these narrow each other when several are set), or every store when none is. An event of no store (a
department's digest, a company-wide request) matches only routes that name no stores. Inactive routes and
inactive robots are skipped. A broken robot still gets its deliveries: they wait (the sender leaves a broken
robot alone) and go out once someone repairs it, so nothing is lost while the key or template is fixed.

客服分单: before matching, new orders and cases of round-robin stores are dispatched (orders.assignment), whether
or not a route announces them; "the assignee" a route mentions is that colleague (for an escalated after-sales
case: whom it escalates to, then its assignee; for an access request: its approvers).

Several routes reaching one robot for one event make one delivery: the mentions are merged; it is held for
quiet hours only when every one of those routes is quiet now (in the store's time zone), until the latest of
their ends; it is credited to the most specific route (store, then group, then site/platform, then all).

The text: the event kind's MessageTemplate, or the Chinese default (notifications.defaults); placeholders cut
to their maximum, so no message exceeds what was checked when the template was saved. Text messages carry
mentions in mentioned_userids / mentioned_mobiles (the sender passes them as mentioned_list /
mentioned_mobile_list); markdown messages carry them in the content as <@userid> (markdown has no mobile or
@all mention), the lists kept for the record.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from events.choices import EventState
from events.models import Event
from stores.models import Store, StoreGroup

from . import mentions
from .defaults import DEFAULT_BODIES
from .models import Delivery, DeliveryState, MessageTemplate, Route
from .render import Compiled, StoreFacts, compile_template, event_values, sample_values, status_labels

log = logging.getLogger(__name__)

ASSIGNED_KINDS = ("order.new", "aftersales.new")


@dataclass(slots=True)
class _Store:
    facts: StoreFacts
    platform: str
    site: str
    owners: tuple[int, int]
    groups: set[int] = field(default_factory=set)


def _specificity(route: Route) -> int:
    if route.store_id:
        return 0
    if route.store_group_id:
        return 1
    return 2 if (route.platform or route.site) else 3


def _matches(route: Route, store_id: int | None, store: _Store | None) -> bool:
    if store is None:
        return not (route.store_id or route.platform or route.site or route.store_group_id)
    if route.store_id and route.store_id != store_id:
        return False
    if route.platform and route.platform != store.platform:
        return False
    if route.site and route.site != store.site:
        return False
    return not (route.store_group_id and route.store_group_id not in store.groups)


def quiet_until(start: time | None, end: time | None, now: datetime, tz: tzinfo) -> datetime | None:
    """When quiet hours [start, end) in `tz` end, if `now` is inside them (a span may cross midnight); else None."""
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(tz)
    moment = local.time().replace(tzinfo=None)
    inside = start <= moment < end if start < end else (moment >= start or moment < end)
    if not inside:
        return None
    ends = datetime.combine(local.date(), end, tzinfo=tz)
    if ends <= local:
        ends = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=tz)
    return ends


_compiled_cache: dict[tuple[str, str, str], Compiled] = {}


def _templates() -> dict[str, Compiled]:
    """Every kind's compiled template: the saved one, else the default (compiled once per process)."""
    saved = {t.event_kind: (t.msgtype, t.body) for t in MessageTemplate.objects.only("event_kind", "msgtype", "body")}
    result = {}
    for kind, default in DEFAULT_BODIES.items():
        msgtype, body = saved.get(kind, ("text", default))
        key = (kind, msgtype, body)
        if key not in _compiled_cache:
            try:
                _compiled_cache[key] = compile_template(kind, body, msgtype)
            except ValidationError:
                log.warning("the saved template of %s no longer compiles; the default is used", kind)
                _compiled_cache[key] = compile_template(kind, default, "text")
        result[kind] = _compiled_cache[key]
    return result


class _Batch:
    """Everything one batch needs, read once."""

    dispatched: dict[int, int] = {}  # {event id: staff id} of this batch's round-robin dispatch

    def __init__(self, events: Sequence[Event], now: datetime, routes: list[Route] | None = None):
        self.events, self.now = events, now
        self.default_tz = ZoneInfo(settings.TIME_ZONE)
        if routes is None:
            routes = list(
                Route.objects.filter(is_active=True, robot__is_active=True).select_related("robot").only(*ROUTE_FIELDS)
            )
        self.routes = routes
        # One store's routes, and the routes spanning stores (platform, site, group, all), kept apart so a
        # store's routes are found without testing every route of every other store.
        self._by_route_store: dict[int | None, list[Route]] = defaultdict(list)
        self._spanning: list[Route] = []
        for route in routes:
            (self._by_route_store[route.store_id] if route.store_id else self._spanning).append(route)
        self.routes.sort(key=lambda r: (_specificity(r), r.pk))
        self.stores = self._load_stores({e.store_id for e in events if e.store_id})
        self._by_store: dict[int | None, dict[str, list[Route]]] = {}
        self._quiet: dict[tuple[int, int | None], datetime | None] = {}

    def _load_stores(self, ids: set[int]) -> dict[int, _Store]:
        if not ids or not self.routes:
            return {}
        fields = ("pk", "name", "platform", "site", "timezone", "primary_owner_id", "backup_owner_id", "covered")
        stores = {}
        rows = mentions.with_cover(Store.objects.filter(pk__any_of=ids), timezone.localdate(self.now))
        for pk, name, platform, site, tz, primary, backup, covered in rows.values_list(*fields):
            facts = StoreFacts(name, platform, site, Store(site=site, timezone=tz).tzinfo)
            # cover: while the primary owner is on leave the backup takes the primary's mentions
            stores[pk] = _Store(facts, platform, site, (backup if covered else primary, backup))
        group_ids = {r.store_group_id for r in self.routes if r.store_group_id}
        if group_ids:
            through = StoreGroup.stores.through.objects.filter(storegroup_id__any_of=group_ids, store_id__any_of=ids)
            for group_id, store_id in through.values_list("storegroup_id", "store_id"):
                stores[store_id].groups.add(group_id)
        return stores

    def routes_for(self, store_id: int | None, kind: str) -> list[Route]:
        """The batch's routes for this store and kind (computed once per store)."""
        by_kind = self._by_store.get(store_id)
        if by_kind is None:
            by_kind = defaultdict(list)
            store = self.stores.get(store_id) if store_id else None
            if store_id is None or store is not None:
                for route in self._by_route_store.get(store_id, []) + self._spanning:
                    if _matches(route, store_id, store):
                        for k in route.event_kinds or ():
                            by_kind[k].append(route)
            self._by_store[store_id] = by_kind
        return by_kind.get(kind, [])

    def tz(self, store_id: int | None) -> tzinfo:
        store = self.stores.get(store_id) if store_id else None
        return store.facts.tz if store is not None else self.default_tz

    def quiet(self, route: Route, store_id: int | None) -> datetime | None:
        key = (route.pk, store_id)
        if key not in self._quiet:
            self._quiet[key] = quiet_until(route.quiet_start, route.quiet_end, self.now, self.tz(store_id))
        return self._quiet[key]


ROUTE_FIELDS = (
    "id",
    "event_kinds",
    "store_id",
    "platform",
    "site",
    "store_group_id",
    "quiet_start",
    "quiet_end",
    "mention_primary_owner",
    "mention_backup_owner",
    "mention_permission",
    "mention_assignee",
    "mention_all",
    "robot__id",
    "robot__is_active",
    "robot__broken_at",
)


def _assignees(events: Sequence[Event], *, dispatched: dict[int, int] | None = None) -> dict[int, int]:
    """{event id: staff id} of the colleague each order/case event is with (an access request: see approvers).

    New orders and cases of round-robin stores were dispatched already (`dispatched`, by fan_out_events through
    orders.assignment); everything else — claim stores, later events — reads the order's or case's current
    assignee, in one query per table."""
    result = dict(dispatched or {})
    orders, cases = defaultdict(set), defaultdict(set)
    for e in events:
        if e.pk in result or not e.store_id:
            continue
        if e.kind.startswith("order.") and e.payload.get("order_id"):
            orders[e.store_id].add(e.payload["order_id"])
        elif e.kind.startswith("aftersales.") and e.payload.get("case_id"):
            cases[e.store_id].add(e.payload["case_id"])
    found = _current_assignees(orders, cases)
    for e in events:
        if e.pk in result:
            continue
        if e.kind.startswith("order."):
            staff = found.get(("o", e.store_id, e.payload.get("order_id")))
        elif e.kind.startswith("aftersales."):
            staff = found.get(("c", e.store_id, e.payload.get("case_id")))
        else:
            staff = None
        if staff:
            result[e.pk] = staff
    return result


def _dispatch(events: Sequence[Event]) -> dict[int, int]:
    """Round-robin dispatch of new work through orders.assignment (客服分单), for the batch's round-robin stores
    at once: {event id: staff id} of the events whose order or case is now with someone. A batch without such
    stores costs one query."""
    from orders.assignment import assign_for_events
    from orders.choices import AssignmentMode
    from orders.models import StoreSettings

    stores = {e.store_id for e in events if e.store_id}
    if not stores:
        return {}
    rr = AssignmentMode.ROUND_ROBIN
    turning = set(
        StoreSettings.objects.filter(store_id__any_of=stores, assignment_mode=rr).values_list("store_id", flat=True)
    )
    if not turning:
        return {}
    mine = [e for e in events if e.store_id in turning]
    return {pk: getattr(staff, "pk", staff) for pk, staff in assign_for_events(mine).items()}


def _current_assignees(orders: dict[int, set], cases: dict[int, set]) -> dict[tuple, int]:
    from orders.models import AfterSalesCase, Order

    found: dict[tuple, int] = {}
    for tag, model, key, wanted in (("o", Order, "order_id", orders), ("c", AfterSalesCase, "case_id", cases)):
        if not wanted:
            continue
        keys = sorted(set().union(*wanted.values()))
        if connection.vendor == "postgresql":  # the keys as ONE array parameter (thousands of them per batch)
            sql = (
                f"SELECT store_id, {key}, assignee_id FROM {model._meta.db_table} "
                f"WHERE store_id = ANY(%s) AND {key} = ANY(%s) AND assignee_id IS NOT NULL"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, [sorted(wanted), keys])
                rows = cursor.fetchall()
        else:
            rows = model.objects.filter(store_id__in=wanted, assignee__isnull=False, **{f"{key}__in": keys})
            rows = rows.values_list("store_id", key, "assignee_id")
        for store_id, ref, staff in rows:
            found[(tag, store_id, ref)] = staff
    return found


@dataclass(slots=True)
class _Mentions:
    """Mention candidates of the batch: owners, permission holders, assignees and the people behind them."""

    holders: dict[tuple[int, str], set[int]]
    assignees: dict[int, int]
    people: dict[int, mentions.Person]

    cache: dict[tuple, tuple[list[str], list[str]]] = field(default_factory=dict)

    def resolve(self, routes: list[Route], event: Event, store: _Store | None) -> tuple[list[str], list[str]]:
        """(userids, mobiles) the routes mention for this event; the same routes, store and assignee give the
        same answer, so it is worked out once per batch."""
        personal = any(r.mention_assignee for r in routes)
        key = (tuple(r.pk for r in routes), event.store_id, tuple(_assigned(event, self.assignees)) if personal else ())
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self._resolve(routes, event, store)
        return list(found[0]), list(found[1])

    def _resolve(self, routes: list[Route], event: Event, store: _Store | None) -> tuple[list[str], list[str]]:
        ids: list[int] = []
        everyone = False
        for route in routes:
            everyone = everyone or route.mention_all
            if store is not None and route.mention_primary_owner:
                ids.append(store.owners[0])
            if store is not None and route.mention_backup_owner:
                ids.append(store.owners[1])
            if route.mention_permission and event.store_id:
                ids.extend(sorted(self.holders.get((event.store_id, route.mention_permission), ())))
            if route.mention_assignee:
                ids.extend(_assigned(event, self.assignees))
        return mentions.handles((self.people.get(i) for i in ids), everyone=everyone)


def _assigned(event: Event, assignees: dict[int, int]) -> list[int]:
    """The people "the assignee" means for this event: the approvers of an access request; for an after-sales
    case escalated for its due time, whom it escalates to (orders.escalation names them) and its assignee;
    otherwise the order's or case's assignee."""
    if event.kind == "access.request_opened":
        return [int(i) for i in event.payload.get("approver_ids") or () if str(i).isdigit()]
    staff = assignees.get(event.pk)
    people = [staff] if staff else []
    if event.kind in ("sop.checklist_overdue", "access.review_reminder", "access.review_escalated"):
        # the checklist's assignee (sop.checklists); the reviewer, or whom an overdue review escalates to (rbac)
        return [int(i) for i in event.payload.get("mention_staff_ids") or () if str(i).isdigit()]
    if event.kind == "aftersales.due_soon":
        escalated = [int(i) for i in event.payload.get("mention_staff_ids") or () if str(i).isdigit()]
        people = [*escalated, *(p for p in people if p not in escalated)]
    return people


def _mention_data(batch: _Batch, matched: list[tuple[Event, list[Route]]]) -> _Mentions:
    routes = {r.pk: r for _e, rs in matched for r in rs}.values()
    stores = {e.store_id for e, _rs in matched if e.store_id}
    ids: set[int] = set()
    if any(r.mention_primary_owner or r.mention_backup_owner for r in routes):
        ids |= {i for s in stores for i in batch.stores[s].owners}
    perms = {r.mention_permission for r in routes if r.mention_permission}
    holders = mentions.permission_holders(store_ids=stores, perms=perms, now=batch.now)
    ids |= set().union(*holders.values()) if holders else set()
    events = [e for e, rs in matched if any(r.mention_assignee for r in rs)]
    assignees = _assignees(events, dispatched=batch.dispatched) if events else {}
    ids |= set(assignees.values())
    ids |= {i for e in events for i in _assigned(e, {})}
    return _Mentions(holders, assignees, mentions.people_by_id(ids))


def _delivery_rows(batch: _Batch, matched: list[tuple[Event, list[Route]]]) -> list[list]:
    templates = _templates()
    labels = status_labels()
    who = _mention_data(batch, matched)
    rows: list[list[Any]] = []
    for event, routes in matched:
        store = batch.stores.get(event.store_id) if event.store_id else None
        compiled = templates.get(event.kind) or compile_template(event.kind, "{store}")
        person = who.people.get(who.assignees.get(event.pk, 0))
        values = event_values(
            event.kind,
            event.payload or {},
            store.facts if store is not None else None,
            occurred_at=event.occurred_at,
            labels=labels,
            person=person.name if person is not None else "",
            default_tz=batch.default_tz,
            names=compiled.names,
        )
        content = compiled.render(values)
        by_robot: dict[int, list[Route]] = {}
        for route in routes:
            by_robot.setdefault(route.robot_id, []).append(route)
        for robot_id, same in by_robot.items():
            userids, mobiles = who.resolve(same, event, store)
            text = content + ("\n" + mentions.markdown_mentions(userids) if compiled.msgtype == "markdown" else "")
            ends = [batch.quiet(r, event.store_id) for r in same]
            held = all(ends)
            state = DeliveryState.HELD if held else DeliveryState.PENDING
            due = max(e for e in ends if e is not None) if held else None
            row: list[Any] = [event.pk, robot_id, same[0].pk, event.store_id, event.kind, state, compiled.msgtype]
            rows.append([*row, text.rstrip(), userids, mobiles, due.isoformat() if due else None])
    return rows


_COLUMNS = (
    "event_id",
    "robot_id",
    "route_id",
    "store_id",
    "event_kind",
    "state",
    "msgtype",
    "content",
    "mentioned_userids",
    "mentioned_mobiles",
    "next_attempt_at",
    "attempts",
    "last_error",
    "created_at",
)


def _insert(rows: list[list], now: datetime) -> int:
    """Write the deliveries in one statement; the number actually written (a pair already there is skipped)."""
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        objs = [Delivery(**dict(zip(_COLUMNS[:11], r, strict=True)), attempts=0, last_error="") for r in rows]
        return len(Delivery.objects.bulk_create(objs, ignore_conflicts=True))
    select = (
        "SELECT (d->>0)::bigint, (d->>1)::bigint, (d->>2)::bigint, (d->>3)::bigint, d->>4, d->>5, d->>6, d->>7, "
        "d->8, d->9, (d->>10)::timestamptz, 0, '', %s::timestamptz FROM jsonb_array_elements(%s::jsonb) AS d"
    )
    sql = (
        f"INSERT INTO {Delivery._meta.db_table} ({', '.join(_COLUMNS)}) {select} "
        "ON CONFLICT (event_id, robot_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, json.dumps(rows, ensure_ascii=False, separators=(",", ":"))])
        return cursor.rowcount


INHIBITABLE = ("store.sync_failing", "store.auth_expiring")


def _inhibited(events: Sequence[Event]) -> set[int]:
    """Events that say nothing new while their store's authorization is gone (its sync paused, announced once by
    a store.sync_failing with reason "authorization"): other sync failures and "authorization expiring" of that
    store are processed without a message. One query, only for batches holding such events."""
    candidates = [
        e
        for e in events
        if e.store_id
        and (
            e.kind == "store.auth_expiring"
            or (e.kind == "store.sync_failing" and e.payload.get("reason") != "authorization")
        )
    ]
    if not candidates:
        return set()
    from orders.choices import SyncHealth
    from orders.models import SyncState

    stores = {e.store_id for e in candidates}
    paused = set(
        SyncState.objects.filter(store_id__any_of=stores, health=SyncHealth.PAUSED).values_list("store_id", flat=True)
    )
    return {e.pk for e in candidates if e.store_id in paused}


def fan_out_events(events: Sequence[Event]) -> int:
    """Turn a batch of events into deliveries (one per event × robot) and mark the events processed; the
    number of deliveries written. A fixed number of queries for any batch size (see the module docstring);
    running it again for the same events writes nothing new."""
    events = list(events)
    if not events:
        return 0
    now = timezone.now()
    with transaction.atomic():
        batch = _Batch(events, now)
        # 客服分单 first, whether or not a route announces the work: new orders and cases of round-robin
        # stores go to the next colleague on duty, and a route that mentions the assignee names them.
        batch.dispatched = _dispatch([e for e in events if e.kind in ASSIGNED_KINDS])
        quiet = _inhibited(events)
        matched = [(e, rs) for e in events if e.pk not in quiet and (rs := batch.routes_for(e.store_id, e.kind))]
        written = _insert(_delivery_rows(batch, matched), now) if matched else 0
        Event.objects.filter(pk__any_of={e.pk for e in events}).update(state=EventState.PROCESSED, processed_at=now)
    return written


@dataclass(frozen=True, slots=True)
class Preview:
    """What one route would send for one event (nothing written)."""

    kind: str
    msgtype: str
    content: str
    mentioned: list[str]
    held_until: datetime | None


def route_preview(*, route: Route, kind: str, event: Event | None = None) -> Preview:
    """Render `event` (or, when there is none yet, sample values of `kind`) through this one route as the
    fan-out would — template, mentions, quiet hours — writing nothing and assigning nobody: the "test this
    route" of the route page. A few queries (a page, not the hot path)."""
    now = timezone.now()
    sample = event is None
    event = event or Event(pk=0, kind=kind, store_id=route.store_id, payload={}, occurred_at=now)
    batch = _Batch([event], now, routes=[route])
    if event.store_id and event.store_id not in batch.stores:
        batch.stores = batch._load_stores({event.store_id})
    store = batch.stores.get(event.store_id) if event.store_id else None
    who = _mention_data(batch, [(event, [route])])
    compiled = _templates().get(kind) or compile_template(kind, "{store}")
    if sample:
        values = sample_values(kind) | ({"store": store.facts.name} if store is not None else {})
    else:
        person = who.people.get(who.assignees.get(event.pk, 0))
        values = event_values(
            kind,
            event.payload or {},
            store.facts if store is not None else None,
            occurred_at=event.occurred_at,
            labels=status_labels(),
            person=person.name if person is not None else "",
            default_tz=batch.default_tz,
        )
    userids, mobiles = who.resolve([route], event, store)
    names = {p.userid or p.mobile: p.name for p in who.people.values()}
    mentioned = [names.get(h, h) for h in [*userids, *mobiles]]
    return Preview(kind, compiled.msgtype, compiled.render(values), mentioned, batch.quiet(route, event.store_id))
