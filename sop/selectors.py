"""Reads of checklists: who sees and who ticks one, the facts the console judges for a store, my checklists of
today, a store's history and completion rates. Every list reads a constant number of queries however many rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from audit.models import AuditEvent
from core.gates import dangerously_unscoped
from core.permissions import ALL_STORES, ANY, permissions_of
from orders.assignment import OPEN_CASE_STATUSES, OPEN_ORDER_STATUSES
from orders.choices import StockState
from orders.models import AfterSalesCase, Order, StockLevel
from stores.models import Store

from . import defaults
from .models import Checklist, ChecklistItem, ChecklistKind, ChecklistTemplate

FACT_ROWS = 5  # rows of detail kept per fact (the count says how many there are)
# Audit actions that change who may do what on a store (rbac: bindings, exception grants, requests; store owners).
PERMISSION_ACTIONS = ("binding.", "exception.", "access_request.", "store.owner", "staff.offboard")


# ------------------------------------------------------------------------------------------------ rights
def template_can_manage(*, viewer) -> bool:
    """Templates belong to no store: changed by super admins and people who manage the settings of every store."""
    return permissions_of(viewer).stores_with("settings_manage") is ALL_STORES


def checklist_visible(*, viewer) -> QuerySet[Checklist]:
    """The checklists `viewer` may read: those assigned to them or about them, those of the stores where they hold
    any permission, and (for people who manage users on every store, and super admins) those of no store."""
    perms = permissions_of(viewer)
    qs = Checklist.objects.all()
    stores = perms.stores_with(ANY)
    if stores is not ALL_STORES:
        rule = Q(assignee=viewer) | Q(subject=viewer) | Q(store_id__in=list(stores))
        if perms.stores_with("users_manage") is ALL_STORES:
            rule |= Q(store__isnull=True)
        qs = qs.filter(rule)
    return dangerously_unscoped(qs, reason="narrowed above: assignee, subject, the viewer's stores")


def checklist_may_tick(*, viewer, checklist: Checklist) -> bool:
    """The assignee, the store's primary and backup owners, and super admins tick a checklist's items."""
    if viewer is None or not viewer.is_authenticated:
        return False
    if checklist.assignee_id == viewer.pk or permissions_of(viewer).super_admin:
        return True
    store = checklist.store
    return store is not None and viewer.pk in (store.primary_owner_id, store.backup_owner_id)


def template_default(*, kind: str) -> ChecklistTemplate | None:
    return ChecklistTemplate.objects.filter(kind=kind, is_default=True).first()


# ------------------------------------------------------------------------------------------------ facts
def _rows_per_store(queryset: QuerySet, order: list, fields: tuple[str, ...]) -> dict[int, list[dict]]:
    """The first FACT_ROWS rows of each store (one query, a window function)."""
    ranked = queryset.annotate(rank=Window(RowNumber(), partition_by=[F("store_id")], order_by=order))
    result: dict[int, list[dict]] = defaultdict(list)
    for row in ranked.filter(rank__lte=FACT_ROWS).values("store_id", *fields):
        result[row.pop("store_id")].append(row)
    return result


def _counts(queryset: QuerySet) -> dict[int, int]:
    return dict(queryset.values("store_id").annotate(n=Count("pk")).values_list("store_id", "n"))


def _fact(count: int, rows: list[dict], now: datetime) -> dict:
    return {"count": count, "rows": rows, "checked_at": now.isoformat()}


def _stamp(value: datetime | None, tz) -> str:
    return timezone.localtime(value, tz).strftime("%m-%d %H:%M") if value else ""


def store_facts(*, stores: list[Store], day_starts: dict[int, datetime], now: datetime) -> dict[int, dict[str, dict]]:
    """{store id: {fact code: {"count", "rows", "checked_at"}}} for the facts of sop.defaults.FACTS: SKUs at or below
    their low-stock threshold, open after-sales cases past their due time, orders to ship past their ship-by time,
    and permission changes on the store since the start of its day (`day_starts`). Eight queries for any number of
    stores."""
    ids = [s.pk for s in stores]
    tz = {s.pk: s.tzinfo for s in stores}
    low = StockLevel.objects.filter(store_id__in=ids, state__in=[StockState.LOW, StockState.OUT])
    cases = AfterSalesCase.objects.filter(
        store_id__in=ids, status__in=OPEN_CASE_STATUSES, handled_at__isnull=True, due_at__lt=now
    )
    late = Order.objects.filter(store_id__in=ids, status__in=OPEN_ORDER_STATUSES, ship_by__lt=now)
    starts = list(day_starts.values())
    prefixes = Q()
    for prefix in PERMISSION_ACTIONS:
        prefixes |= Q(action__startswith=prefix)
    changes = list(
        AuditEvent.objects.filter(prefixes, store_id__in=ids, created_at__gte=min(starts, default=now))
        .order_by("-id")
        .values("store_id", "action", "actor_display", "target_label", "created_at")[:2000]
    )
    low_rows = _rows_per_store(low, [F("quantity").asc(), F("sku").asc()], ("sku", "name", "quantity"))
    case_rows = _rows_per_store(cases, [F("due_at").asc(), F("pk").asc()], ("case_id", "due_at"))
    late_rows = _rows_per_store(late, [F("ship_by").asc(), F("pk").asc()], ("order_id", "ship_by"))
    low_n, case_n, late_n = _counts(low), _counts(cases), _counts(late)
    facts: dict[int, dict[str, dict]] = {}
    for sid in ids:
        mine = [c for c in changes if c["store_id"] == sid and c["created_at"] >= day_starts.get(sid, now)]
        facts[sid] = {
            defaults.FACT_LOW_STOCK: _fact(
                low_n.get(sid, 0),
                [{"ref": r["sku"], "text": f"{r['name'][:40]} · {r['quantity']}"} for r in low_rows.get(sid, [])],
                now,
            ),
            defaults.FACT_OVERDUE_CASES: _fact(
                case_n.get(sid, 0),
                [{"ref": r["case_id"], "text": _stamp(r["due_at"], tz[sid])} for r in case_rows.get(sid, [])],
                now,
            ),
            defaults.FACT_LATE_SHIPMENTS: _fact(
                late_n.get(sid, 0),
                [{"ref": r["order_id"], "text": _stamp(r["ship_by"], tz[sid])} for r in late_rows.get(sid, [])],
                now,
            ),
            defaults.FACT_PERMISSION_CHANGES: _fact(
                len(mine),
                [
                    {"ref": c["action"], "text": f"{c['actor_display']} · {c['target_label'][:60]}"}
                    for c in mine[:FACT_ROWS]
                ],
                now,
            ),
        }
    return facts


def checklist_current_facts(*, checklist: Checklist, now: datetime | None = None) -> dict[str, dict]:
    """What the console finds now for an open store checklist's facts ({fact code: facts}), to show instead of what
    it found when the checklist was made; nothing for a completed checklist (its facts stay as they were ticked)."""
    if checklist.completed_at is not None or checklist.store is None:
        return {}
    now = now or timezone.now()
    store = checklist.store
    day = checklist.for_date or timezone.localdate(now, store.tzinfo)
    return store_facts(stores=[store], day_starts={store.pk: local_day_start(store, day)}, now=now)[store.pk]


def local_day_start(store: Store, day: date) -> datetime:
    """The first moment of `day` in the store's time zone."""
    return datetime.combine(day, time.min, tzinfo=store.tzinfo)


