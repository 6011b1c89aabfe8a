"""The roles API: roles, bindings, access requests, exception grants, and the caller's own permissions.

Every viewset is a core.api.viewsets.ServiceViewSet (gated in initial(), the queryset always restricted
to the caller's stores); every write parses input, then calls one declared service, which enforces
delegation, the two-person rule and the invariants — there is no mass-assignment path around them.
"""

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.viewsets import BaseViewSet, ServiceViewSet, service_action

from .. import page_selectors, services
from ..filtersets import AccessRequestFilterSet, ExceptionGrantFilterSet, RoleBindingFilterSet
from ..models import AccessRequest, ExceptionGrant, Role, RoleBinding
from ..selectors import me_permissions, role_list
from .serializers import (
    AccessRequestCreateSerializer,
    AccessRequestSerializer,
    BindingCreateSerializer,
    ExceptionGrantCreateSerializer,
    ExceptionGrantSerializer,
    MePermissionsSerializer,
    OffboardResultSerializer,
    OptionalReasonSerializer,
    ReasonSerializer,
    RoleBindingSerializer,
    RoleSerializer,
)


def _granted(result, serializer_class) -> Response:
    """201 with the grant, or 202 with the access request the two-person rule opened instead."""
    if isinstance(result, AccessRequest):
        return Response(AccessRequestSerializer(result).data, status=status.HTTP_202_ACCEPTED)
    return Response(serializer_class(result).data, status=status.HTTP_201_CREATED)


class RoleViewSet(ServiceViewSet):
    """Roles: listed for anyone who views staff somewhere; created, edited and deleted by super admins only."""

    queryset = Role.objects.all()
    serializer_class = RoleSerializer
    ordering = ["-is_super_admin", "-builtin", "name"]
    ordering_fields = ["name"]
    create_service = staticmethod(services.role_create)
    update_service = staticmethod(services.role_update)
    destroy_service = staticmethod(services.role_delete)

    def scope_queryset(self, queryset):
        return role_list(viewer=self.request.user)  # every answer carries `holders`, as the schema says

    def service_arguments(self, data, instance=None):
        if self.action == "create":
            return {
                "name": data["name"],
                "description": data.get("description", ""),
                "permissions": data.get("permissions", []),
            }
        if self.action == "destroy":
            return {"role": instance, "reason": self.request.data.get("reason", "") or ""}
        fields = ("name", "description", "permissions")
        return {"role": instance, **{field: data.get(field) for field in fields}}


@extend_schema_view(
    create=extend_schema(
        request=BindingCreateSerializer, responses={201: RoleBindingSerializer, 202: AccessRequestSerializer}
    )
)
class RoleBindingViewSet(ServiceViewSet):
    """Role bindings in the caller's stores (users_view), filterable by staff, store, role and live.

    POST grants (201 with the binding, or 202 with the access request when a second person must
    approve); POST …/revoke/ ends one. Bindings are never edited or deleted through the API.
    """

    queryset = RoleBinding.objects.all()
    serializer_class = RoleBindingSerializer
    filterset_class = RoleBindingFilterSet
    ordering_fields = ["created_at", "expires_at"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "head", "options"]
    input_serializers = {"create": BindingCreateSerializer}
    create_service = staticmethod(services.binding_grant)

    def scope_queryset(self, queryset):
        return queryset.select_related("staff", "role", "store")

    def respond_created(self, result) -> Response:
        return _granted(result, RoleBindingSerializer)

    revoke = service_action(
        services.binding_revoke, input=ReasonSerializer, output=RoleBindingSerializer, object_name="binding"
    )


@extend_schema_view(
    create=extend_schema(request=AccessRequestCreateSerializer, responses={201: AccessRequestSerializer})
)
class AccessRequestViewSet(ServiceViewSet):
    """Access requests in the caller's stores. POST asks (for oneself on a store one works in, or for
    someone else when one could grant it); approve/reject need the right to grant it and never the
    requester or grantee; cancel is for the requester or grantee."""

    queryset = AccessRequest.objects.all()
    serializer_class = AccessRequestSerializer
    filterset_class = AccessRequestFilterSet
    ordering_fields = ["created_at", "expires_at"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "head", "options"]
    action_permissions = {"create": "request"}
    input_serializers = {"create": AccessRequestCreateSerializer}
    create_service = staticmethod(services.access_request_create)

    def scope_queryset(self, queryset):
        return queryset.select_related("permission")

    approve = service_action(
        services.access_request_approve, input=ReasonSerializer, object_name="access_request", answer="object"
    )
    reject = service_action(
        services.access_request_reject, input=ReasonSerializer, object_name="access_request", answer="object"
    )
    cancel = service_action(
        services.access_request_cancel,
        input=OptionalReasonSerializer,
        object_name="access_request",
        permission="request",
        answer="object",
    )


@extend_schema_view(
    create=extend_schema(
        request=ExceptionGrantCreateSerializer, responses={201: ExceptionGrantSerializer, 202: AccessRequestSerializer}
    )
)
class ExceptionGrantViewSet(ServiceViewSet):
    """Single-permission exception grants in the caller's stores; POST grants (202 with an access request
    for a high-risk permission), POST …/revoke/ ends one."""

    queryset = ExceptionGrant.objects.all()
    serializer_class = ExceptionGrantSerializer
    filterset_class = ExceptionGrantFilterSet
    ordering_fields = ["created_at", "expires_at"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "head", "options"]
    input_serializers = {"create": ExceptionGrantCreateSerializer}
    create_service = staticmethod(services.exception_grant)

    def scope_queryset(self, queryset):
        return queryset.select_related("permission")

    def respond_created(self, result) -> Response:
        return _granted(result, ExceptionGrantSerializer)

    revoke = service_action(
        services.exception_revoke, input=ReasonSerializer, output=ExceptionGrantSerializer, object_name="grant"
    )


class StaffOffboardViewSet(BaseViewSet):
    """POST /staff/{id}/offboard/ {"reason": …}: rbac.services.staff_offboard — every binding and exception
    grant revoked, pending requests by or for them cancelled, the account closed. 403 without users_manage
    anywhere (or when the service refuses the caller), 404 for someone outside the caller's stores, 400
    when the change is not allowed (stores still owned, the last super admin, already offboarded)."""

    queryset = get_user_model().objects.all()
    serializer_class = ReasonSerializer
    action_permissions = {"offboard": "change"}

    @extend_schema(request=ReasonSerializer, responses=OffboardResultSerializer)
    def offboard(self, request, pk=None):
        person = self.get_object()
        data = self.parse(request)
        started = timezone.now()
        result = self.call(services.staff_offboard, staff=person, reason=data["reason"])
        ended = page_selectors.offboarding_outcome(viewer=request.user, staff=person, since=started)
        return Response(
            OffboardResultSerializer(
                {
                    "staff": person.pk,
                    "status": person.status,
                    "is_active": person.is_active,
                    "bindings_revoked": result.bindings,
                    "exception_grants_revoked": result.exception_grants,
                    "requests_cancelled": result.requests,
                    "bindings": ended.bindings,
                    "exception_grants": ended.exceptions,
                    "requests": ended.requests,
                }
            ).data
        )


class MePermissionsView(APIView):
    """GET: the caller's own permissions — all-store codenames, and the stores grouped by the codenames held
    there (one group per distinct set, so the answer stays small for someone on thousands of stores)."""

    @extend_schema(responses=MePermissionsSerializer)
    def get(self, request):
        return Response(me_permissions(user=request.user))
