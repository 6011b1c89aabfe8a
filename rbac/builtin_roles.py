"""The seller's seven built-in roles and why each holds what it holds (least privilege).

The data migrations 0002_builtin_roles (frozen copy there) and 0005 (客服/售后 handles orders) ship exactly these; roles stay editable
afterwards, except that the super admin role always holds everything and built-in roles cannot be
deleted. High-risk permissions (stores.catalogue.HIGH_RISK) are marked *.

| key | name | permissions |
| --- | --- | --- |
| super_admin | 总管理员 | every permission on every store (only bindable to all stores) |
| store_admin | 店铺管理员 | every permission of the store: runs it and delegates within it |
| inventory | 采购/库存管理员 | inventory view/operate/adjust_stock*, products view, orders view, shipping view, reports view |
| customer_service | 客服/售后 | orders view/operate (客服分单: take, hand over, mark handled), after-sales view/operate/approve_refund*, shipping view, products view — no price or stock edits |
| listing_editor | 上架编辑 | products view/operate/change_price* — never orders or stock |
| finance_analyst | 数据分析/财务 | finance view/export*, reports view/export, orders view, ads view |
| ads | 促销/广告管理员 | ads view/operate/change_budget*, products view, reports view |
"""

from stores.catalogue import BY_CODENAME

BUILTIN_ROLES = {
    "super_admin": {
        "name": "总管理员",
        "is_super_admin": True,
        "description": "All stores, every permission; edits roles and grants all-store roles.",
        "permissions": sorted(BY_CODENAME),
    },
    "store_admin": {
        "name": "店铺管理员",
        "description": "Runs one store: every permission there, including granting roles in it.",
        "permissions": sorted(BY_CODENAME),
    },
    "inventory": {
        "name": "采购/库存管理员",
        "description": "Plans purchases, keeps stock right; sees the orders and shipments that drive demand.",
        "permissions": [
            "inventory_view",
            "inventory_operate",
            "inventory_adjust_stock",
            "products_view",
            "orders_view",
            "shipping_view",
            "reports_view",
        ],
    },
    "customer_service": {
        "name": "客服/售后",
        "description": "Answers buyers, handles returns and refunds; no price or stock edits.",
        "permissions": [
            "orders_view",
            "orders_operate",
            "after_sales_view",
            "after_sales_operate",
            "after_sales_approve_refund",
            "shipping_view",
            "products_view",
        ],
    },
    "listing_editor": {
        "name": "上架编辑",
        "description": "Listings, SKUs, prices and descriptions; never orders or stock.",
        "permissions": ["products_view", "products_operate", "products_change_price"],
    },
    "finance_analyst": {
        "name": "数据分析/财务",
        "description": "Income, fees, settlements and reports, with exports.",
        "permissions": ["finance_view", "finance_export", "reports_view", "reports_export", "orders_view", "ads_view"],
    },
    "ads": {
        "name": "促销/广告管理员",
        "description": "Campaigns and their budgets; sees products and reports.",
        "permissions": ["ads_view", "ads_operate", "ads_change_budget", "products_view", "reports_view"],
    },
    "auditor": {
        "name": "审计员",
        "description": "Reads the audit log, and who works where, in its stores (or all): changes nothing.",
        "permissions": ["users_view", "settings_view"],
    },
}
