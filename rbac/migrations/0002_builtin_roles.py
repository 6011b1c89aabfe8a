"""Ship the seller's seven roles (see rbac/builtin_roles.py for the reasoning). Frozen copy: later
edits of the catalogue or of builtin_roles.py do not change what this migration created."""

from django.db import migrations

PERMISSIONS = [
    ("orders_view", "View orders"), ("orders_operate", "Handle orders"), ("inventory_view", "View stock"),
    ("inventory_operate", "Manage inventory"), ("inventory_adjust_stock", "Adjust stock"),
    ("products_view", "View products"), ("products_operate", "Edit listings"),
    ("products_change_price", "Change prices"), ("shipping_view", "View shipments"),
    ("shipping_operate", "Ship orders"), ("after_sales_view", "View after-sales"),
    ("after_sales_operate", "Handle after-sales"), ("after_sales_approve_refund", "Approve refunds"),
    ("ads_view", "View ads"), ("ads_operate", "Run ads"), ("ads_change_budget", "Change ad budgets"),
    ("finance_view", "View finance"), ("finance_export", "Export finance data"), ("reports_view", "View reports"),
    ("reports_export", "Export reports"), ("users_view", "View staff"), ("users_manage", "Manage users"),
    ("settings_view", "View store settings"), ("settings_manage", "Manage store settings"),
]
ALL = [code for code, _ in PERMISSIONS]

ROLES = [
    ("super_admin", "总管理员", True, "All stores, every permission; edits roles and grants all-store roles.", ALL),
    ("store_admin", "店铺管理员", False, "Runs one store: every permission there, including granting roles in it.",
     ALL),
    ("inventory", "采购/库存管理员", False,
     "Plans purchases, keeps stock right; sees the orders and shipments that drive demand.",
     ["inventory_view", "inventory_operate", "inventory_adjust_stock", "products_view", "orders_view",
      "shipping_view", "reports_view"]),
    ("customer_service", "客服/售后", False, "Answers buyers, handles returns and refunds; no price or stock edits.",
     ["orders_view", "after_sales_view", "after_sales_operate", "after_sales_approve_refund", "shipping_view",
      "products_view"]),
    ("listing_editor", "上架编辑", False, "Listings, SKUs, prices and descriptions; never orders or stock.",
     ["products_view", "products_operate", "products_change_price"]),
    ("finance_analyst", "数据分析/财务", False, "Income, fees, settlements and reports, with exports.",
     ["finance_view", "finance_export", "reports_view", "reports_export", "orders_view", "ads_view"]),
    ("ads", "促销/广告管理员", False, "Campaigns and their budgets; sees products and reports.",
     ["ads_view", "ads_operate", "ads_change_budget", "products_view", "reports_view"]),
]


def seed(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Role = apps.get_model("rbac", "Role")
    ctype, _ = ContentType.objects.get_or_create(app_label="stores", model="store")
    perms = {}
    for codename, name in PERMISSIONS:
        perms[codename], _ = Permission.objects.get_or_create(content_type=ctype, codename=codename,
                                                              defaults={"name": name})
    for key, name, is_super, description, codes in ROLES:
        role, _ = Role.objects.update_or_create(
            key=key, defaults={"name": name, "is_super_admin": is_super, "builtin": True, "description": description})
        role.permissions.set([perms[c] for c in codes])


def unseed(apps, schema_editor):
    apps.get_model("rbac", "Role").objects.filter(builtin=True, bindings__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rbac", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
