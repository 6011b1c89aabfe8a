"""Offboarding (离职) in one confirmed action: the stores a person owns move to the replacements chosen on the same
page, their open after-sales cases and orders go to each store's acting owner, then rbac's staff_offboard revokes
every binding and exception grant (and their API tokens) and closes the account; their sessions end, their
password stops working, the messages still waiting to be sent no longer @-mention them, and a handover checklist
lists what is left to do by hand (platform sub-accounts, robot keys, data). One transaction; the WeCom member is
disabled after it commits, and a WeCom failure becomes a handover item done by hand.

Every step writes its own audit events, all under one request id, and `staff.hand_over` names the counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record, record_many
from core.permissions import ALL_STORES, ANY, PermissionSet
from notifications.models import Delivery, DeliveryState, Robot
from orders.assignment import OPEN_CASE_STATUSES, OPEN_ORDER_STATUSES
from orders.models import AfterSalesCase, Order
from rbac.permissions import load_permissions
from rbac.services import OffboardResult, staff_offboard
from staff.models import ApiToken, Staff
from stores.choices import Platform, StoreStatus
from stores.models import Store
from stores.selectors import acting_owners
from stores.services import store_update

from ..models import Checklist, ChecklistKind
from .common import WECOM_SECTION, Item, WeComResult, checklist_make, one_story, wecom_call, wecom_item_settle

UNSENT = (DeliveryState.PENDING, DeliveryState.HELD, DeliveryState.RETRYING)


@dataclass
class OwnedStore:
    """A store the leaving person owns, with the owners proposed to replace them: the backup moves up when the
    primary leaves (a new backup must be chosen); the primary stays when the backup leaves."""

    store: Store
    was_primary: bool
    primary_id: int | None
    backup_id: int | None


def owned_stores(*, staff) -> list[OwnedStore]:
    """The stores `staff` owns (primary or backup), by name, with the proposed replacements (one query)."""
    stores = Store.objects.filter(Q(primary_owner=staff) | Q(backup_owner=staff)).select_related(
        "primary_owner", "backup_owner"
    )
    owned = []
    for store in stores.order_by("name", "pk"):
        if store.primary_owner_id == staff.pk:
            owned.append(OwnedStore(store, True, store.backup_owner_id, None))
        else:
            owned.append(OwnedStore(store, False, store.primary_owner_id, None))
    return owned


@dataclass
class Offboarded:
    """What one offboarding did."""

    rbac: OffboardResult
    stores_moved: int = 0
    cases: int = 0
    orders: int = 0
    sessions: int = 0
    tokens: int = 0
    mentions: int = 0
    checklist: Checklist | None = None
    wecom: WeComResult | None = None
    request_id: str = ""
    reassigned_to: dict[int, int | None] = field(default_factory=dict)


def _pk(value) -> int | None:
    return getattr(value, "pk", value) or None


def check_replacements(*, staff, owned: list[OwnedStore], replacements: Mapping[int, tuple]) -> dict[int, tuple]:
    """{store id → (primary id, backup id)} for every owned store, or a ValidationError naming each store whose
    choice is missing or impossible (the leaver again, the same person twice)."""
    errors, chosen = [], {}
    for o in owned:
        primary, backup = (_pk(v) for v in replacements.get(o.store.pk, (None, None)))
        name = o.store.name
        if not primary or not backup:
            errors.append(_("%(store)s: choose both a primary and a backup owner.") % {"store": name})
        elif staff.pk in (primary, backup):
            errors.append(_("%(store)s: %(name)s is leaving; choose someone else.") % {"store": name, "name": staff})
        elif primary == backup:
            errors.append(
                _("%(store)s: the backup owner must be a different person from the primary owner.") % {"store": name}
            )
        else:
            chosen[o.store.pk] = (primary, backup)
    if errors:
        raise ValidationError(errors)
    return chosen


def staff_offboard_all(*, actor, staff, reason: str, replacements: Mapping[int, tuple] | None = None) -> Offboarded:
    """Offboard `staff` completely in one transaction (see the module): `replacements` names {store id →
    (new primary, new backup)} (staff or ids) for every store they own. Refused as a whole — nothing changes —
    when a replacement is missing or not allowed, or rbac refuses the offboarding (oneself, the last super
    admin, rights the actor may not revoke)."""
    with one_story() as request_id:
        with transaction.atomic():
            done = _offboard(actor=actor, staff=staff, reason=reason, replacements=replacements or {})
        done.request_id = request_id
        done.wecom = wecom_call("disable_member", staff, actor=actor)
        assert done.checklist is not None
        wecom_item_settle(
            checklist=done.checklist,
            outcome=done.wecom,
            actor=actor,
            done_title=_("WeCom member %(name)s disabled by the console") % {"name": staff},
        )
    return done


def _offboard(*, actor, staff, reason: str, replacements: Mapping[int, tuple]) -> Offboarded:
    person = Staff.objects.select_for_update().get(pk=staff.pk)
    had = load_permissions(person)
    owned = owned_stores(staff=person)
    chosen = check_replacements(staff=person, owned=owned, replacements=replacements)
    _move_stores(actor, owned, chosen, reason)
    tokens = ApiToken.objects.filter(user=person, revoked_at__isnull=True).count()
    reassigned = _reassign_work(person, reason)
    handover = _handover_items(person, had)
    result = staff_offboard(actor=actor, staff=person, reason=reason)
    person.set_unusable_password()
    person.save(update_fields=["password"])
    done = Offboarded(rbac=result, stores_moved=len(owned), tokens=tokens, reassigned_to=reassigned.targets)
    done.cases, done.orders = reassigned.cases, reassigned.orders
    done.sessions = _end_sessions(person, reason)
    done.mentions = _drop_mentions(person, reason)
    handover = reassigned.items + handover
    done.checklist = checklist_make(
        kind=ChecklistKind.OFFBOARDING,
        title=_("Offboarding handover: %(name)s") % {"name": person},
        subject=person,
        assignee=actor,
        actor=actor,
        items=handover,
    )
    record(
        "staff.hand_over",
        target=person,
        reason=reason,
        after={
            "stores_moved": {str(s): list(pair) for s, pair in chosen.items()},
            "bindings_revoked": result.bindings,
            "exception_grants_revoked": result.exception_grants,
            "requests_cancelled": result.requests,
            "cases_reassigned": done.cases,
            "orders_reassigned": done.orders,
            "sessions_ended": done.sessions,
            "api_tokens_revoked": tokens,
            "mentions_removed": done.mentions,
            "sign_in": "disabled",
            "handover_checklist": done.checklist.pk,
        },
    )
    staff.refresh_from_db()
    return done


def _move_stores(actor, owned: list[OwnedStore], chosen: dict[int, tuple], reason: str) -> None:
    for o in owned:
        primary, backup = chosen[o.store.pk]
        try:
            store_update(
                actor=actor,
                store=o.store,
                data={"primary_owner": Staff(pk=primary), "backup_owner": Staff(pk=backup)},
                reason=reason,
            )
        except ValidationError as exc:
            raise ValidationError([f"{o.store.name}: {m}" for m in exc.messages]) from exc


@dataclass
class _Reassigned:
    cases: int = 0
    orders: int = 0
    targets: dict[int, int | None] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)


def _reassign_work(person, reason: str) -> _Reassigned:
    """Open after-sales cases and orders to ship that `person` holds go to their store's acting owner (after the
    stores moved), in bulk, audited case.hand_over / order.hand_over; one handover item per store says to whom."""
    out = _Reassigned()
    now = timezone.now()
    open_work: list[tuple[Any, str, tuple, str]] = [
        (AfterSalesCase, "case", OPEN_CASE_STATUSES, "case_id"),
        (Order, "order", OPEN_ORDER_STATUSES, "order_id"),
    ]
    found: dict[Any, list[Any]] = {
        model: list(
            model.objects.select_for_update(of=("self",)).filter(
                assignee=person, status__in=statuses, handled_at__isnull=True
            )
        )
        for model, _n, statuses, _k in open_work
    }
    store_ids = {i.store_id for rows in found.values() for i in rows}
    stores = list(Store.objects.filter(pk__in=store_ids).only("pk", "name", "primary_owner", "backup_owner"))
    out.targets = acting_owners(stores)
    names = dict(Staff.objects.filter(pk__in=[t for t in out.targets.values() if t]).values_list("pk", "name"))
    by_store = {s.pk: s for s in stores}
    for model, noun, _s, key in open_work:
        rows = found[model]
        audits = []
        for item in rows:
            before = item.assignee_id
            item.assignee_id, item.assigned_at = out.targets.get(item.store_id), now
            audits.append(
                {
                    "target": item,
                    "store": item.store_id,
                    "before": {"assignee": before},
                    "after": {"assignee": item.assignee_id},
                    "reason": reason,
                }
            )
        if rows:
            model.objects.bulk_update(rows, ["assignee", "assigned_at"])
            record_many(f"{noun}.hand_over", audits)
        for store_id in sorted({i.store_id for i in rows}):
            mine = [getattr(i, key) for i in rows if i.store_id == store_id]
            to = out.targets.get(store_id)
            out.items.append(_work_item(noun, by_store[store_id], mine, to, names.get(to or 0, "")))
    out.cases, out.orders = len(found[AfterSalesCase]), len(found[Order])
    return out


def _work_item(noun: str, store: Store, keys: list[str], to: int | None, to_name: str) -> Item:
    what = _("after-sales cases") if noun == "case" else _("orders to ship")
    if to:
        title = _("%(count)d open %(what)s of %(store)s handed to %(name)s") % {
            "count": len(keys),
            "what": what,
            "store": store.name,
            "name": to_name,
        }
    else:
        title = _("%(count)d open %(what)s of %(store)s have nobody: assign them by hand") % {
            "count": len(keys),
            "what": what,
            "store": store.name,
        }
    return Item(
        title=title,
        section=_("Open work"),
        store_id=store.pk,
        data={"kind": noun, "ids": keys[:200], "count": len(keys), "to": to, "to_name": to_name},
        automatic=bool(to),
        done=bool(to),
    )


def _stores_of(had: PermissionSet, perm: str, *, with_company: bool = False) -> tuple[list[Store], bool]:
    """The live stores where the rights `had` held `perm`, and whether they held it on every store."""
    where = had.stores_with(perm)
    stores = Store.objects.exclude(status=StoreStatus.ARCHIVED)
    if where is not ALL_STORES:
        stores = stores.filter(pk__in=list(where))
    return list(stores.order_by("name", "pk")), where is ALL_STORES


def _handover_items(person, had: PermissionSet) -> list[Item]:
    """What the console cannot do itself: platform sub-accounts per store they worked in, robot keys they could
    see, WeCom (settled after commit), their data."""
    items: list[Item] = []
    worked, _everywhere = _stores_of(had, ANY)
    for store in worked:
        items.append(_platform_item(person, store))
    settings_stores, everywhere = _stores_of(had, "settings_view")
    robots = Robot.objects.filter(store__in=settings_stores)
    if everywhere:
        robots = Robot.objects.filter(Q(store__in=settings_stores) | Q(store__isnull=True))
    for robot in robots.select_related("store").order_by("name"):
        items.append(
            Item(
                title=_("Rotate the webhook key of robot %(robot)s (they could see it)") % {"robot": robot.name},
                section=_("Robot keys"),
                store_id=robot.store_id,
                data={"robot": robot.pk, "name": robot.name},
            )
        )
    items.append(
        Item(
            title=_("Disable the WeCom member %(name)s") % {"name": person},
            section=WECOM_SECTION,
            data={"userid": person.wecom_userid, "mobile": person.mobile},
            automatic=True,
        )
    )
    items += [
        Item(title=_("Export the reports, spreadsheets and notes they kept"), section=_("Data")),
        Item(title=_("Hand over their buyer chats and shared mailboxes"), section=_("Data")),
    ]
    return items


def _platform_item(person, store: Store) -> Item:
    if store.platform == Platform.OZON:
        title = _("Ozon %(store)s: remove %(name)s under Настройки → Сотрудники") % {
            "store": store.name,
            "name": person,
        }
    else:
        title = _("Shopee %(store)s: disable the sub-account of %(name)s on the Sub-account platform (成员)") % {
            "store": store.name,
            "name": person,
        }
    return Item(
        title=title,
        section=_("Platform accounts"),
        store_id=store.pk,
        data={"platform": store.platform, "shop_id": store.shop_id, "store": store.name},
    )


def _end_sessions(person, reason: str) -> int:
    """Delete every signed-in session of `person` (database sessions: the live ones are read and decoded, one
    query, one delete). Audited auth.logout with the count."""
    engine = import_module(settings.SESSION_ENGINE)
    store_class = engine.SessionStore
    model = store_class.get_model_class() if hasattr(store_class, "get_model_class") else None
    if model is None:
        return 0
    decoder = store_class()
    mine = [
        key
        for key, data in model.objects.filter(expire_date__gt=timezone.now()).values_list("session_key", "session_data")
        if str(decoder.decode(data).get("_auth_user_id")) == str(person.pk)
    ]
    if mine:
        model.objects.filter(session_key__in=mine).delete()
        record("auth.logout", target=person, after={"sessions_ended": len(mine)}, reason=reason)
    return len(mine)


def _drop_mentions(person, reason: str) -> int:
    """Messages not sent yet stop @-mentioning `person` (their WeCom userid and mobile leave the mention lists);
    one delivery.update per message changed. Routes name roles and owners, never people, so later messages
    leave them out already (an offboarded person is nobody's owner and holds nothing)."""
    handles = [h for h in (person.wecom_userid, person.mobile) if h]
    if not handles:
        return 0
    match = Q()
    for handle in handles:
        match |= Q(mentioned_userids__contains=[handle]) | Q(mentioned_mobiles__contains=[handle])
    rows = list(Delivery.objects.select_for_update(of=("self",)).filter(state__in=UNSENT).filter(match))
    audits = []
    for d in rows:
        before = {"mentioned_userids": list(d.mentioned_userids), "mentioned_mobiles": list(d.mentioned_mobiles)}
        d.mentioned_userids = [u for u in d.mentioned_userids if u not in handles]
        d.mentioned_mobiles = [m for m in d.mentioned_mobiles if m not in handles]
        audits.append(
            {
                "target": d,
                "store": d.store_id,
                "before": before,
                "after": {"mentioned_userids": d.mentioned_userids, "mentioned_mobiles": d.mentioned_mobiles},
                "reason": reason,
            }
        )
    if rows:
        Delivery.objects.bulk_update(rows, ["mentioned_userids", "mentioned_mobiles"])
        record_many("delivery.update", audits)
    return len(rows)
