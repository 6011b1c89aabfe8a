"""Onboarding (入职): a colleague created with a first password they must change, the position's default roles granted
on the chosen stores through rbac's grant services (so the approval policy applies: high-risk roles become pending
access requests), their WeCom member created, and an onboarding checklist: the WeCom account, per store the Shopee
sub-account / Ozon employee sheet (sop.platform_sheet), the second factor, training and practice tasks."""

from __future__ import annotations

import secrets
import string
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record
from rbac.models import AccessRequest, PositionRole, Role, RoleBinding
from rbac.permissions import OWNER_ROLE_KEY, role_cache
from rbac.services import GrantPlan, bindings_bulk_grant, bindings_bulk_grant_plan
from staff.choices import StaffStatus
from staff.models import Staff
from staff.services import staff_create
from stores.models import Store

from .. import platform_sheet
from ..models import Checklist, ChecklistKind
from .common import (
    WECOM_SECTION,
    Item,
    WeComResult,
    checklist_make,
    one_story,
    template_items,
    wecom_call,
    wecom_item_settle,
)

PROFILE_FIELDS = ("username", "name", "employee_id", "mobile", "email", "wecom_userid", "department", "position")


def default_roles(position) -> list[Role]:
    """The position's default roles (rbac.PositionRole), by name."""
    if position is None:
        return []
    return [
        pr.role for pr in PositionRole.objects.filter(position=position).select_related("role").order_by("role__name")
    ]


@dataclass
class Proposal:
    """One role on one store (None: all stores) proposed for the newcomer, and what the grant would do."""

    role: Role
    store: Store | None
    outcome: str  # "grant" | "request" | "refused"
    why: str = ""

    @property
    def key(self) -> str:
        return f"{self.role.pk}:{self.store.pk if self.store is not None else 0}"


def proposals_for(*, actor, roles: list[Role], stores: list[Store], person: Staff | None = None) -> list[Proposal]:
    """What granting `roles` on `stores` would do for `person` (a newcomer not yet saved by default): granted now,
    an access request waiting for approval (the policy), or refused (with why). Pure: no writes. Roles held on all
    stores only (super admin) are proposed once, on all stores."""
    person = person or Staff(name="—", is_active=True, status=StaffStatus.ACTIVE)
    out = []
    for role in roles:
        targets: list[Store | None] = [None] if role.is_super_admin else list(stores)
        if not targets:
            continue
        plan = bindings_bulk_grant_plan(actor=actor, role=role, staff=[person], stores=targets)
        out += _from_plan(plan)
    return out


def _from_plan(plan: GrantPlan) -> list[Proposal]:
    rows = [Proposal(plan.role, s, "grant") for _p, s in plan.grant]
    rows += [Proposal(plan.role, s, "request") for _p, s in plan.request]
    rows += [Proposal(plan.role, s, "held") for _p, s in plan.unchanged]
    rows += [Proposal(plan.role, r.store, "refused", r.message) for r in plan.refused]
    return rows


@dataclass
class Onboarded:
    """What onboarding did; `password` is shown once and never stored in clear."""

    staff: Staff
    password: str
    bindings: list[RoleBinding] = field(default_factory=list)
    requests: list[AccessRequest] = field(default_factory=list)
    checklist: Checklist | None = None
    wecom: WeComResult | None = None


def generate_password() -> str:
    """A first password (shown once; they must change it at their first sign-in)."""
    alphabet = string.ascii_letters + string.digits
    body = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{body[:4]}-{body[4:8]}-{body[8:]}-{secrets.randbelow(90) + 10}"


def staff_onboard(
    *, actor, profile: dict, stores: list[Store], picks: list[tuple[Role, Store | None]], reason: str, password=None
) -> Onboarded:
    """Create the colleague (staff.services.staff_create: only people who manage users in every store may), with
    `password` or a generated one and must_change_password set; grant the picked (role, store) pairs through
    rbac.services.bindings_bulk_grant (high-risk ones open access requests); make the onboarding checklist; audit
    staff.onboard naming it all. One transaction; then the WeCom member is created (its failure becomes a checklist
    item done by hand)."""
    clear = password or generate_password()
    with one_story():
        with transaction.atomic():
            person = staff_create(
                actor=actor, password=clear, **{k: profile.get(k) or _blank(k) for k in PROFILE_FIELDS}
            )
            person.must_change_password = True
            person.save(update_fields=["must_change_password"])
            done = Onboarded(staff=person, password=clear)
            by_role: dict[Role, list[Store | None]] = defaultdict(list)
            for role, store in picks:
                by_role[role].append(store)
            for role, targets in by_role.items():
                result = bindings_bulk_grant(actor=actor, role=role, staff=[person], stores=targets, reason=reason)
                done.bindings += result.bindings
                done.requests += result.requests
            done.checklist = checklist_make(
                kind=ChecklistKind.ONBOARDING,
                title=_("Onboarding: %(name)s") % {"name": person},
                subject=person,
                assignee=_assignee(actor, person),
                actor=actor,
                items=onboarding_items(person=person, stores=stores, picks=picks),
            )
            record(
                "staff.onboard",
                target=person,
                reason=reason,
                after={
                    "stores": [s.pk for s in stores],
                    "roles_granted": [[b.role_id, b.store_id] for b in done.bindings],
                    "requests_opened": [[r.role_id, r.store_id] for r in done.requests],
                    "must_change_password": True,
                    "password": "generated" if password is None else "set",
                    "checklist": done.checklist.pk,
                },
            )
        done.wecom = wecom_call("create_member", person, actor=actor)
        wecom_item_settle(
            checklist=done.checklist,
            outcome=done.wecom,
            actor=actor,
            done_title=_("WeCom member %(name)s created by the console") % {"name": person},
        )
    return done


