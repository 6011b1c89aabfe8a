"""Who a message @-mentions, resolved for a whole batch of events in a fixed number of queries.

A route may mention the store's primary or backup owner, the holders of one permission on the store (e.g.
after_sales_operate: the people who handle returns there), the order's or case's assignee (for an access
request: the approvers it waits on), or everyone (@all). A person is mentioned by WeCom userid, else by
mobile number, else not at all (the message still goes out).

Holders of a permission are the people who do that work on the store: a live binding of a role that grants it
(on the store, or on all stores), or a live exception grant of it there. Roles that grant everything — super
admin, and the store-admin role that owners carry — do not count: they hold every permission, so mentioning
them with each message would mention the managers on everything (a route mentions owners through its
primary/backup owner options instead).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from rbac.models import ExceptionGrant, RoleBinding
from rbac.permissions import OWNER_ROLE_KEY, role_cache
from staff.choices import StaffStatus
from staff.models import Leave, Staff

ALL = "@all"


@dataclass(frozen=True, slots=True)
class Person:
    """A colleague as a mention: WeCom userid, else mobile."""

    id: int
    name: str
    userid: str
    mobile: str


def people_by_id(ids: Iterable[int]) -> dict[int, Person]:
    """Working staff among `ids`, as mentions (one query; none for no ids)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = Staff.objects.filter(pk__any_of=wanted, is_active=True, status=StaffStatus.ACTIVE).values_list(
        "pk", "name", "wecom_userid", "mobile"
    )
    return {pk: Person(pk, name, userid or "", mobile or "") for pk, name, userid, mobile in rows}


def permission_holders(
    *, store_ids: Iterable[int], perms: Iterable[str], now: datetime
) -> dict[tuple[int, str], set[int]]:
    """{(store id, permission): staff ids holding it there (see the module)} for every store and permission
    asked (at most two queries whatever their number)."""
    stores, codes = {s for s in store_ids if s}, set(filter(None, perms))
    holders: dict[tuple[int, str], set[int]] = defaultdict(set)
    if not stores or not codes:
        return holders
    rmap = role_cache.get()
    everything = set(rmap.super_roles) | {rmap.keys.get(OWNER_ROLE_KEY)}
    roles_for = {code: {r for r in rmap.roles_with(code) if r not in everything} for code in codes}
    all_roles = set().union(*roles_for.values())
    if all_roles:
        bindings = (
            RoleBinding.objects.live(now)
            .filter(role_id__any_of=all_roles)
            .filter(Q(store_id__any_of=stores) | Q(store__isnull=True))
            .values_list("staff_id", "store_id", "role_id")
            .order_by()
        )
        for staff_id, store_id, role_id in bindings:
            for code, roles in roles_for.items():
                if role_id in roles:
                    for sid in [store_id] if store_id else stores:
                        holders[(sid, code)].add(staff_id)
    grants = (
        ExceptionGrant.objects.live(now)
        .filter(store_id__any_of=stores, permission__codename__in=codes)
        .values_list("staff_id", "store_id", "permission__codename")
        .order_by()
    )
    for staff_id, store_id, code in grants:
        holders[(store_id, code)].add(staff_id)
    return holders


def with_cover(stores: QuerySet, day: date | None = None) -> QuerySet:
    """The stores annotated with `covered`: True while the primary owner is on leave on `day` (today by default)
    and the backup owner is not — the backup then takes the primary's mentions (the rule of stores.selectors
    .acting_owners, as a subquery so the fan-out reads it with the stores, no query of its own)."""
    day = day or timezone.localdate()
    on_leave = Leave.objects.filter(starts_on__lte=day, ends_on__gte=day, cancelled_at__isnull=True)
    return stores.annotate(
        covered=Exists(on_leave.filter(staff_id=OuterRef("primary_owner_id")))
        & ~Exists(on_leave.filter(staff_id=OuterRef("backup_owner_id")))
    )


def handles(people: Iterable[Person | None], *, everyone: bool = False) -> tuple[list[str], list[str]]:
    """(userids, mobiles) to mention, each once, in order; "@all" first when everyone is mentioned."""
    userids: list[str] = [ALL] if everyone else []
    mobiles: list[str] = []
    for person in people:
        if person is None:
            continue
        if person.userid:
            if person.userid not in userids:
                userids.append(person.userid)
        elif person.mobile and person.mobile not in mobiles:
            mobiles.append(person.mobile)
    return userids, mobiles


def markdown_mentions(userids: Iterable[str]) -> str:
    """The in-content mentions of a markdown message ("<@userid>"); markdown has no mobile or @all mention."""
    return "".join(f"<@{u}>" for u in userids if u != ALL)
