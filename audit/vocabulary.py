"""The audit log in words: every action and object type as people say it (zh-hans and English).

An action is `<object>.<verb>` ("access_request.approve"); its words are the object's and the verb's
("权限申请 · 批准"), unless ACTIONS names the whole action ("auth.login" → "登录"). Object types are the
`app_label.model` of the target ("rbac.accessrequest"), named by TARGET_TYPES. A code nobody named yet is shown
as it is, never hidden; tests/audit/test_vocabulary.py fails when a recorded action has no words.
"""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

OBJECTS = {
    "access_request": _("Access request"),
    "approval_policy": _("Approval policy"),
    "audit": _("Audit log"),
    "auth": _("Sign-in"),
    "binding": _("Role binding"),
    "case": _("After-sales case"),
    "checklist": _("Checklist"),
    "checklist_item": _("Checklist item"),
    "checklist_template": _("Checklist template"),
    "delivery": _("Message delivery"),
    "exchange_rate": _("Exchange rate"),
    "department": _("Department"),
    "exception": _("Exception grant"),
    "import": _("Spreadsheet import"),
    "leave": _("Leave"),
    "message_template": _("Message template"),
    "order": _("Order"),
    "order_settings": _("Order settings"),
    "position": _("Position"),
    "report": _("Report"),
    "review": _("Access review"),
    "robot": _("Group robot"),
    "role": _("Role"),
    "route": _("Route"),
    "security": _("Security"),
    "sku_cost": _("SKU cost"),
    "staff": _("Staff member"),
    "stock": _("Stock"),
    "store": _("Store"),
    "store_group": _("Store group"),
    "wecom": _("WeCom"),
}

VERBS = {
    "approve": pgettext_lazy("audit verb", "approved"),
    "approve_alone": pgettext_lazy("audit verb", "approved alone (no second approver)"),
    "assign": pgettext_lazy("audit verb", "assigned"),
    "authorize": pgettext_lazy("audit verb", "authorized"),
    "broken": pgettext_lazy("audit verb", "found broken"),
    "cancel": pgettext_lazy("audit verb", "cancelled"),
    "chain_check": pgettext_lazy("audit verb", "chain verified"),
    "claim": pgettext_lazy("audit verb", "claimed"),
    "close": pgettext_lazy("audit verb", "closed"),
    "complete": pgettext_lazy("audit verb", "completed"),
    "connection_test": pgettext_lazy("audit verb", "connection tested"),
    "create": pgettext_lazy("audit verb", "created"),
    "credentials_change": pgettext_lazy("audit verb", "credentials changed"),
    "deauthorize": pgettext_lazy("audit verb", "authorization removed"),
    "decide": pgettext_lazy("audit verb", "decided"),
    "delete": pgettext_lazy("audit verb", "deleted"),
    "expire": pgettext_lazy("audit verb", "expired"),
    "export": pgettext_lazy("audit verb", "exported"),
    "grant": pgettext_lazy("audit verb", "granted"),
    "hand_over": pgettext_lazy("audit verb", "handed over"),
    "handle": pgettext_lazy("audit verb", "handled"),
    "import": pgettext_lazy("audit verb", "imported"),
    "offboard": pgettext_lazy("audit verb", "offboarded"),
    "onboard": pgettext_lazy("audit verb", "onboarded"),
    "policy_update": pgettext_lazy("audit verb", "policy changed"),
    "reject": pgettext_lazy("audit verb", "rejected"),
    "reset": pgettext_lazy("audit verb", "reset to default"),
    "retry": pgettext_lazy("audit verb", "retried"),
    "revoke": pgettext_lazy("audit verb", "revoked"),
    "roles": pgettext_lazy("audit verb", "default roles set"),
    "test": pgettext_lazy("audit verb", "test message sent"),
    "threshold": pgettext_lazy("audit verb", "low-stock threshold set"),
    "tick": pgettext_lazy("audit verb", "ticked"),
    "transfer": pgettext_lazy("audit verb", "transferred"),
    "untick": pgettext_lazy("audit verb", "unticked"),
    "update": pgettext_lazy("audit verb", "changed"),
}