# ------------------------------------------------------------------------------------------------ pages
def checklist_detail(*, viewer, pk: int) -> Checklist:
    """One checklist the viewer may read (Checklist.DoesNotExist otherwise), with its store, people and items."""
    return (
        checklist_visible(viewer=viewer)
        .select_related("store", "assignee", "subject", "completed_by", "template")
        .prefetch_related(_items_prefetch())
        .get(pk=pk)
    )


def _items_prefetch():
    from django.db.models import Prefetch

    return Prefetch(
        "items", queryset=ChecklistItem.objects.select_related("done_by", "store").order_by("position", "pk")
    )


def item_for_tick(*, viewer, pk: int) -> ChecklistItem:
    """A checklist item of a checklist the viewer may read (ChecklistItem.DoesNotExist otherwise)."""
    visible = checklist_visible(viewer=viewer).values("pk")
    return ChecklistItem.objects.select_related("checklist__store").get(pk=pk, checklist_id__in=visible)


def with_progress(queryset: QuerySet[Checklist]) -> QuerySet[Checklist]:
    """Each checklist with `item_count` and `done_count` (one query with the list)."""
    return queryset.annotate(
        item_count=Count("items", distinct=True),
        done_count=Count("items", filter=Q(items__done_at__isnull=False), distinct=True),
    )


