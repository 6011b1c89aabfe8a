"""店铺分工表: the store duties sheet. Export: the stores the viewer may see with owners, duties, emergency contact
and the people bound there (those the viewer may see). Import: owners, duties and emergency contact of stores the
importer may change, checked row by row against stores and people loaded once, applied all or nothing through
stores.services.store_update (which checks the importer may name owners, so nobody escalates)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from rbac.models import RoleBinding
from staff.models import Staff
from staff.selectors import staff_list
from stores.models import Store
from stores.selectors import active_owner_choices
from stores.services import store_update

from .common import Checked, Progress, no_progress
from .formats import Column, Sheet, join_list

COLUMNS = (
    Column("shop_id", "店铺ID", ("Store ID", "Shop ID", "shop_id")),
    Column("name", "店铺名称", ("Store name", "Store", "Name")),
    Column("primary_owner", "主负责人", ("Primary owner", "Owner")),
    Column("backup_owner", "备份负责人", ("Backup owner", "Backup")),
    Column("duties_note", "职责", ("Duties", "Duties note")),
    Column("emergency_contact", "紧急联系人", ("Emergency contact",)),
    Column("people", "关联员工", ("People", "Staff")),
)
EDITABLE = ("primary_owner", "backup_owner", "duties_note", "emergency_contact")


def columns_for(actor) -> tuple[Column, ...]:
    return COLUMNS


def _person(p: Staff | None) -> str:
    return (p.employee_id or p.name) if p is not None else ""


def export(*, viewer, part: str = "") -> tuple[tuple[Column, ...], list[list]]:
    """The visible stores with their owners (by employee ID), duties, emergency contact and bound people the
    viewer may see. Four queries however many stores."""
    stores = list(
        Store.objects.restrict(viewer, "view").select_related("primary_owner", "backup_owner").order_by("name", "pk")
    )
    visible = set(staff_list(viewer=viewer).values_list("pk", flat=True))
    people: dict[int, dict[str, None]] = defaultdict(dict)
    bindings = RoleBinding.objects.live().filter(store_id__in=[s.pk for s in stores], staff_id__in=visible)
    for b in bindings.select_related("staff").order_by("staff__employee_id"):
        people[b.store_id].setdefault(str(b.staff), None)
    rows = [
        [
            s.shop_id,
            s.name,
            _person(s.primary_owner),
            _person(s.backup_owner),
            s.duties_note,
            s.emergency_contact,
            join_list(people.get(s.pk, {})),
        ]
        for s in stores
    ]
    return COLUMNS, rows


def template_rows() -> list[list]:
    return [["100001", "店铺A", "E1001", "E1002", "上架、订单、售后", "张三 13800001111", ""]]


@dataclass
class StorePlan:
    line: int
    store: Store
    changes: dict


def check(*, actor, sheet: Sheet) -> Checked:
    """Each row names a store the importer may change (by store ID, else name) and owners among the active staff
    they may name (by employee ID or name); primary and backup must differ. Nothing is written."""
    checked = Checked(total=len(sheet.rows))
    stores = list(Store.objects.restrict(actor, "change"))
    by_code = {s.shop_id: s for s in stores}
    by_name: dict[str, list[Store]] = defaultdict(list)
    for s in stores:
        by_name[s.name].append(s)
    people: dict[str, Staff] = {}
    for p in active_owner_choices(viewer=actor):
        people.setdefault(p.name, p)
        if p.employee_id:
            people[p.employee_id] = p
    seen: set[int] = set()
    for line, row in zip(sheet.lines, sheet.rows, strict=True):
        errs: list[str] = []
        store = by_code.get(row["shop_id"]) or (
            by_name[row["name"]][0] if len(by_name.get(row["name"], [])) == 1 else None
        )
        if store is None:
            errs.append(
                _("store “%(name)s” does not exist or you may not change it") % {"name": row["shop_id"] or row["name"]}
            )
        elif store.pk in seen:
            errs.append(_("store “%(name)s” appears more than once in the file") % {"name": store.name})
        else:
            seen.add(store.pk)
        data = _data(row, people, errs)
        if data.get("primary_owner") and data.get("primary_owner") == data.get("backup_owner"):
            errs.append(_("the primary and the backup owner must be two different people"))
        for message in errs:
            checked.add_error(line, message)
        if not errs and store is not None:
            changes = {k: v for k, v in data.items() if getattr(store, k) != v}
            checked.plan.append(StorePlan(line, store, changes))
    if checked.errors:
        checked.plan = []
    checked.preview = [_preview(p) for p in checked.plan]
    return checked


def _data(row: dict, people: dict[str, Staff], errs: list[str]) -> dict:
    data: dict = {"duties_note": row["duties_note"].strip(), "emergency_contact": row["emergency_contact"].strip()}
    for field in ("primary_owner", "backup_owner"):
        name = row[field].strip()
        data[field] = people.get(name) if name else None
        if name and data[field] is None:
            errs.append(_("“%(name)s” is not an active staff member you may name as owner") % {"name": name})
    if data["primary_owner"] is None and not errs:
        errs.append(_("the primary owner is missing"))
    return data


def _preview(plan: StorePlan) -> dict:
    return {
        "line": plan.line,
        "name": plan.store.name,
        "action": "update" if plan.changes else "unchanged",
        "changes": sorted(plan.changes),
    }


def summarize(checked: Checked) -> None:
    for row in checked.preview:
        checked.count(row["action"])


def apply(*, actor, checked: Checked, reason: str, progress: Progress = no_progress) -> dict:
    """Apply every changed row through stores.services.store_update in one transaction (all or nothing)."""
    result = {"updated": 0, "unchanged": 0}
    with transaction.atomic():
        for i, plan in enumerate(checked.plan, start=1):
            if plan.changes:
                store_update(actor=actor, store=plan.store, data=plan.changes, reason=reason)
                result["updated"] += 1
            else:
                result["unchanged"] += 1
            if i % 100 == 0:
                progress(i)
    return result


TEMPLATE_COLUMNS = COLUMNS