def _blank(name: str):
    return None if name in ("employee_id", "department", "position") else ""


def _assignee(actor, person):
    """The department manager looks after the onboarding where there is one, else the person who onboards."""
    manager = person.department.manager if person.department_id and person.department else None
    return manager if manager is not None and manager.is_active else actor


# ---------------------------------------------------------------------------------------------- the checklist


def training_items() -> list[Item]:
    """The seed's training items and practice tasks (used when no default onboarding template exists)."""
    training, practice = _("Training"), _("Practice tasks")
    return [
        Item(title=_("Platform basics (Shopee Seller Centre, Ozon Seller)"), section=training),
        Item(title=_("Store structure: our stores, owners and duties"), section=training),
        Item(title=_("Permission scope: what your roles allow, and asking for more"), section=training),
        Item(title=_("Core SOPs: orders, shipping, after-sales"), section=training),
        Item(title=_("Data security: passwords, buyers' data, exports"), section=training),
        Item(title=_("List a product"), section=practice, evidence_required=True),
        Item(title=_("Handle an order"), section=practice, evidence_required=True),
        Item(title=_("Complete an after-sales case"), section=practice, evidence_required=True),
    ]


def onboarding_items(*, person, stores: list[Store], picks: list[tuple[Role, Store | None]]) -> list[Item]:
    """The WeCom account (settled after the WeCom call), one platform sheet per store, the second factor, then the
    default onboarding template's items (or the built-in training and practice tasks)."""
    items = [
        Item(
            title=_("Create the WeCom member %(name)s") % {"name": person},
            section=WECOM_SECTION,
            data={"userid": person.wecom_userid or person.employee_id or "", "mobile": person.mobile},
            automatic=True,
        )
    ]
    roles_on: dict[int, list[Role]] = defaultdict(list)
    for role, store in picks:
        for s in stores if store is None else [store]:
            roles_on[s.pk].append(role)
    for store in stores:
        items.append(sheet_item(person=person, store=store, roles=roles_on.get(store.pk, [])))
    items.append(Item(title=_("Second factor enabled (authenticator app)"), section=_("Sign-in")))
    return items + (template_items(ChecklistKind.ONBOARDING) or training_items())


def sheet_item(*, person, store: Store, roles: list[Role], owner: bool = False) -> Item:
    """The checklist item telling what to tick for `person` on `store`'s platform, the sheet in its data."""
    perms: set[str] = set()
    rmap = role_cache.get(need={r.pk for r in roles})
    for role in roles:
        perms |= rmap.perms.get(role.pk, frozenset())
    pairs = {(role.key or "", role.name) for role in roles}
    owner_role = rmap.keys.get(OWNER_ROLE_KEY) if owner else None
    if owner_role is not None:  # ownership carries the store-admin role (rbac.permissions)
        perms |= rmap.perms.get(owner_role, frozenset())
        pairs.add((OWNER_ROLE_KEY, rmap.names.get(owner_role, OWNER_ROLE_KEY)))
    sheet = platform_sheet.sheet(platform=store.platform, store=store.name, perms=perms, roles=pairs)
    if store.platform == platform_sheet.OZON:
        title = _("Ozon %(store)s: invite %(name)s as an employee with the roles on the sheet")
    else:
        title = _("Shopee %(store)s: create the sub-account of %(name)s with the pages on the sheet")
    return Item(
        title=title % {"store": store.name, "name": person},
        section=_("Platform accounts"),
        store_id=store.pk,
        data={"sheet": sheet},
    )


def person_sheets(*, staff, stores=None) -> list[dict]:
    """The platform sheets for `staff` as their live roles stand, one per store they work in (owned stores count as
    the store-admin role), limited to `stores` when given (e.g. the viewer's). A fixed number of queries."""
    bindings = RoleBinding.objects.live().filter(staff=staff).select_related("role")
    owned = set(Store.objects.filter(primary_owner=staff).values_list("pk", flat=True))
    owned |= set(Store.objects.filter(backup_owner=staff).values_list("pk", flat=True))
    everywhere = [b.role for b in bindings if b.store_id is None]
    per_store: dict[int, list[Role]] = defaultdict(list)
    for b in bindings:
        if b.store_id is not None:
            per_store[b.store_id].append(b.role)
    ids = set(per_store) | owned
    chosen = Store.objects.all() if everywhere else Store.objects.filter(pk__in=ids)
    if stores is not None:
        chosen = chosen.filter(pk__in=stores)
    sheets = []
    for store in chosen.order_by("name", "pk"):
        item = sheet_item(
            person=staff, store=store, roles=per_store.get(store.pk, []) + everywhere, owner=store.pk in owned
        )
        sheets.append({"store": store, "title": item.title, **item.data["sheet"]})
    return sheets


def position_roles_table() -> list[tuple]:
    """(position, [role names]) for every position with default roles: the page's hint of what a position proposes."""
    table: dict = defaultdict(list)
    for link in PositionRole.objects.select_related("position", "role").order_by("position__name", "role__name"):
        table[link.position].append(link.role.name)
    return list(table.items())
