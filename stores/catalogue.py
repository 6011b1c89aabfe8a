"""The permission catalogue (权限矩阵): module × action on a store, declared as permissions on Store.

Each entry has a codename (`<module>_<action>`, so `stores.orders_view` for Django and guardian),
an English label (translated to zh-hans by the catalog), a one-line meaning, and a high-risk flag
that sends grants containing it through a second person's approval.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Module:
    key: str
    label: str


@dataclass(frozen=True)
class Permission:
    module: str
    action: str
    label: str
    meaning: str
    high_risk: bool = False

    @property
    def codename(self) -> str:
        return f"{self.module}_{self.action}"


MODULES = [
    Module("orders", _("Orders")),
    Module("inventory", _("Inventory")),
    Module("products", _("Products")),
    Module("shipping", _("Shipping")),
    Module("after_sales", _("After-sales")),
    Module("ads", _("Ads")),
    Module("finance", _("Finance")),
    Module("reports", _("Reports")),
    Module("users", _("User management")),
    Module("settings", _("Store settings")),
]

PERMISSIONS = [
    Permission("orders", "view", _("View orders"), _("See the store's orders and their buyers' delivery details.")),
    Permission("orders", "operate", _("Handle orders"), _("Confirm, annotate and cancel the store's orders.")),
    Permission("inventory", "view", _("View stock"), _("See stock levels and low-stock alerts.")),
    Permission("inventory", "operate", _("Manage inventory"), _("Plan purchases and transfers between warehouses.")),
    Permission("inventory", "adjust_stock", _("Adjust stock"), _("Change sellable stock on the platform."), True),
    Permission("products", "view", _("View products"), _("See listings, SKUs, prices and descriptions.")),
    Permission("products", "operate", _("Edit listings"), _("Create and edit listings, SKUs and descriptions.")),
    Permission("products", "change_price", _("Change prices"), _("Change listing and SKU prices."), True),
    Permission("shipping", "view", _("View shipments"), _("See packages, carriers and tracking numbers.")),
    Permission("shipping", "operate", _("Ship orders"), _("Arrange shipment and print labels.")),
    Permission("after_sales", "view", _("View after-sales"), _("See returns, refunds and disputes.")),
    Permission("after_sales", "operate", _("Handle after-sales"), _("Reply to buyers and process returns.")),
    Permission("after_sales", "approve_refund", _("Approve refunds"), _("Approve refunds to buyers."), True),
    Permission("ads", "view", _("View ads"), _("See campaigns and their results.")),
    Permission("ads", "operate", _("Run ads"), _("Create, pause and edit campaigns.")),
    Permission("ads", "change_budget", _("Change ad budgets"), _("Raise or lower campaign budgets."), True),
    Permission("finance", "view", _("View finance"), _("See income, fees and settlements.")),
    Permission("finance", "export", _("Export finance data"), _("Download financial statements."), True),
    Permission("reports", "view", _("View reports"), _("See sales and operations reports.")),
    Permission("reports", "export", _("Export reports"), _("Download reports as files.")),
    Permission("users", "view", _("View staff"), _("See who works in the store and their roles.")),
    Permission("users", "manage", _("Manage users"), _("Grant and revoke roles in the store."), True),
    Permission("settings", "view", _("View store settings"), _("See the store profile and connection health.")),
    Permission(
        "settings",
        "manage",
        _("Manage store settings"),
        _("Edit the store profile, platform credentials and authorization."),
        True,
    ),
]

BY_CODENAME = {p.codename: p for p in PERMISSIONS}
HIGH_RISK = frozenset(p.codename for p in PERMISSIONS if p.high_risk)


def label_of(codename: str):
    """The (translated) label of a permission codename, "stores." prefix or not; the codename if unknown."""
    perm = BY_CODENAME.get(str(codename).removeprefix("stores."))
    return perm.label if perm else codename


# Django's permission names are the untranslated English labels, whatever language is active when this
# module is imported, so migrations stay stable; pages show the translated `label`.
DJANGO_PERMISSIONS = [(p.codename, p.label._args[0]) for p in PERMISSIONS]
