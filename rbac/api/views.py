"""The roles API: roles, bindings, access requests, exception grants, and the caller's own permissions.

Every viewset is a ScopedModelViewSet (the queryset is always restricted to the caller's stores);
every write parses input, then calls one service, which enforces delegation, the two-person rule and
the invariants — there is no mass-assignment path around them.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.viewsets import ScopedModelViewSet, ScopedViewSetMixin
from staff.api.serializers import service_errors

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


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise service_errors(exc) from exc


def _input(serializer_class, request, **context):
    serializer = serializer_class(data=request.data, context={"request": request, **context})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _granted(result, serializer_class) -> Response:
    """201 with the grant, or 202 with the access request the two-person rule opened instead."""
    if isinstance(result, AccessRequest):
        return Response(AccessRequestSerializer(result).data, status=status.HTTP_202_ACCEPTED)
    return Response(serializer_class(result).data, status=status.HTTP_201_CREATED)


class RoleViewSet(ScopedModelViewSet):
    """Roles: listed for anyone who views staff somewhere; created, edited and deleted by super admins only."""

    queryset = Role.objects.all()
    serializer_class = RoleSerializer
    ordering = ["-is_super_admin", "-builtin", "name"]
    ordering_fields = ["name"]

    def scope_queryset(self, queryset):
        return role_list(viewer=self.request.user)  # every answer carries `holders`, as the schema says

    def create(self, request, *args, **kwargs):
        self.get_queryset()  # the scope check: 403 unless a super admin
        data = _input(RoleSerializer, request)
        role = _call(
            services.role_create,
            actor=request.user,
            name=data["name"],
            description=data.get("description", ""),
            permissions=data.get("permissions", []),
        )
        return Response(RoleSerializer(self.get_queryset().get(pk=role.pk)).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        role = self.get_object()
        serializer = RoleSerializer(role, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        role = _call(
            services.role_update,
            actor=request.user,
            role=role,
            name=data.get("name"),
            description=data.get("description"),
            permissions=data.get("permissions"),
        )
        return Response(RoleSerializer(self.get_queryset().get(pk=role.pk)).data)

    def destroy(self, request, *args, **kwargs):
        role = self.get_object()
        _call(services.role_delete, actor=request.user, role=role, reason=request.data.get("reason", "") or "")
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoleBindingViewSet(ScopedModelViewSet):
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
    action_map_extra = {"revoke": "change"}

    def scope_queryset(self, queryset):
        return queryset.select_related("staff", "role", "store")

    @extend_schema(
        request=BindingCreateSerializer, responses={201: RoleBindingSerializer, 202: AccessRequestSerializer}
    )
    def create(self, request, *args, **kwargs):
        self.get_queryset()  # the scope check: 403 unless the caller manages users somewhere
        data = _input(BindingCreateSerializer, request)
        result = _call(
            services.binding_grant,
            actor=request.user,
            staff=data["staff"],
            role=data["role"],
            store=data["store"],
            reason=data["reason"],
            expires_at=data["expires_at"],
        )
        return _granted(result, RoleBindingSerializer)

    @extend_schema(request=ReasonSerializer, responses=RoleBindingSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        binding = self.get_object()
        data = _input(ReasonSerializer, request)
        binding = _call(services.binding_revoke, actor=request.user, binding=binding, reason=data["reason"])
        return Response(RoleBindingSerializer(binding).data)


class AccessRequestViewSet(ScopedModelViewSet):
    """Access requests in the caller's stores. POST asks (for oneself on a store one works in, or for
    someone else when one could grant it); approve/reject need the right to grant it and never the
    requester or grantee; cancel is for the requester or grantee."""

    queryset = AccessRequest.objects.all()
    serializer_class = AccessRequestSerializer
    filterset_class = AccessRequestFilterSet
    ordering_fields = ["created_at", "expires_at"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "head", "options"]
    action_map_extra = {"create": "request", "approve": "change", "reject": "change", "cancel": "request"}

    def scope_queryset(self, queryset):
        return queryset.select_related("permission")

    @extend_schema(request=AccessRequestCreateSerializer, responses={201: AccessRequestSerializer})
    def create(self, request, *args, **kwargs):
        self.get_queryset()
        data = _input(AccessRequestCreateSerializer, request)
        req = _call(
            services.access_request_create,
            actor=request.user,
            staff=data["staff"],
            role=data["role"],
            permission=data["permission"],
            store=data["store"],
            reason=data["reason"],
            expires_at=data["expires_at"],
        )
        return Response(AccessRequestSerializer(req).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses=AccessRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        req = self.get_object()
        data = _input(ReasonSerializer, request)
        _call(services.access_request_approve, actor=request.user, access_request=req, reason=data["reason"])
        return Response(AccessRequestSerializer(req).data)

    @extend_schema(request=ReasonSerializer, responses=AccessRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        req = self.get_object()
        data = _input(ReasonSerializer, request)
        _call(services.access_request_reject, actor=request.user, access_request=req, reason=data["reason"])
        return Response(AccessRequestSerializer(req).data)

    @extend_schema(request=OptionalReasonSerializer, responses=AccessRequestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        req = self.get_object()
        data = _input(OptionalReasonSerializer, request)
        _call(services.access_request_cancel, actor=request.user, access_request=req, reason=data["reason"])
        return Response(AccessRequestSerializer(req).data)


class ExceptionGrantViewSet(ScopedModelViewSet):
    """Single-permission exception grants in the caller's stores; POST grants (202 with an access request
    for a high-risk permission), POST …/revoke/ ends one."""

    queryset = ExceptionGrant.objects.all()
    serializer_class = ExceptionGrantSerializer
    filterset_class = ExceptionGrantFilterSet
    ordering_fields = ["created_at", "expires_at"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "head", "options"]
    action_map_extra = {"revoke": "change"}

    def scope_queryset(self, queryset):
        return queryset.select_related("permission")

    @extend_schema(
        request=ExceptionGrantCreateSerializer, responses={201: ExceptionGrantSerializer, 202: AccessRequestSerializer}
    )
    def create(self, request, *args, **kwargs):
        self.get_queryset()
        data = _input(ExceptionGrantCreateSerializer, request)
        result = _call(
            services.exception_grant,
            actor=request.user,
            staff=data["staff"],
            store=data["store"],
            permission=data["permission"],
            reason=data["reason"],
            expires_at=data["expires_at"],
        )
        return _granted(result, ExceptionGrantSerializer)

    @extend_schema(request=ReasonSerializer, responses=ExceptionGrantSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        grant = self.get_object()
        data = _input(ReasonSerializer, request)
        grant = _call(services.exception_revoke, actor=request.user, grant=grant, reason=data["reason"])
        return Response(ExceptionGrantSerializer(grant).data)


class StaffOffboardViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """POST /staff/{id}/offboard/ {"reason": …}: rbac.services.staff_offboard — every binding and exception
    grant revoked, pending requests by or for them cancelled, the account closed. 403 without users_manage
    anywhere (or when the service refuses the caller), 404 for someone outside the caller's stores, 400
    when the change is not allowed (stores still owned, the last super admin, already offboarded)."""

    queryset = get_user_model().objects.all()
    serializer_class = ReasonSerializer
    action_map_extra = {"offboard": "change"}

    @extend_schema(request=ReasonSerializer, responses=OffboardResultSerializer)
    def offboard(self, request, pk=None):
        person = self.get_object()
        data = _input(ReasonSerializer, request)
        started = timezone.now()
        result = _call(services.staff_offboard, actor=request.user, staff=person, reason=data["reason"])
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
    """GET: the caller's own permissions — per store id the codenames, plus all-store ones."""

    @extend_schema(responses=MePermissionsSerializer)
    def get(self, request):
        return Response(me_permissions(user=request.user))
