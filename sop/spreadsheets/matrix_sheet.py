"""权限矩阵: the permission matrix. Two exports — roles × modules (which actions each role holds, by module of the
catalogue) and people × stores (which roles each person the viewer may see holds on each store the viewer may see)
— and the import of people × stores as grants and revocations through rbac.services (bindings_bulk_grant with its
approval policy, bindings_bulk_revoke), previewed as adds and removes, applied all or nothing. Only the store
columns present in the file are touched; roles held on all stores are shown, never changed here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from rbac.models import Role, RoleBinding
from rbac.services import bindings_bulk_grant, bindings_bulk_grant_plan, bindings_bulk_revoke, bindings_bulk_revoke_plan
from staff.models import Staff
from staff.selectors import staff_list
from stores.catalogue import MODULES, PERMISSIONS
from stores.models import Store

from .common import Checked, Progress, no_progress
from .formats import Column, Sheet, join_list, split_list

PEOPLE = "people"
ROLES = "roles"
HEAD = (Column("employee_id", "员工ID", ("Employee ID", "工号")), Column("name", "姓名", ("Name",)))
ALL_COLUMN = Column("all", "全部店铺", ("All stores",))
TEMPLATE_COLUMNS = (*HEAD, Column("s1", "店铺A"), Column("s2", "店铺B"))


def _stores(viewer) -> list[Store]:
    return list(Store.objects.restrict(viewer, "view").order_by("name", "pk"))


def _store_column(store: Store) -> Column:
    return Column(f"s{store.pk}", store.name, (store.shop_id,))


def columns_for(actor) -> tuple[Column, ...]:
    return (*HEAD, ALL_COLUMN, *(_store_column(s) for s in _stores(actor)))


def template_rows() -> list[list]:
    return [["E1001", "张三", "客服/售后", "客服/售后、上架编辑"]]


# ---------------------------------------------------------------------------------------------- export


def export(*, viewer, part: str = "") -> tuple[tuple[Column, ...], list[list]]:
    return roles_export(viewer=viewer) if part == ROLES else people_export(viewer=viewer)


def roles_export(*, viewer) -> tuple[tuple[Column, ...], list[list]]:
    """One row per role: for each module of the catalogue, the actions the role holds there (all of them for the
    super admin role). Two queries."""
    columns = (Column("role", "角色", ("Role",)), *(Column(m.key, str(m.label)) for m in MODULES))
    labels = {p.codename: (p.module, str(p.label)) for p in PERMISSIONS}
    rows = []
    for role in Role.objects.restrict(viewer, "view").prefetch_related("permissions").order_by("name"):
        codes = set(labels) if role.is_super_admin else {p.codename for p in role.permissions.all()}
        by_module: dict[str, list[str]] = defaultdict(list)
        for p in PERMISSIONS:
            if p.codename in codes:
                by_module[p.module].append(labels[p.codename][1])
        rows.append([role.name, *(join_list(by_module.get(m.key, [])) for m in MODULES)])
    return columns, rows


def _held(people_ids, store_ids) -> dict[tuple[int, int | None], list[RoleBinding]]:
    held: dict[tuple[int, int | None], list[RoleBinding]] = defaultdict(list)
    bindings = RoleBinding.objects.live().filter(staff_id__in=people_ids).select_related("role", "staff", "store")
    for b in bindings.order_by("role__name"):
        if b.store_id is None or b.store_id in store_ids:
            held[(b.staff_id, b.store_id)].append(b)
    return held


def people_export(*, viewer) -> tuple[tuple[Column, ...], list[list]]:
    """One row per person the viewer may see, one column per store the viewer may see: the roles held there."""
    stores = _stores(viewer)
    people = list(staff_list(viewer=viewer).order_by("employee_id", "username"))
    held = _held([p.pk for p in people], {s.pk for s in stores})
    rows = []
    for p in people:
        cells = [
            join_list(b.role.name for b in held.get((p.pk, s.pk if s is not None else None), []))
            for s in [None, *stores]
        ]
        rows.append([p.employee_id or "", p.name, *cells])
    return columns_for(viewer), rows


# ---------------------------------------------------------------------------------------------- import


@dataclass
class MatrixPlan:
    grants: dict[tuple[Role, Store], list[Staff]] = field(default_factory=lambda: defaultdict(list))
    revokes: list[RoleBinding] = field(default_factory=list)


def check(*, actor, sheet: Sheet) -> Checked:
    """Each row a person the importer may see; each present store column the roles wanted there. Adds and removes
    are asked of rbac (refusals are row errors; high-risk adds and administrators' removals wait for approval)."""
    checked = Checked(total=len(sheet.rows))
    stores = {f"s{s.pk}": s for s in _stores(actor) if f"s{s.pk}" in sheet.present}
    ids = [r["employee_id"] for r in sheet.rows]
    people = {p.employee_id: p for p in staff_list(viewer=actor).filter(employee_id__in=ids)}
    roles = {r.name: r for r in Role.objects.all()}
    held = _held([p.pk for p in people.values()], {s.pk for s in stores.values()})
    plan, lines, seen = MatrixPlan(), {}, set()
    preview: dict[int, dict] = {}
    for line, row in zip(sheet.lines, sheet.rows, strict=True):
        person = people.get(row["employee_id"])
        if person is None or person.pk in seen:
            checked.add_error(
                line,
                _("staff member “%(value)s” is unknown, not visible to you or repeated")
                % {"value": row["employee_id"]},
            )
            continue
        seen.add(person.pk)
        lines[person.pk] = line
        preview[line] = {"line": line, "employee_id": person.employee_id, "name": person.name, "add": [], "remove": []}
        for key, store in stores.items():
            _cell(checked, line, row[key], person, store, roles, held.get((person.pk, store.pk), []), plan, preview)
    _ask_rbac(actor, plan, lines, checked, preview)
    if checked.errors:
        return checked
    checked.plan = [plan]
    checked.preview = [p | {"action": "update" if p["add"] or p["remove"] else "unchanged"} for p in preview.values()]
    return checked


def _cell(checked, line, text, person, store, roles, current, plan: MatrixPlan, preview) -> None:
    wanted = []
    for name in split_list(text):
        if name not in roles or roles[name].is_super_admin:
            checked.add_error(line, _("role “%(name)s” does not exist or is not given per store") % {"name": name})
        else:
            wanted.append(roles[name])
    have = {b.role_id for b in current}
    for role in wanted:
        if role.pk not in have:
            plan.grants[(role, store)].append(person)
            preview[line]["add"].append(f"{role.name} @ {store.name}")
    for b in current:
        if b.role_id not in {r.pk for r in wanted}:
            plan.revokes.append(b)
            preview[line]["remove"].append(f"{b.role.name} @ {store.name}")


def _ask_rbac(actor, plan: MatrixPlan, lines: dict[int, int], checked: Checked, preview) -> None:
    for (role, store), people in plan.grants.items():
        grant_plan = bindings_bulk_grant_plan(actor=actor, role=role, staff=people, stores=[store])
        for refusal in grant_plan.refused:
            checked.add_error(lines[refusal.staff.pk], f"{role.name} @ {store.name}: {refusal.message}")
        for person, _store in grant_plan.request:
            preview[lines[person.pk]].setdefault("request", []).append(f"{role.name} @ {store.name}")
    if plan.revokes:
        revoke_plan = bindings_bulk_revoke_plan(actor=actor, bindings=plan.revokes)
        for refusal in revoke_plan.refused:
            b = refusal.binding
            checked.add_error(lines[b.staff_id], f"{b.role.name} @ {b.store.name}: {refusal.message}")


def summarize(checked: Checked) -> None:
    for row in checked.preview:
        checked.count(row["action"])
        checked.count("add", len(row["add"]))
        checked.count("remove", len(row["remove"]))


def apply(*, actor, checked: Checked, reason: str, progress: Progress = no_progress) -> dict:
    """Grant and revoke as planned in one transaction; any refusal (rights changed since the check) undoes it all."""
    plan: MatrixPlan = checked.plan[0]
    result: dict = {"granted": 0, "revoked": 0, "requests": []}
    with transaction.atomic():
        for (role, store), people in plan.grants.items():
            done = bindings_bulk_grant(actor=actor, role=role, staff=people, stores=[store], reason=reason)
            if done.plan.refused:
                raise PermissionDenied(done.plan.refused[0].message)
            result["granted"] += len(done.bindings)
            result["requests"] += [[str(r.staff), f"{role.name} @ {store.name}"] for r in done.requests]
        if plan.revokes:
            revoked = bindings_bulk_revoke(actor=actor, bindings=plan.revokes, reason=reason)
            if revoked.refused:
                raise PermissionDenied(revoked.refused[0].message)
            result["revoked"] = len(revoked.revoke)
            result["requests"] += [
                [str(b.staff), f"− {b.role.name} @ {b.store.name if b.store else ''}"] for b in revoked.needs_approval
            ]
        progress(checked.total)
    return result
