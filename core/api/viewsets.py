"""The base API viewset (NetBox's BaseViewSet, PostHog's safe base view): one place gates, one restricts.

- `initial()` gates every action before it runs: the permission the action maps to (`ACTION_FOR`, a
  `service_action`'s own, or `action_permissions`), held at the declared scope (`core.gates.Scope`:
  per store by default; `action_scopes` may ask company-wide for e.g. creating what no store has yet).
  No permission anywhere → 403.
- `get_queryset()` restricts `scope_queryset()`'s rows by the action's permission for every action, so a
  subclass refines the rows and cannot drop the restriction by accident (an object outside → 404). A
  queryset that must not be restricted says so with `core.gates.dangerously_unscoped()`.
- Writes go to declared services, never to `Model.save()`: `create_service`, `update_service` and
  `destroy_service` take `actor=` and the validated data (`service_arguments()` adapts a service whose
  keywords differ); custom actions are declared with `service_action()`. A service's refusal becomes the
  API's error shape in `core.api.exceptions`. An action without a service answers 405.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.gates import Gate, Scope, restricted

ACTION_FOR = {
    "list": "view",
    "retrieve": "view",
    "create": "add",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
}
UNGATED_ACTIONS = (None, "metadata")  # an undeclared method (405) and OPTIONS: no data, no right needed


class BaseViewSet(viewsets.GenericViewSet):
    """Gate in initial(), restrict in get_queryset(); list and retrieve included (the ordinary reads)."""

    action_permissions: dict[str, str] = {}
    action_scopes: dict[str, Scope] = {}
    required_permission: str | None = None
    input_serializers: dict[str, Any] = {}  # action → the serializer that parses its input (default: the viewset's)

    def __init_subclass__(cls, **kwargs):
        """Turn each `service_action()` into a DRF action named after the attribute it is assigned to."""
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            options = getattr(value, "service_action", None)
            if options is not None and not hasattr(value, "mapping"):
                value.__name__ = name
                schema = getattr(value, "kwargs", {}).get("schema")  # extend_schema's, which action() replaces
                setattr(cls, name, action(methods=["post"], **options)(value))
                if schema is not None:
                    value.kwargs["schema"] = schema

    def _base(self) -> Any:
        """The declared queryset (a viewset always declares one)."""
        return type(self).queryset

    # ---- the gate ---------------------------------------------------------------------------------
    def permission_action(self) -> str:
        declared = getattr(getattr(self, self.action or "", None), "permission_action", None)
        return self.action_permissions.get(self.action, declared or ACTION_FOR.get(self.action, "view"))

    def get_required_permission(self) -> str | None:
        if self.required_permission is not None:
            return self.required_permission
        return self._base().model.permission_for(self.permission_action())

    def get_gate(self) -> Gate:
        return Gate(self.get_required_permission(), self.action_scopes.get(self.action, Scope.STORE))

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, sign-in and second factor, throttles
        if self.action not in UNGATED_ACTIONS and not self.get_gate().allows(request.user):
            raise exceptions.PermissionDenied()

    # ---- the scope --------------------------------------------------------------------------------
    def scope_queryset(self, queryset):
        return queryset

    def get_queryset(self):
        return restricted(self.scope_queryset(self._base().all()), self.request.user, self.permission_action())

    # ---- services ---------------------------------------------------------------------------------
    def parse(self, request, *, instance=None, partial: bool = False, serializer_class=None) -> dict:
        """The request's input, validated by the action's serializer."""
        serializer_class = serializer_class or self.input_serializers.get(self.action) or self.get_serializer_class()
        serializer = serializer_class(
            instance, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def call(self, service: Callable[..., Any], **kwargs) -> Any:
        """One service call on behalf of the caller (its refusals are mapped by core.api.exceptions)."""
        return service(actor=self.request.user, **kwargs)

    def respond(self, result, *, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(result).data, status=status_code)


class ReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BaseViewSet):
    """List and retrieve, restricted."""


class ServiceViewSet(ReadOnlyViewSet):
    """List, retrieve, and create / update / destroy through the declared services.

    `object_name` names the keyword under which update and destroy services receive the object (the
    model's name by default: `store_update(actor=, store=, data=)`).
    """

    create_service: Callable[..., Any] | None = None
    update_service: Callable[..., Any] | None = None
    destroy_service: Callable[..., Any] | None = None
    object_name: str | None = None

    def _object_name(self) -> str:
        return self.object_name or self._base().model._meta.model_name

    def service_arguments(self, data: dict, instance=None) -> dict:
        """Keywords for the action's service: the data on create, the object and `data=` on update,
        the object on destroy. Override for a service whose keywords differ."""
        if self.action == "create":
            return data
        if self.action == "destroy":
            return {self._object_name(): instance}
        return {self._object_name(): instance, "data": data}

    def _service(self, name: str) -> Callable[..., Any]:
        service = getattr(self, f"{name}_service", None)
        if service is None:
            raise exceptions.MethodNotAllowed(self.request.method or "")
        return service

    def create(self, request, *args, **kwargs):
        service = self._service("create")
        result = self.call(service, **self.service_arguments(self.parse(request)))
        return self.respond_created(result)

    def respond_created(self, result) -> Response:
        return self.respond(self.reread(result), status_code=status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs):
        service = self._service("update")
        instance = self.get_object()
        data = self.parse(request, instance=instance, partial=partial)
        result = self.call(service, **self.service_arguments(data, instance))
        return self.respond(self.reread(result))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        service = self._service("destroy")
        instance = self.get_object()
        self.call(service, **self.service_arguments({}, instance))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def reread(self, result):
        """The object as the list and detail answers show it (their joins and annotations)."""
        if not isinstance(result, self._base().model):
            return result
        return self.get_queryset().filter(pk=result.pk).first() or result


def service_action(
    service: Callable[..., Any],
    *,
    input: Any = None,
    output: Any = None,
    object_name: str,
    permission: str = "change",
    answer: str = "result",
    detail: bool = True,
    url_path: str | None = None,
):
    """A POST action on one object that calls one service: `POST …/{id}/<name>/`.

    The input serializer's validated data and the object (as `object_name`) go to the service with the
    caller as `actor`; the answer is the output serializer (the viewset's by default) of what the service
    returns (`answer="result"`) or of the object as it now stands (`answer="object"`). The action is gated
    by `permission` (an action of the model's permission map) like every other.
    """

    def run(self, request, pk=None):
        obj = self.get_object()
        data = self.parse(request, serializer_class=input) if input is not None else {}
        result = self.call(service, **{object_name: obj}, **data)
        if answer == "object":
            obj.refresh_from_db()
            result = obj
        serializer = output or self.get_serializer_class()
        return Response(serializer(result, context=self.get_serializer_context()).data)

    run.permission_action = permission  # type: ignore[attr-defined]
    run.service_action = {"detail": detail, "url_path": url_path}  # type: ignore[attr-defined]
    run.__doc__ = service.__doc__
    # without an output serializer the answer is the viewset's serializer, as the schema then says by default
    return extend_schema(request=input, **({"responses": output} if output is not None else {}))(run)
