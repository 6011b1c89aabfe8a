"""What a message of each event kind may say: its placeholders (with the most bytes each may take) and the
default Chinese template, from the seller's SOP.

Every placeholder value is cut to its `max_bytes` (UTF-8) when a message is rendered (notifications.render), so
the longest message a template can produce is known when the template is saved: its literal text plus the
`max_bytes` of every placeholder it uses. A template whose longest message does not fit the robot's limit
(text 2048 bytes, markdown 4096; platform-apis.md §3.2) is refused then, never when a message is sent.

Buyer names go to group chats that many people read: `{customer}` is masked (first character and "**", so
张三丰 → 张**, John Smith → J**), whatever the reader's rights; the full name stays on the order page for
those with order rights there.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from events.choices import EventKind

TEXT_LIMIT = 2048
MARKDOWN_LIMIT = 4096
# Room kept in a markdown message for the "<@userid>" mentions appended to it (text messages carry mentions
# outside the content, in mentioned_list / mentioned_mobile_list).
MARKDOWN_MENTION_ROOM = 400


@dataclass(frozen=True, slots=True)
class Placeholder:
    """One {name} a template may use: what it means and the most UTF-8 bytes its value may take."""

    name: str
    label: object  # a lazy translatable string
    max_bytes: int
    sample: str


def _p(name: str, label, max_bytes: int, sample: str) -> Placeholder:
    return Placeholder(name, label, max_bytes, sample)


COMMON = (
    _p("store", _("Store name"), 120, "泰国店"),
    _p("platform", _("Platform"), 12, "Shopee"),
    _p("site", _("Site"), 4, "TH"),
    _p("time", _("When it happened (store time)"), 20, "12-04 15:30"),
)
ORDER = (
    _p("order_id", _("Order number"), 64, "2412049ABCDEF"),
    _p("customer", _("Customer (masked: 张**)"), 12, "张**"),
    _p("items", _("Items (SKU × quantity)"), 300, "TSHIRT-RED-M×2, MUG-01×1"),
    _p("qty", _("Total quantity"), 8, "3"),
    _p("amount", _("Total amount"), 32, "459.00 THB"),
    _p("ship_time", _("Ship by (store time)"), 20, "12-05 18:00"),
    _p("status", _("Status"), 40, "待发货"),
    _p("assignee", _("Assigned to"), 100, "李娜"),
)
SHIPPED = (
    _p("order_id", _("Order number"), 64, "2412049ABCDEF"),
    _p("tracking", _("Tracking number"), 64, "TH0123456789"),
    _p("logistics", _("Carrier"), 120, "Kerry Express"),
    _p("delivery_date", _("Expected delivery"), 20, "12-08"),
)
CASE = (
    _p("order_id", _("Order number"), 64, "2412049ABCDEF"),
    _p("case_id", _("Return / refund ID"), 64, "RS2412040001"),
    _p("issue", _("Problem"), 300, "商品破损"),
    _p("status", _("Status"), 40, "待处理"),
    _p("operator", _("Handled by"), 100, "李娜"),
    _p("due_date", _("Due (store time)"), 20, "12-06 12:00"),
    _p("amount", _("Amount"), 32, "129.00 THB"),
)
STOCK = (
    _p("sku", _("SKU"), 100, "TSHIRT-RED-M"),
    _p("name", _("Product"), 200, "纯棉T恤 红色 M"),
    _p("quantity", _("Sellable quantity"), 12, "3"),
    _p("threshold", _("Low-stock threshold"), 12, "5"),
)
AUTH = (
    _p("expires_at", _("Authorization ends (store time)"), 20, "12-07 09:00"),
    _p("days_left", _("Days left"), 8, "3"),
)
SYNC = (
    _p("reason", _("Why (authorization or errors)"), 60, "授权失效，需要重新授权"),
    _p("error", _("Last error"), 300, "连接超时"),
    _p("failures", _("Failures in a row"), 8, "5"),
    _p("since", _("Failing since (store time)"), 20, "12-04 14:10"),
)
ACCESS = (
    _p("requester", _("Requested by"), 100, "王芳"),
    _p("staff", _("For whom"), 100, "赵磊"),
    _p("what", _("What is requested"), 300, "店铺管理员"),
    _p("reason", _("Reason"), 300, "大促期间代班"),
    _p("decide_by", _("Decide by"), 20, "12-06 18:00"),
)
ALONE = ACCESS + (_p("approver", _("Approved by"), 100, "陈静"),)
SECURITY = (
    _p("account", _("Account"), 150, "admin"),
    _p("person", _("Person"), 100, "陈静"),
    _p("ip", _("Address"), 45, "203.0.113.7"),
    _p("browser", _("Browser"), 200, "Chrome 131 / Windows"),
    _p("until", _("Locked until (store time)"), 20, "12-04 16:00"),
    _p("failures", _("Failed attempts"), 8, "5"),
    _p("by", _("Done by"), 100, "陈静"),
)
CHECKPOINT = (
    _p("count", _("Events in the log"), 16, "1284031"),
    _p("head", _("Head hash (first 16)"), 16, "9f86d081884c7d65"),
    _p("verified", _("Chain verified"), 20, "完整"),
)
DIGEST = (
    _p("period", _("Period"), 40, "12-03"),
    _p("orders", _("Orders"), 12, "128"),
    _p("sales", _("Sales"), 40, "35,210.00 THB"),
    _p("shipped_on_time", _("Shipped on time"), 12, "97%"),
    _p("open_cases", _("Open after-sales cases"), 12, "4"),
    _p("low_stock", _("Low-stock SKUs"), 12, "6"),
)
CHECKLIST = (
    _p("title", _("Checklist"), 200, "日常店铺检查 · 泰国店 · 12-05"),
    _p("assignee", _("Assigned to"), 100, "李娜"),
    _p("progress", _("Items done"), 12, "5/8"),
    _p("due_time", _("Due (store time)"), 20, "12-05 18:00"),
)

REVIEW = (
    _p("review", _("Access review"), 200, "2026年第四季度权限复核"),
    _p("count", _("Items not yet reviewed"), 12, "12"),
    _p("deadline", _("Deadline"), 20, "12-15 18:00"),
)
ADS_SPIKE = (
    _p("period", _("Which spend (today so far, or this hour)"), 40, "今日截至15:59"),
    _p("hour", _("By (platform time)"), 8, "15:59"),
    _p("spend", _("Spend today so far"), 40, "1,280.00 THB"),
    _p("usual", _("Usual spend by this hour (7 days)"), 40, "310.00 THB"),
    _p("ratio", _("Times the usual"), 8, "4.1"),
)
ADS_CAMPAIGN = (_p("campaign", _("Campaign"), 200, "双12 大促 自动广告"),)
ADS_BUDGET = ADS_CAMPAIGN + (
    _p("spent", _("Spent in the budget period"), 40, "850.00 THB"),
    _p("budget", _("Budget"), 40, "1,000.00 THB"),
    _p("period", _("Budget period"), 12, "日预算"),
    _p("share", _("Share used"), 8, "85%"),
)
ADS_STOPPED = ADS_CAMPAIGN + (
    _p("reason", _("Why"), 40, "预算用尽"),
    _p("platform_state", _("Platform state"), 64, "CAMPAIGN_STATE_STOPPED"),
    _p("spend", _("Spend today"), 40, "1,000.00 THB"),
)
ADS_ROAS = (
    _p("day", _("Day"), 12, "2026-12-04"),
    _p("roas", _("ROAS"), 12, "1.80"),
    _p("usual_roas", _("Usual ROAS (7 days before)"), 12, "4.20"),
    _p("drop", _("Drop"), 8, "-57%"),
    _p("spend", _("Spend"), 40, "900.00 THB"),
    _p("sales", _("Sales from ads"), 40, "1,620.00 THB"),
)
ADS_DIGEST = (
    _p("ads_spend", _("Ads spend"), 60, "2,310.00 THB"),
    _p("ads_sales", _("Sales from ads"), 60, "9,120.00 THB"),
    _p("ads_roas", _("Ads ROAS"), 12, "3.95"),
)

K = EventKind
PLACEHOLDERS: dict[str, tuple[Placeholder, ...]] = {
    K.ORDER_NEW: COMMON + ORDER,
    K.ORDER_SHIPPED: COMMON + SHIPPED,
    K.ORDER_CANCELLED: COMMON + ORDER,
    K.AFTERSALES_NEW: COMMON + CASE,
    K.AFTERSALES_UPDATED: COMMON + CASE,
    K.AFTERSALES_DUE_SOON: COMMON + CASE,
    K.STOCK_LOW: COMMON + STOCK,
    K.STOCK_OUT: COMMON + STOCK,
    K.STORE_AUTH_EXPIRING: COMMON + AUTH,
    K.STORE_SYNC_FAILING: COMMON + SYNC,
    K.ACCESS_REQUEST_OPENED: COMMON + ACCESS,
    K.ACCESS_APPROVED_ALONE: COMMON + ALONE,
    K.SECURITY_LOCKOUT: COMMON + SECURITY,
    K.SECURITY_UNLOCK: COMMON + SECURITY,
    K.SECURITY_NEW_SOURCE: COMMON + SECURITY,
    K.SECURITY_AUDIT_CHECKPOINT: COMMON + CHECKPOINT,
    K.DIGEST_DAILY: COMMON + DIGEST + ADS_DIGEST,
    K.DIGEST_WEEKLY: COMMON + DIGEST + ADS_DIGEST,
    K.SOP_CHECKLIST_OVERDUE: COMMON + CHECKLIST,
    K.ACCESS_REVIEW_REMINDER: COMMON + REVIEW,
    K.ACCESS_REVIEW_ESCALATED: COMMON + REVIEW,
    K.ADS_SPEND_SPIKE: COMMON + ADS_SPIKE,
    K.ADS_BUDGET_NEARLY_USED: COMMON + ADS_BUDGET,
    K.ADS_CAMPAIGN_STOPPED: COMMON + ADS_STOPPED,
    K.ADS_ROAS_DROP: COMMON + ADS_ROAS,
}

_CASE_BODY = "订单号:{order_id} | 问题类型:{issue} | 状态:{status} | 处理人:{operator} | 截止时间:{due_date}"
_DIGEST_BODY = (
    "订单:{orders} | 销售额:{sales} | 准时发货:{shipped_on_time} | 未结售后:{open_cases} | 低库存SKU:{low_stock} | "
    "广告花费:{ads_spend} | 广告销售:{ads_sales} | 广告ROAS:{ads_roas}"
)
DEFAULT_BODIES: dict[str, str] = {
    K.ORDER_NEW: "【新订单】{store} 订单号:{order_id} | 客户:{customer} | 商品:{items} | 数量:{qty} | "
    "总价:{amount} | 预计发货:{ship_time}",
    K.ORDER_SHIPPED: "【已发货】{store} 订单号:{order_id} | 运单号:{tracking} | 物流:{logistics} | 预计签收:{delivery_date}",
    K.ORDER_CANCELLED: "【订单取消】{store} 订单号:{order_id} | 客户:{customer} | 商品:{items} | 总价:{amount}",
    K.AFTERSALES_NEW: "【新售后】{store} " + _CASE_BODY,
    K.AFTERSALES_UPDATED: "【售后更新】{store} " + _CASE_BODY,
    K.AFTERSALES_DUE_SOON: "【售后即将超时】{store} " + _CASE_BODY,
    K.STOCK_LOW: "【库存不足】{store} SKU:{sku} | 商品:{name} | 可售:{quantity} | 预警线:{threshold}",
    K.STOCK_OUT: "【已断货】{store} SKU:{sku} | 商品:{name} | 可售:{quantity}",
    K.STORE_AUTH_EXPIRING: "【授权即将到期】{store} 到期时间:{expires_at} | 剩余:{days_left} 天 | 请店铺负责人重新授权",
    K.STORE_SYNC_FAILING: "【同步失败】{store} {reason} | 连续失败:{failures} 次 | 开始于:{since} | 错误:{error}",
    K.ACCESS_REQUEST_OPENED: "【权限申请待审批】{store} 申请人:{requester} | 授予:{staff} | 内容:{what} | "
    "理由:{reason} | 审批截止:{decide_by}",
    K.ACCESS_APPROVED_ALONE: "【单人批准·无第二审批人】{store} 批准人:{approver} | 授予:{staff} | 内容:{what} | 理由:{reason}",
    K.SECURITY_LOCKOUT: "【登录锁定】账号:{account} | 地址:{ip} | 失败次数:{failures} | 锁定至:{until}",
    K.SECURITY_UNLOCK: "【解除锁定】账号:{account} | 地址:{ip} | 操作人:{by}",
    K.SECURITY_NEW_SOURCE: "【管理员新来源登录】{person} ({account}) | 地址:{ip} | 浏览器:{browser} | 时间:{time}",
    K.SECURITY_AUDIT_CHECKPOINT: "【审计日志检查点】事件数:{count} | 链头:{head} | 校验:{verified} | 时间:{time}",
    K.DIGEST_DAILY: "【日报】{store} {period} " + _DIGEST_BODY,
    K.DIGEST_WEEKLY: "【周报】{store} {period} " + _DIGEST_BODY,
    K.SOP_CHECKLIST_OVERDUE: "【清单超时未完成】{store} {title} | 负责人:{assignee} | 已完成:{progress} | 截止:{due_time}",
    K.ACCESS_REVIEW_REMINDER: "【权限复核待确认】{review} | 待复核:{count} 项 | 截止:{deadline} | 请在“权限复核”页面保留或撤销",
    K.ACCESS_REVIEW_ESCALATED: "【权限复核已超期】{review} | 未复核:{count} 项 | 截止:{deadline} | 请部门经理或总管理员跟进",
    K.ADS_SPEND_SPIKE: "【广告花费异常】{store} {period} 花费:{spend} | 近7天同时段均值:{usual} | 为平时的{ratio}倍 | "
    "请检查出价与预算",
    K.ADS_BUDGET_NEARLY_USED: "【广告预算即将用完】{store} 广告活动:{campaign} | 已花费:{spent} | {period}:{budget} | 已用:{share}",
    K.ADS_CAMPAIGN_STOPPED: "【广告已停止投放】{store} 广告活动:{campaign} | 原因:{reason} | 平台状态:{platform_state} | "
    "今日花费:{spend}",
    K.ADS_ROAS_DROP: "【广告ROAS下降】{store} {day} ROAS:{roas} | 前7天:{usual_roas} | 变化:{drop} | 花费:{spend} | "
    "广告销售:{sales}",
}

# What {store} says for an event of no store (a department's digest, a company-wide request).
NO_STORE_LABEL = "全公司"
MISSING = "-"


def placeholder_names(kind: str) -> frozenset[str]:
    """The placeholders a template of this kind may use."""
    return frozenset(p.name for p in PLACEHOLDERS.get(kind, ()))


def byte_limit(msgtype: str) -> int:
    """The robot's content limit for this message type, minus the room markdown keeps for mentions."""
    return MARKDOWN_LIMIT - MARKDOWN_MENTION_ROOM if msgtype == "markdown" else TEXT_LIMIT