def checklist_list(*, viewer, store_id: int | None = None, kind: str = "", mine: bool = False) -> QuerySet[Checklist]:
    """The checklists the viewer may read, newest first, with progress; narrowed to a store, a kind, or theirs."""
    qs = checklist_visible(viewer=viewer)
    if store_id:
        qs = qs.filter(store_id=store_id)
    if kind:
        qs = qs.filter(kind=kind)
    if mine:
        qs = qs.filter(assignee=viewer)
    qs = qs.select_related("store", "assignee", "completed_by", "subject")
    return with_progress(qs).order_by("-for_date", "-created_at", "-pk")


def checklists_today(*, viewer, now: datetime | None = None, limit: int = 20) -> list[Checklist]:
    """我的职责: the checklists assigned to `viewer` for today — each store's daily check of its local today — and
    their other checklists still open. Two queries."""
    now = now or timezone.now()
    server_today = timezone.localdate(now)
    qs = with_progress(
        Checklist.objects.filter(assignee=viewer)
        .filter(
            Q(kind=ChecklistKind.DAILY, for_date__gte=server_today - timedelta(days=1))
            | (~Q(kind=ChecklistKind.DAILY) & Q(completed_at__isnull=True))
        )
        .select_related("store")
        .order_by("due_at", "pk")
    )
    result = []
    for checklist in qs[: limit * 3]:
        if checklist.kind == ChecklistKind.DAILY and checklist.store is not None:
            if checklist.for_date != timezone.localdate(now, checklist.store.tzinfo):
                continue
        result.append(checklist)
    return result[:limit]


@dataclass
class Rate:
    """Completion of checklists over a period for one store or one person."""

    key: Any
    label: str
    total: int = 0
    completed: int = 0
    on_time: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.total) if self.total else 0

    @property
    def on_time_percent(self) -> int:
        return round(100 * self.on_time / self.total) if self.total else 0


@dataclass
class Rates:
    stores: list[Rate] = field(default_factory=list)
    people: list[Rate] = field(default_factory=list)


def report_stores(*, viewer) -> Any:
    """The stores whose checklist rates the viewer may read: where they hold reports_view."""
    stores = permissions_of(viewer).stores_with("reports_view")
    return stores


def completion_rates(*, viewer, start: date, end: date, kind: str = ChecklistKind.DAILY) -> Rates:
    """Completion rates of the checklists of `kind` dated `start`..`end` in the stores where the viewer holds
    reports_view: per store and per assignee, each with how many were completed and how many by their due time.
    Two queries whatever the number of stores, people or checklists."""
    qs = Checklist.objects.filter(kind=kind, for_date__gte=start, for_date__lte=end)
    stores = report_stores(viewer=viewer)
    if stores is not ALL_STORES:
        qs = qs.filter(store_id__in=list(stores))
    done = Q(completed_at__isnull=False)
    on_time = done & (Q(due_at__isnull=True) | Q(completed_at__lte=F("due_at")))
    aggregates = {"total": Count("pk"), "completed": Count("pk", filter=done), "on_time": Count("pk", filter=on_time)}
    result = Rates()
    for group, key, label, rows in (
        (result.stores, "store_id", "store__name", qs.values("store_id", "store__name")),
        (result.people, "assignee_id", "assignee__name", qs.values("assignee_id", "assignee__name")),
    ):
        for row in rows.annotate(**aggregates).order_by(label, key):
            found: dict[str, Any] = dict(row)
            group.append(Rate(found[key], found[label] or "-", found["total"], found["completed"], found["on_time"]))
    return result
