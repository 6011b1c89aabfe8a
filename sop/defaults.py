"""The default checklist templates, from the seller's SOP: the daily store check (日常检查清单), onboarding,
offboarding handover and transfer. `seed(apps, schema_editor)` writes whichever is missing (by name) and is safe to
run again: the data migration, the demo and the daily generation call it; templates an admin edited are left alone.

The `fact` codes name what the console can judge by itself (sop.selectors.store_facts): the item is prefilled with
the facts when the checklist is made and refreshed while it is open."""

from __future__ import annotations

# Facts the console judges for a store (sop.selectors.store_facts).
FACT_LOW_STOCK = "low_stock"
FACT_OVERDUE_CASES = "overdue_cases"
FACT_LATE_SHIPMENTS = "late_shipments"
FACT_PERMISSION_CHANGES = "permission_changes"
FACTS = (FACT_LOW_STOCK, FACT_OVERDUE_CASES, FACT_LATE_SHIPMENTS, FACT_PERMISSION_CHANGES)

# (section, title, note, evidence_required, fact)
DAILY_ITEMS = [
    ("库存", "库存对账", "核对系统库存与平台可售库存是否一致，差异需记录原因。", True, ""),
    ("库存", "缺货预警", "查看低于预警线的SKU，安排补货或下架。", False, FACT_LOW_STOCK),
    ("商品", "上下架与描述一致", "抽查在售商品的标题、图片、规格与实物一致，违规商品及时下架。", False, ""),
    ("订单", "订单处理时效", "当日新订单在承诺时间内确认处理，无积压。", False, ""),
    ("订单", "发货及时率", "检查已超过最晚发货时间仍未发货的订单，逐一跟进。", False, FACT_LATE_SHIPMENTS),
    ("售后", "退款处理时效", "检查已超过处理期限的退货退款，今日内处理完毕。", False, FACT_OVERDUE_CASES),
    ("广告", "广告合规", "检查广告素材与文案符合平台规则，预算消耗正常。", False, ""),
    (
        "权限",
        "权限变更记录与审计日志",
        "核对今日店铺的权限变更（授权、撤销、审批）均有依据，发现异常立即上报。",
        True,
        FACT_PERMISSION_CHANGES,
    ),
]

ONBOARDING_ITEMS = [
    ("账号", "开通企业微信账号", "在企业微信中创建成员并加入所属部门。", False, ""),
    (
        "账号",
        "开通各店铺平台子账号",
        "按权限清单在 Shopee 子账号平台 / Ozon 员工设置中开通，并只勾选所列权限。",
        False,
        "",
    ),
    ("账号", "启用二次验证", "首次登录时绑定身份验证器。", False, ""),
    ("培训", "平台基础", "Shopee / Ozon 卖家中心的基本操作。", False, ""),
    ("培训", "店铺结构", "公司店铺、站点与负责人分工。", False, ""),
    ("培训", "权限范围", "本人的角色、可操作的店铺与高风险权限。", False, ""),
    ("培训", "核心SOP", "订单、发货、售后、库存的标准流程。", False, ""),
    ("培训", "数据安全", "客户信息与店铺密钥的保密要求。", False, ""),
    ("实操", "上架一个商品", "在测试或指定店铺完成一次上架，填写商品链接。", True, ""),
    ("实操", "处理一个订单", "在导师指导下完成一个订单的处理，填写订单号。", True, ""),
    ("实操", "完成一个售后", "在导师指导下完成一个售后，填写售后单号。", True, ""),
]

OFFBOARDING_ITEMS = [
    ("账号", "停用各店铺平台子账号", "在 Shopee 子账号平台 / Ozon 员工设置中停用或删除。", False, ""),
    ("工作交接", "重新分配未结售后", "确认每个未结售后都有新的处理人。", False, ""),
    ("安全", "轮换其可见的群机器人密钥", "重新生成 Webhook 地址并更新到系统。", False, ""),
    ("数据", "导出需保留的数据", "导出工作记录与资料，交给接手人。", True, ""),
    ("行政", "收回设备与资料", "", False, ""),
]

TRANSFER_ITEMS = [
    ("权限", "核对新增与移除的权限", "按新岗位确认角色与店铺范围。", False, ""),
    ("工作交接", "交接原岗位的工作", "未结订单、售后与进行中的事项交给接手人。", False, ""),
    ("培训", "新岗位培训", "新岗位的核心SOP。", False, ""),
]

# (name, kind, description, items)
DEFAULT_TEMPLATES = [
    ("日常店铺检查", "daily", "每个店铺每天早上生成，由店铺负责人（休假时由备份负责人）完成。", DAILY_ITEMS),
    ("新员工入职", "onboarding", "账号开通、培训与实操任务。", ONBOARDING_ITEMS),
    ("员工离职交接", "offboarding", "账号停用、工作交接与数据导出。", OFFBOARDING_ITEMS),
    ("员工调岗", "transfer", "权限调整与工作交接。", TRANSFER_ITEMS),
]


def seed(apps, schema_editor) -> None:
    """Create each default template that does not exist yet (by name), as the default of its kind when its kind has
    none. Idempotent; works with the migration's historical models and the real ones."""
    Template = apps.get_model("sop", "ChecklistTemplate")
    Item = apps.get_model("sop", "TemplateItem")
    for name, kind, description, items in DEFAULT_TEMPLATES:
        if Template.objects.filter(name=name).exists():
            continue
        has_default = Template.objects.filter(kind=kind, is_default=True).exists()
        template = Template.objects.create(name=name, kind=kind, description=description, is_default=not has_default)
        Item.objects.bulk_create(
            Item(template=template, position=i, section=s, title=t, note=n, evidence_required=e, fact=f)
            for i, (s, t, n, e, f) in enumerate(items, start=1)
        )