ACTIONS = {
    "auth.login": _("Signed in"),
    "auth.logout": _("Signed out"),
    "auth.login_failed": _("Sign-in failed"),
    "auth.login_refused": _("Sign-in refused"),
    "auth.lockout": _("Sign-in locked out"),
    "auth.unlock": _("Sign-in lock lifted"),
    "auth.password_change": _("Password changed"),
    "auth.2fa_enroll": _("Second factor enrolled"),
    "auth.2fa_verify": _("Second factor verified"),
    "auth.2fa_failed": _("Second factor failed"),
    "auth.2fa_remove": _("Second factor removed"),
    "auth.2fa_reset": _("Second factor reset by an admin"),
    "auth.backup_code_used": _("Backup code used"),
    "auth.backup_codes_regenerate": _("Backup codes regenerated"),
    "auth.token_issue": _("API token issued"),
    "auth.token_revoke": _("API token revoked"),
    "auth.token_expired": _("API token expired"),
    "auth.token_new_address": _("API token used from a new address"),
    "audit.chain_check": _("Audit chain verified"),
    "audit.export": _("Audit log exported"),
    "audit.archive": _("Audit events archived"),
    "security.policy_update": _("Security policy changed"),
    "wecom.member_create": _("WeCom member created"),
    "wecom.member_disable": _("WeCom member disabled"),
    "wecom.settings_update": _("WeCom settings changed"),
    "wecom.directory_import": _("WeCom directory imported"),
    "ads.settings_update": _("Ads alert thresholds changed"),
    "ads.export": _("Ads exported"),
    "change": _("Changed"),
    "denied": _("Refused (no permission)"),
}

TARGET_TYPES = {
    "staff.staff": _("Staff member"),
    "staff.department": _("Department"),
    "staff.position": _("Position"),
    "staff.apitoken": _("API token"),
    "staff.leave": _("Leave"),
    "staff.wecomsettings": _("WeCom settings"),
    "ads.adsstore": _("Store ads"),
    "ads.campaign": _("Ad campaign"),
    "stores.store": _("Store"),
    "stores.storegroup": _("Store group"),
    "stores.shopeeapp": _("Shopee app"),
    "stores.shopeecredential": _("Shopee credentials"),
    "stores.ozoncredential": _("Ozon credentials"),
    "stores.ozonperformancecredential": _("Ozon Performance credentials"),
    "rbac.role": _("Role"),
    "rbac.rolebinding": _("Role binding"),
    "rbac.accessrequest": _("Access request"),
    "rbac.exceptiongrant": _("Exception grant"),
    "rbac.accessreview": _("Access review"),
    "rbac.reviewitem": _("Access review item"),
    "rbac.positionrole": _("Position default role"),
    "orders.order": _("Order"),
    "orders.aftersalescase": _("After-sales case"),
    "orders.stocklevel": _("Stock"),
    "orders.orderitem": _("Order line"),
    "orders.storesettings": _("Order settings"),
    "events.event": _("Event"),
    "notifications.robot": _("Group robot"),
    "notifications.route": _("Route"),
    "notifications.messagetemplate": _("Message template"),
    "notifications.delivery": _("Message delivery"),
    "notifications.sentmessage": _("Sent message"),
    "security.securitypolicy": _("Security policy"),
    "sop.checklist": _("Checklist"),
    "sop.checklistitem": _("Checklist item"),
    "sop.checklisttemplate": _("Checklist template"),
    "sop.templateitem": _("Checklist template item"),
    "sop.importjob": _("Spreadsheet import"),
    "audit.auditevent": _("Audit log"),
    "audit.chaincheck": _("Audit chain check"),
    "audit.auditcheckpoint": _("Audit checkpoint"),
    "audit.auditarchive": _("Audit archive"),
    "reports.skucost": _("SKU cost"),
    "reports.exchangerate": _("Exchange rate"),
    "reports.board": _("Cross-store board"),
}


