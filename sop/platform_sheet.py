"""What to tick on the marketplace for one person on one store: Shopee's Sub-account platform (子账号平台) or Ozon's
employee settings (Настройки → Сотрудники), derived from the console permissions their roles give there.

Facts from /work/shared/platform-staff-permissions.md, with its confidence tags: H (an official page, or two sources
agree), M (one credible source), L (inferred, third-party only, or sources disagree). Neither platform grants staff
rights by API, and both grant per page or section rather than per action, so the sheet says plainly where the
platform gives more than the role (over-grant) or cannot express it at all; the admin ticks by hand and confirms on
the checklist. Menu, role and section names are copied exactly as the platforms show them.

`sheet(...)` returns plain JSON (kept in a checklist item's `data`), rendered by templates/sop/lifecycle/sheet.html.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

SHOPEE, OZON = "shopee", "ozon"


@dataclass
class Line:
    """One thing to tick: where on the platform, which console permissions it stands for, how sure we are, and
    what the platform cannot express about them."""

    tick: str
    covers: list[str]
    confidence: str
    gap: str = ""


@dataclass
class Sheet:
    platform: str
    store: str
    roles: list[str]
    steps: list[str]
    lines: list[Line] = field(default_factory=list)
    cannot: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# Shopee, section 1.4: module → (what to tick, confidence, {permission that cannot be set apart: why})
def _shopee_modules() -> dict[str, tuple[str, str, dict[str, str]]]:
    view_only = _("the platform shows no view-only right: viewing also allows editing")
    return {
        "orders": ("Order › My Orders, Cancellation", "L", {"orders_view": view_only}),
        "shipping": (
            "Shipment › My Shipment, Mass Ship (Shipping Setting: store admin only)",
            "L",
            {"shipping_view": view_only},
        ),
        "products": (
            "Product › My Products, Add New Product",
            "L",
            {"products_view": view_only, "products_change_price": _("no separate price right: it is the edit page")},
        ),
        "inventory": (
            "Product › My Inventory",
            "L",
            {
                "inventory_adjust_stock": _(
                    "stock is also editable in My Products: adjusting stock cannot be kept apart"
                )
            },
        ),
        "after_sales": (
            "Order › Return/Refund; Shopee Chat: Webchat for the shop, then the shop's Chat Assignment group",
            "L",
            {
                "after_sales_approve_refund": _("no separate approve-refund right"),
                "after_sales_view": _("a read-only customer service role cannot be modelled"),
            },
        ),
        "ads": ("Marketing Centre › Shopee Ads", "L", {"ads_change_budget": _("the budget cannot be kept apart")}),
        "finance": (
            "Finance › My Income (never Bank Accounts)",
            "L",
            {"finance_export": _("no separate export right: the income report download is on the same page")},
        ),
        "reports": (
            "Data › Business Insights; Shop › My Reports",
            "L",
            {"reports_export": _("no separate export right")},
        ),
    }


# Ozon, section 2.3: built-in console role → (Ozon roles, confidence, over-grant / gap)
def _ozon_roles() -> dict[str, tuple[str, str, str]]:
    return {
        "super_admin": ("Управляющий (one per cabinet) or Администратор", "H", ""),
        "store_admin": ("Администратор", "H", _("also gets Settings, so they can manage employees (users.manage)")),
        "inventory": (
            "Менеджер склада + Менеджер по товарам",
            "M",
            _("product editing beyond viewing products; stock editing assumed in Products"),
        ),
        "customer_service": (
            "Менеджер склада (+ Менеджер по продвижению for products read-only and reviews)",
            "M",
            _("no read-only orders; no approve-refund split; adds ads and promotion editing"),
        ),
        "listing_editor": (
            "Менеджер по товарам + Финансовый менеджер (Prices)",
            "M",
            _("prices need a finance role, which adds Finance and Orders"),
        ),
        "finance_analyst": (
            "Финансовый менеджер",
            "M",
            _("adds Prices editing and Orders; no separate finance export; ads not read-only"),
        ),
        "ads": ("Менеджер по продвижению", "H", _("the ad budget cannot be kept apart")),
    }


# Ozon, for roles the console does not ship: module → Ozon role giving that section (section 2.1)
OZON_BY_MODULE = {
    "products": "Менеджер по товарам",
    "inventory": "Менеджер склада",
    "orders": "Менеджер склада",
    "shipping": "Менеджер склада",
    "after_sales": "Менеджер склада",
    "finance": "Финансовый менеджер",
    "ads": "Менеджер по продвижению",
    "reports": "Финансовый менеджер",
    "users": "Администратор",
    "settings": "Администратор",
}


def module_of(code: str) -> str:
    """The module of a permission codename ("after_sales_approve_refund" → "after_sales")."""
    for prefix in ("after_sales", "orders", "inventory", "products", "shipping", "ads", "finance", "reports", "users"):
        if code.startswith(prefix + "_"):
            return prefix
    return "settings" if code.startswith("settings_") else code


def sheet(*, platform: str, store: str, perms: Iterable[str], roles: Iterable[tuple[str, str]]) -> dict:
    """The sheet for one person on one store: `perms` the console permissions their roles (and ownership) give
    there, `roles` their (key, name) pairs (key "" for a role the seller made). Plain JSON."""
    perms = sorted(set(perms))
    roles = sorted(set(roles), key=lambda r: r[1])
    if platform == OZON:
        return asdict(_ozon(store, perms, roles))
    return asdict(_shopee(store, perms, roles))


def _shopee(store: str, perms: list[str], roles: list[tuple[str, str]]) -> Sheet:
    out = Sheet(
        platform=SHOPEE,
        store=store,
        roles=[name for _k, name in roles],
        steps=[
            _("Sign in to subaccount.shopee.com with the main account (<prefix>:main)."),
            _(
                "成员 › 创建成员 (or edit the member): pick a role with the pages below, switch on the merchant, tick this shop."
            ),
            _("Where the role gives more than the pages below, use «Edit Store» to narrow it for this shop."),
        ],
    )
    modules = _shopee_modules()
    held = {module_of(p) for p in perms}
    for module, (tick, confidence, gaps) in modules.items():
        mine = [p for p in perms if module_of(p) == module]
        if not mine:
            continue
        gap = "; ".join(why for code, why in gaps.items() if code in mine and _only(code, mine))
        out.lines.append(Line(tick=tick, covers=mine, confidence=confidence, gap=gap))
    if "after_sales" in held:
        out.notes.append(
            _("Customer service is two steps on Shopee: a role with Webchat, then the shop's Chat Assignment group.")
        )
    if "users_manage" in perms:
        out.cannot.append(
            _("users.manage: only the main account manages members and roles on Shopee; it cannot be delegated.")
        )
    if "settings_manage" in perms:
        out.cannot.append(
            _(
                "Store settings: Shopee has no sub-account right for the shop's settings and authorization; keep them with the main account."
            )
        )
    out.notes.append(_("No Shopee API manages sub-accounts: tick by hand, then tick this item here."))
    out.notes.append(_("Shopee grants per page, not per action: high-risk actions cannot be kept apart."))
    return out


def _only(code: str, mine: list[str]) -> bool:
    """A view-only gap matters only when the person holds view and nothing more in the module."""
    if code.endswith("_view"):
        return mine == [code]
    return True


def _ozon(store: str, perms: list[str], roles: list[tuple[str, str]]) -> Sheet:
    out = Sheet(
        platform=OZON,
        store=store,
        roles=[name for _k, name in roles],
        steps=[
            _("In the Ozon Seller cabinet: Настройки → Сотрудники → Пригласить сотрудника."),
            _("Enter their email (not *.co or *.su), choose the roles below, Пригласить; the link is valid 24 h."),
            _("A console store is one Ozon cabinet (one Client-Id): the roles apply to the whole cabinet."),
        ],
    )
    by_role = _ozon_roles()
    custom = []
    for key, name in roles:
        if key in by_role:
            tick, confidence, gap = by_role[key]
            out.lines.append(Line(tick=tick, covers=[name], confidence=confidence, gap=gap))
        else:
            custom.append(name)
    covered_by_roles = any(key in by_role for key, _n in roles)
    if custom or not covered_by_roles:
        needed = sorted({OZON_BY_MODULE[m] for m in {module_of(p) for p in perms} if m in OZON_BY_MODULE})
        if needed:
            out.lines.append(
                Line(
                    tick=" + ".join(needed),
                    covers=custom or [_("owner rights")],
                    confidence="L",
                    gap=_("inferred from the sections each Ozon role opens; Ozon roles open whole sections"),
                )
            )
    if "users_manage" in perms and not any(k in ("store_admin", "super_admin") for k, _n in roles):
        out.cannot.append(_("users.manage needs Администратор on Ozon, which also opens every setting."))
    out.notes.append(_("The Seller API has no employee methods: invite by hand, then tick this item here."))
    out.notes.append(_("Ozon grants per section, not per action: high-risk actions cannot be kept apart."))
    return out
