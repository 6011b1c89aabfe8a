"""Pages of the roles app: the 权限矩阵, role editing, the staff × stores grid, grants (single and bulk,
with a preview), revocations, access requests, "my duties" and "why" — one module per section.

Views parse input, call one selector or service, render. Every page is scoped to the viewer: no right
anywhere → 403, an object outside their stores → 404; refusals come from rbac.services, in the
viewer's language, and are shown as form errors or messages. Audit events are written by the services.
"""

from .bulk import BulkGrantStaffView, BulkGrantStoresView, BulkGrantView, BulkRevokeView
from .duties import MyDutiesView, WhyView
from .grid import GridView
from .offboarding import StaffOffboardView
from .requests import (
    AccessRequestApproveAloneView,
    AccessRequestBatchDecisionView,
    AccessRequestCancelView,
    AccessRequestCreateView,
    AccessRequestDecisionView,
    AccessRequestDetailView,
    AccessRequestListView,
    AccessRequestMixin,
)
from .reviews import MyReviewItemsView, ReviewListView, ReviewReportView, StaleAccessView
from .roles import ApprovalPolicyView, PositionRolesView, RoleDeleteView, RoleDetailView, RoleFormView, RoleMatrixView
from .single import ExceptionGrantView, ExceptionRevokeView, GrantView, RevokeView

__all__ = [
    "MyReviewItemsView",
    "ReviewListView",
    "ReviewReportView",
    "StaleAccessView",
    "ApprovalPolicyView",
    "AccessRequestApproveAloneView",
    "AccessRequestBatchDecisionView",
    "AccessRequestCancelView",
    "AccessRequestCreateView",
    "AccessRequestDecisionView",
    "AccessRequestDetailView",
    "AccessRequestListView",
    "AccessRequestMixin",
    "BulkGrantStaffView",
    "BulkGrantStoresView",
    "BulkGrantView",
    "BulkRevokeView",
    "ExceptionGrantView",
    "ExceptionRevokeView",
    "GrantView",
    "GridView",
    "MyDutiesView",
    "PositionRolesView",
    "RevokeView",
    "RoleDeleteView",
    "RoleDetailView",
    "RoleFormView",
    "RoleMatrixView",
    "StaffOffboardView",
    "WhyView",
]