def known(action: str) -> bool:
    """Whether the action has words (not shown as its code)."""
    if action in ACTIONS:
        return True
    obj, _dot, verb = action.partition(".")
    return obj in OBJECTS and verb in VERBS


def _action_label(action: str) -> str:
    if action in ACTIONS:
        return str(ACTIONS[action])
    obj, _dot, verb = action.partition(".")
    if obj in OBJECTS and verb in VERBS:
        return f"{OBJECTS[obj]} · {VERBS[verb]}"
    return action


def _target_type_label(target_type: str) -> str:
    return str(TARGET_TYPES[target_type]) if target_type in TARGET_TYPES else target_type


action_label = lazy(_action_label, str)
target_type_label = lazy(_target_type_label, str)


# Every action the console records (tests/audit/test_vocabulary.py keeps this in step with the code): the
# filter's choices.
RECORDED = (
    "access_request.approve access_request.approve_alone access_request.cancel access_request.create "
    "access_request.expire access_request.reject approval_policy.update audit.archive audit.chain_check "
    "audit.export auth.2fa_enroll auth.2fa_failed auth.2fa_remove auth.2fa_reset auth.2fa_verify "
    "auth.backup_code_used auth.backup_codes_regenerate auth.lockout auth.login auth.login_failed "
    "auth.login_refused auth.logout auth.password_change auth.token_expired auth.token_issue "
    "auth.token_new_address auth.token_revoke auth.unlock binding.expire binding.grant binding.revoke "
    "case.assign case.claim case.hand_over case.handle change delivery.retry denied department.create "
    "department.delete department.update exception.grant exception.revoke message_template.reset "
    "message_template.update order.assign order.claim order.hand_over order.handle order_settings.update "
    "position.create position.delete position.roles position.update robot.broken robot.create robot.delete "
    "robot.test robot.update role.create role.delete role.update route.create route.delete route.update "
    "security.policy_update staff.create staff.offboard staff.update stock.threshold store.authorize "
    "store.connection_test store.create store.credentials_change store.deauthorize store.update "
    "store_group.create store_group.delete store_group.update"
    " ads.export ads.settings_update"
    " wecom.directory_import wecom.member_create wecom.member_disable wecom.settings_update"
    # staff lifecycle (sop.lifecycle): onboarding, leave, transfer, offboarding with its handover
    " checklist.complete checklist_item.tick checklist_item.untick"
    " checklist.create checklist_item.update delivery.update leave.cancel leave.create staff.hand_over staff.onboard"
    " staff.transfer"
    # the cross-store board (reports): its exports, the SKU cost import, exchange rates
    " report.export sku_cost.import exchange_rate.update"
    # spreadsheets (sop.spreadsheets): a file checked, an import applied, the sheets exported
    " import.create import.complete staff.export store.export role.export"
    # access reviews (rbac.services.reviews): a campaign started, items kept or revoked, closed, its report exported
    " review.create review.decide review.close review.export"
).split()


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Actions to filter by, in words, grouped by what they act on ("Access request" → approved, rejected …).
    A group of several starts with the whole object (its code and a dot: a prefix)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for action in RECORDED:
        groups.setdefault(action.partition(".")[0] if "." in action else "", []).append((action, _action_label(action)))
    choices = []
    for obj, items in groups.items():
        label = str(OBJECTS[obj]) if obj in OBJECTS else str(_("Other"))
        if obj and len(items) > 1:
            items = [(f"{obj}.", str(_("%(object)s — all actions")) % {"object": label})] + items
        choices.append((label, items))
    return sorted(choices, key=lambda group: group[0])


def target_type_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(label)) for code, label in TARGET_TYPES.items()), key=lambda c: c[1])


def actions_named(words: str) -> list[str]:
    """The recorded actions whose words (in the active language) contain `words`: "批准" → the approvals."""
    words = words.strip().casefold()
    if len(words) < 2:
        return []
    return [action for action in RECORDED if words in _action_label(action).casefold()]
