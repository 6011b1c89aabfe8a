"""员工信息表: the staff sheet. Export: the staff the viewer may see with their roles on the stores the viewer may see.
Import: every row checked first against positions, stores, roles and staff loaded once per file (a fixed number of
queries however many rows, apart from the grant plans, one per role × store set), then applied all or nothing in
one transaction through staff.services (staff_create / staff_update) and rbac.services.bindings_bulk_grant, so the
approval policy applies (high-risk roles become access requests) and nobody grants more than they hold."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from core.permissions import ALL_STORES, permissions_of
from rbac.models import Role, RoleBinding
from rbac.services import bindings_bulk_grant, bindings_bulk_grant_plan
from staff.choices import StaffStatus
from staff.models import Position, Staff, mobile_validator
from staff.selectors import staff_can_create, staff_editable_by, staff_list
from staff.services import staff_create, staff_update
from stores.models import Store

from .common import Checked, Progress, no_progress
from .formats import Column, Sheet, join_list, split_list

COLUMNS = (
    Column("employee_id", "员工ID", ("Employee ID", "EmployeeID", "工号", "ID")),
    Column("name", "姓名", ("Name", "Full name")),
    Column("position", "岗位", ("Position", "Job title")),
    Column("stores", "绑定店铺列表", ("Stores", "绑定店铺", "Bound stores")),
    Column("roles", "权限角色", ("Roles", "Role")),
    Column("mobile", "联系电话", ("Mobile", "Phone", "手机", "手机号")),
    Column("hire_date", "入职日期", ("Hire date", "Joined")),
    Column("last_active", "最近活跃", ("Last active",)),
    Column("status", "状态", ("Status",)),
    Column("notes", "责任店铺备注", ("Notes", "备注", "Duties note")),
    Column("owner_of", "优先处理店 / 备用店", ("优先处理店/备用店", "Primary / backup stores", "Owner of")),
)
EMPLOYEE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d")
BATCH = 100


# ---------------------------------------------------------------------------------------------- export


def columns_for(actor) -> tuple[Column, ...]:
    return COLUMNS


def export(*, viewer, part: str = "") -> tuple[tuple[Column, ...], list[list]]:
    return COLUMNS, export_rows(viewer=viewer)


def export_rows(*, viewer) -> list[list]:
    """One row per person the viewer may see (staff.selectors.staff_list), their live roles and owned stores limited
    to the stores the viewer may see. Four queries however many people."""
    people = list(staff_list(viewer=viewer).order_by("employee_id", "username"))
    stores = {s.pk: s for s in Store.objects.restrict(viewer, "view")}
    ids = [p.pk for p in people]
    bound: dict[int, dict[str, None]] = defaultdict(dict)
    roles: dict[int, dict[str, None]] = defaultdict(dict)
    for b in RoleBinding.objects.live().filter(staff_id__in=ids).select_related("role").order_by("role__name"):
        if b.store_id is None:
            roles[b.staff_id].setdefault(b.role.name, None)
            bound[b.staff_id].setdefault(_("All stores"), None)
        elif b.store_id in stores:
            roles[b.staff_id].setdefault(b.role.name, None)
            bound[b.staff_id].setdefault(stores[b.store_id].name, None)
    owns: dict[int, list[str]] = defaultdict(list)
    for store in sorted(stores.values(), key=lambda s: s.name):
        if store.primary_owner_id:
            owns[store.primary_owner_id].append(_("%(store)s (primary)") % {"store": store.name})
        if store.backup_owner_id:
            owns[store.backup_owner_id].append(_("%(store)s (backup)") % {"store": store.name})
    return [_person_row(p, bound, roles, owns) for p in people]


def _person_row(p: Staff, bound, roles, owns) -> list:
    return [
        p.employee_id or "",
        p.name,
        p.position.name if p.position_id and p.position else "",
        join_list(bound.get(p.pk, {})),
        join_list(roles.get(p.pk, {})),
        p.mobile,
        p.hire_date,
        p.last_active.strftime("%Y-%m-%d %H:%M") if p.last_active else "",
        str(StaffStatus(p.status).label),
        p.notes,
        join_list(owns.get(p.pk, [])),
    ]


def template_rows() -> list[list]:
    return [
        ["E1001", "张三", "客服-初级", "店铺A、店铺B", "客服/售后", "13800001111", "2026-01-15", "", "在职", "", ""]
    ]


# ---------------------------------------------------------------------------------------------- checking


@dataclass
class RowPlan:
    """What one row does: create or update a person (`changes`), grant roles on stores."""

    line: int
    action: str  # create | update | unchanged
    person: Staff
    fields: dict
    changes: dict = field(default_factory=dict)
    grants: list[tuple[Role, Store | None]] = field(default_factory=list)

    def person_fields(self) -> dict:
        return {"employee_id": self.person.employee_id, **self.fields}


@dataclass
class Lookups:
    """Everything a file is checked against, loaded once."""

    positions: dict[str, Position]
    stores_by_name: dict[str, list[Store]]
    stores_by_code: dict[str, Store]
    manageable: object  # ALL_STORES or a set of store ids where the importer manages users
    roles: dict[str, Role]
    existing: dict[str, Staff]  # employee id → a person the importer may see
    taken: set[str]  # employee ids and usernames in use (by anyone)
    statuses: dict[str, str]
    can_create: bool


def _statuses() -> dict[str, str]:
    words: dict[str, str] = {}
    for value, label in StaffStatus.choices:
        words[value.lower()] = value
        for lang in ("en", "zh-hans"):
            with translation.override(lang):
                words[str(label).lower()] = value
    words.update({"在职": StaffStatus.ACTIVE, "休假": StaffStatus.ON_LEAVE, "离职": StaffStatus.OFFBOARDED})
    return words


def load_lookups(*, actor, sheet: Sheet) -> Lookups:
    ids = {r["employee_id"] for r in sheet.rows if r["employee_id"]}
    stores = list(Store.objects.restrict(actor, "view"))
    by_name: dict[str, list[Store]] = defaultdict(list)
    for s in stores:
        by_name[s.name].append(s)
    taken = set(Staff.objects.filter(employee_id__in=ids).values_list("employee_id", flat=True))
    taken |= set(Staff.objects.filter(username__in=ids).values_list("username", flat=True))
    return Lookups(
        positions={p.name: p for p in Position.objects.all()},
        stores_by_name=by_name,
        stores_by_code={s.shop_id: s for s in stores},
        manageable=permissions_of(actor).stores_with("users_manage"),
        roles={r.name: r for r in Role.objects.all()},
        existing={p.employee_id or "": p for p in staff_list(viewer=actor).filter(employee_id__in=ids)},
        taken=taken,
        statuses=_statuses(),
        can_create=staff_can_create(actor=actor),
    )


def _date(text: str) -> date | None:
    text = text.strip().split(" ")[0]
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _store(name: str, lk: Lookups, errs: list[str]) -> Store | None:
    found = lk.stores_by_name.get(name) or ([lk.stores_by_code[name]] if name in lk.stores_by_code else [])
    if not found:
        errs.append(_("store “%(name)s” does not exist or is not visible to you") % {"name": name})
        return None
    if len(found) > 1:
        errs.append(_("several stores are named “%(name)s”; use the store ID") % {"name": name})
        return None
    store = found[0]
    if lk.manageable is not ALL_STORES and store.pk not in lk.manageable:  # type: ignore[operator]
        errs.append(_("you do not manage users in store “%(name)s”") % {"name": name})
        return None
    return store


def _fields(row: dict, lk: Lookups, errs: list[str]) -> dict:
    out: dict = {"name": row["name"].strip(), "mobile": row["mobile"].strip(), "notes": row["notes"].strip()}
    if not out["name"]:
        errs.append(_("the name is missing"))
    position = row["position"].strip()
    out["position"] = lk.positions.get(position) if position else None
    if position and out["position"] is None:
        errs.append(_("position “%(name)s” does not exist") % {"name": position})
    if out["mobile"]:
        try:
            mobile_validator(out["mobile"])
        except ValidationError:
            errs.append(_("phone number “%(value)s” is not valid") % {"value": out["mobile"]})
    out["hire_date"] = None
    if row["hire_date"].strip():
        try:
            out["hire_date"] = _date(row["hire_date"])
        except ValueError:
            errs.append(_("hire date “%(value)s” is not a date like 2026-01-15") % {"value": row["hire_date"]})
    status = row["status"].strip()
    out["status"] = lk.statuses.get(status.lower(), "") if status else StaffStatus.ACTIVE
    if not out["status"]:
        errs.append(_("status “%(value)s” is not one of 在职, 休假") % {"value": status})
    return out


def _check_row(line: int, row: dict, lk: Lookups, seen: set[str], actor) -> tuple[RowPlan | None, list[str]]:
    errs: list[str] = []
    eid = row["employee_id"].strip()
    if not EMPLOYEE_ID.match(eid):
        errs.append(_("employee ID “%(value)s” must be 1–32 letters, digits, or _ . -") % {"value": eid})
    elif eid in seen:
        errs.append(_("employee ID %(value)s appears more than once in the file") % {"value": eid})
    seen.add(eid)
    data = _fields(row, lk, errs)
    stores = [_store(n, lk, errs) for n in split_list(row["stores"])]
    roles = []
    for name in split_list(row["roles"]):
        if name not in lk.roles:
            errs.append(_("role “%(name)s” does not exist") % {"name": name})
        else:
            roles.append(lk.roles[name])
    person = lk.existing.get(eid)
    if person is None and eid in lk.taken:
        errs.append(_("employee ID %(value)s is already used by someone you may not see") % {"value": eid})
    elif person is None and not lk.can_create:
        errs.append(_("only administrators of all stores may add staff"))
    elif person is not None and not staff_editable_by(actor=actor, staff=person):
        errs.append(_("you may not edit %(name)s") % {"name": person})
    if person is None and data.get("status") == StaffStatus.OFFBOARDED:
        errs.append(_("a new person cannot be imported as offboarded"))
    if errs:
        return None, errs
    return _row_plan(line, eid, person, data, roles, [s for s in stores if s is not None]), []


def _row_plan(line, eid, person, data, roles, stores) -> RowPlan:
    if person is None:
        new = Staff(username=eid, employee_id=eid, is_active=True, **data)
        return RowPlan(line, "create", new, data, grants=_pairs(roles, stores))
    changes = {k: v for k, v in data.items() if getattr(person, k) != v}
    if person.status == StaffStatus.OFFBOARDED or data["status"] == StaffStatus.OFFBOARDED:
        changes.pop("status", None)  # offboarding (and return) has its own action
    return RowPlan(line, "update" if changes else "unchanged", person, data, changes, _pairs(roles, stores))


def _pairs(roles: list[Role], stores: list[Store]) -> list[tuple[Role, Store | None]]:
    return [(r, None) for r in roles if r.is_super_admin] + [
        (r, s) for r in roles if not r.is_super_admin for s in stores
    ]


def _grant_groups(plans: list[RowPlan]) -> dict[tuple[Role, tuple], list[RowPlan]]:
    """Rows grouped by (role, the stores it is granted on), so one plan covers each group."""
    stores_of: dict[tuple[int, Role], list] = defaultdict(list)
    for i, plan in enumerate(plans):
        for role, store in plan.grants:
            stores_of[(i, role)].append(store)
    groups: dict[tuple[Role, tuple], list[RowPlan]] = defaultdict(list)
    for (i, role), stores in stores_of.items():
        groups[(role, tuple(stores))].append(plans[i])
    return groups


def check(*, actor, sheet: Sheet) -> Checked:
    """Check every row (nothing written): row errors in the user's language, or the plan and its preview —
    who is created, updated or unchanged, which roles are granted now and which wait for approval."""
    checked = Checked(total=len(sheet.rows))
    lk = load_lookups(actor=actor, sheet=sheet)
    seen: set[str] = set()
    plans: list[RowPlan] = []
    for line, row in zip(sheet.lines, sheet.rows, strict=True):
        plan, errs = _check_row(line, row, lk, seen, actor)
        for message in errs:
            checked.add_error(line, message)
        if plan is not None:
            plans.append(plan)
    outcome = _plan_grants(actor, plans, checked)
    if not checked.errors:
        checked.plan = plans
        checked.preview = [_preview(p, outcome) for p in plans]
    return checked


def _plan_grants(actor, plans: list[RowPlan], checked: Checked) -> dict[int, dict[str, list[str]]]:
    """Ask rbac what each grant would do (granted, a request waiting for approval, held, refused: an error)."""
    outcome: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for (role, stores), rows in _grant_groups(plans).items():
        by_person = {id(r.person): r for r in rows}
        plan = bindings_bulk_grant_plan(actor=actor, role=role, staff=[r.person for r in rows], stores=list(stores))
        for kind, targets in (("grant", plan.grant), ("request", plan.request), ("held", plan.unchanged)):
            for person, store in targets:
                outcome[by_person[id(person)].line][kind].append(_grant_label(role, store))
        for refusal in plan.refused:
            row = by_person[id(refusal.staff)]
            checked.add_error(row.line, f"{_grant_label(role, refusal.store)}: {refusal.message}")
    return outcome


def _grant_label(role: Role, store: Store | None) -> str:
    return f"{role.name} @ {store.name if store is not None else _('All stores')}"


def _preview(plan: RowPlan, outcome) -> dict:
    got = outcome.get(plan.line, {})
    action = plan.action
    if action == "unchanged" and (got.get("grant") or got.get("request")):
        action = "update"
    return {
        "line": plan.line,
        "employee_id": plan.person.employee_id,
        "name": plan.fields["name"],
        "action": action,
        "changes": sorted(plan.changes),
        "grant": got.get("grant", []),
        "request": got.get("request", []),
    }


def summarize(checked: Checked) -> None:
    for row in checked.preview:
        checked.count(row["action"])
        checked.count("grant", len(row["grant"]))
        checked.count("request", len(row["request"]))


# ---------------------------------------------------------------------------------------------- applying


def apply(*, actor, checked: Checked, reason: str, progress: Progress = no_progress) -> dict:
    """Apply a checked file all or nothing (one transaction): people created (no usable password, a new one to be
    set at first sign-in: must_change_password) or updated through staff.services, then the roles granted through
    rbac.services.bindings_bulk_grant per role × store set; any refusal (rights changed since the check) undoes it
    all. Returns what was done (JSON)."""
    if checked.errors:
        raise ValidationError([e["message"] for e in checked.errors])
    plans: list[RowPlan] = checked.plan
    result: dict = {"created": 0, "updated": 0, "unchanged": 0, "granted": 0, "requests": []}
    with transaction.atomic():
        for i, plan in enumerate(plans, start=1):
            _apply_row(actor, plan, reason, result)
            if i % BATCH == 0:
                progress(i)
        created = [p.person.pk for p in plans if p.action == "create"]
        Staff.objects.filter(pk__in=created).update(must_change_password=True)  # one statement for the file
        for (role, stores), rows in _grant_groups(plans).items():
            done = bindings_bulk_grant(
                actor=actor, role=role, staff=[r.person for r in rows], stores=list(stores), reason=reason
            )
            if done.plan.refused:
                raise PermissionDenied(done.plan.refused[0].message)
            result["granted"] += len(done.bindings)
            result["requests"] += [[str(r.staff), _grant_label(role, r.store)] for r in done.requests]
        progress(len(plans))
    return result


def _apply_row(actor, plan: RowPlan, reason: str, result: dict) -> None:
    if plan.action == "create":
        plan.person = staff_create(actor=actor, username=plan.person.username, password=None, **plan.person_fields())
        result["created"] += 1
    elif plan.changes:
        plan.person = staff_update(actor=actor, staff=plan.person, data=plan.changes, reason=reason)
        result["updated"] += 1
    else:
        result["unchanged"] += 1


TEMPLATE_COLUMNS = COLUMNS
