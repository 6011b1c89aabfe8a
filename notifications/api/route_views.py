"""The route and message template API (scoped like the pages: see notifications.views_routes)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.viewsets import BaseViewSet, ServiceViewSet
from core.gates import Scope, dangerously_unscoped
from events.choices import EventKind

from .. import message_templates as templates
from .. import services
from ..filtersets import RouteFilterSet
from ..models import MessageTemplate, Route
from .route_serializers import PreviewSerializer, RouteSerializer, TemplatePreviewSerializer, TemplateSerializer


class RouteViewSet(ServiceViewSet):
    """Routes of the stores whose settings the caller sees; routes over several stores (platform, site,
    group, all) only for those who see every store's. Changes need settings_manage on the route's store
    (every store for those over several) and on its robot's store."""

    queryset = Route.objects.all()
    serializer_class = RouteSerializer
    filterset_class = RouteFilterSet
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "pk"]
    create_service = staticmethod(services.route_create)
    update_service = staticmethod(services.route_update)
    destroy_service = staticmethod(services.route_delete)

    def scope_queryset(self, queryset):
        return queryset.select_related("robot", "store", "store_group")

    def service_arguments(self, data, instance=None):
        if self.action in ("update", "partial_update"):
            return {"route": instance, "data": data}
        return super().service_arguments(data, instance)


class TemplateViewSet(mixins.ListModelMixin, BaseViewSet):
    """Message templates per event kind (`/message-templates/{kind}/`): every kind listed, default or
    customized; PUT saves (refused: an unknown placeholder, a message that cannot fit the robot's limit);
    POST …/reset/ goes back to the default; POST …/preview/ renders a draft against the latest event of
    that kind the caller may see. Reading needs settings_view somewhere; changing settings_manage on every
    store."""

    queryset = MessageTemplate.objects.all()
    serializer_class = TemplateSerializer
    lookup_field = "kind"
    lookup_value_regex = r"[a-z_]+\.[a-z_]+"
    http_method_names = ["get", "put", "post", "head", "options"]
    action_scopes = {"update": Scope.COMPANY, "reset": Scope.COMPANY}

    def get_required_permission(self) -> str:
        return "settings_manage" if self.action in ("update", "reset") else "settings_view"

    def get_queryset(self):
        return dangerously_unscoped(MessageTemplate.objects.all(), reason="templates are company-wide")

    def _kind(self) -> str:
        kind = self.kwargs.get("kind", "")
        if kind not in EventKind.values:
            raise Http404
        return kind

    def get_object(self):
        """The kind's current message (saved or default): what OPTIONS and the detail answer describe."""
        return templates.template_current(kind=self._kind())

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(templates.template_overview())  # one page holds every kind
        return self.get_paginated_response(TemplateSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(TemplateSerializer(self.get_object()).data)

    def update(self, request, *args, **kwargs):
        kind = self._kind()
        data = self.parse(request)
        self.call(templates.template_save, kind=kind, msgtype=data["msgtype"], body=data["body"])
        return Response(TemplateSerializer(templates.template_current(kind=kind)).data)

    @extend_schema(request=None, responses=TemplateSerializer)
    @action(detail=True, methods=["post"])
    def reset(self, request, kind=None):
        kind = self._kind()
        self.call(templates.template_reset, kind=kind)
        return Response(TemplateSerializer(templates.template_current(kind=kind)).data)

    @extend_schema(request=TemplatePreviewSerializer, responses=PreviewSerializer)
    @action(detail=True, methods=["post"])
    def preview(self, request, kind=None):
        kind = self._kind()
        data = self.parse(request, serializer_class=TemplatePreviewSerializer)
        return Response(templates.template_preview(viewer=request.user, kind=kind, **data))
