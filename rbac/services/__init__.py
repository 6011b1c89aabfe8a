"""Writes for roles, bindings, access requests and exception grants (one module per section).

Every service is atomic, re-checks the actor's rights from a fresh load of their bindings, keeps
django-guardian in step (rbac.sync) and records its audit events inside the same transaction.
Refusals are core.denied.Refused, a PermissionDenied (the actor lacks a right; the request that
caused it is recorded as a `denied` audit event however the page answers), or ValidationError (the
change itself is not allowed), each with a translated message saying why.

Delegation without escalation: a granter with users_manage on store S grants/revokes on S only, only
roles whose permissions they hold themselves on S, never to or from themselves, never all-store
bindings; only super admins edit roles and grant all-store bindings. A grant that includes a
high-risk permission becomes an AccessRequest that another entitled person approves.

Sections, each importing only those above it: common (refusal rules, row builders) · roles ·
revoke · requests (opening) · grants · exceptions · approvals (deciding) · alone (the sole super admin's fallback) · expiry · offboarding ·
bootstrap. Callers import from `rbac.services`; the names below are its public surface (plus the
refusal helpers the page selectors reuse to explain a refusal in the same words).
"""

from .alone import (
    ALONE_REASON,
    access_requests_approve_alone,
    alone_notice,
    approve_alone_refusal,
    approvers_named,
    second_approvers,
)
from .approval_policy import approval_policy_set
from .approvals import (
    access_request_approve,
    access_request_cancel,
    access_request_reject,
    access_requests_bulk_approve,
    access_requests_bulk_reject,
)
from .bootstrap import binding_bootstrap
from .common import PlanChanged, Refusal, Target, _exception_refusal, _last_super_admin_message, _permanent_super_admins
from .exceptions import exception_grant, exception_revoke, exceptions_revocable
from .expiry import expire_due
from .grants import GrantPlan, GrantResult, binding_grant, bindings_bulk_grant, bindings_bulk_grant_plan
from .offboarding import OffboardResult, staff_offboard
from .requests import access_request_create
from .revoke import RevokePlan, binding_revoke, bindings_bulk_revoke, bindings_bulk_revoke_plan
from .roles import position_roles_set, role_create, role_delete, role_update

__all__ = [
    "ALONE_REASON",
    "access_requests_approve_alone",
    "alone_notice",
    "approvers_named",
    "approval_policy_set",
    "approve_alone_refusal",
    "second_approvers",
    "GrantPlan",
    "GrantResult",
    "OffboardResult",
    "PlanChanged",
    "Refusal",
    "RevokePlan",
    "Target",
    "_exception_refusal",
    "_last_super_admin_message",
    "_permanent_super_admins",
    "access_request_approve",
    "access_request_cancel",
    "access_request_create",
    "access_request_reject",
    "access_requests_bulk_approve",
    "access_requests_bulk_reject",
    "binding_bootstrap",
    "binding_grant",
    "binding_revoke",
    "bindings_bulk_grant",
    "bindings_bulk_grant_plan",
    "bindings_bulk_revoke",
    "bindings_bulk_revoke_plan",
    "exception_grant",
    "exception_revoke",
    "exceptions_revocable",
    "expire_due",
    "position_roles_set",
    "role_create",
    "role_delete",
    "role_update",
    "staff_offboard",
]
