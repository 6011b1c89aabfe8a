"""Store connection pages: authorize a Shopee store, take an Ozon store's keys, test the connection.

Every page acts on a store the viewer manages the settings of (settings_manage): no such store
anywhere → 403, a store outside the viewer's reach → 404. The services check the right again.

The Shopee callback is bound to the request that started it: the redirect URL carries a signed
`state` (store, app, person, nonce) and the nonce sits in the session until the callback spends it,
so an answer cannot be replayed, nor delivered into another store or another person's session.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import generic

from core.crypto import mask
from core.forms import add_service_errors, service_error_messages
from core.gates import Scope, dangerously_unscoped
from core.stepup import StepUpRequiredMixin
from core.views import FORM_METHODS, READ_METHODS, GateMixin

from . import authorization, performance
from .auth_forms import OzonKeysForm, OzonPerformanceKeysForm, ShopeeAppForm
from .choices import Platform
from .clients.errors import PlatformError
from .credentials import sanitize_error, shopee_app_save
from .models import ShopeeApp, Store

STATE_SALT = "stores.shopee-authorization"
STATE_MAX_AGE = 15 * 60  # seconds; Shopee's own link dies after 5 minutes, the seller may take longer
SESSION_KEY = "store_auth.shopee_pending"
MAX_PENDING = 5


class StoreConnectionMixin(GateMixin):
    """The store from the URL, among those where the viewer manages settings."""

    model = Store
    permission_action = "change"

    def get_store(self, *, platform: str | None = None) -> Store:
        store = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if platform and store.platform != platform:
            raise Http404
        return store


def _error_messages(request, exc: ValidationError) -> None:
    for message in service_error_messages(exc):
        messages.error(request, message)


class ShopeeAuthorizeView(StoreConnectionMixin, generic.View):
    """Send the admin to Shopee's (or the simulator's) authorization page for this store.

    With several active Shopee apps the page first asks which one (`?app=<id>`).
    """

    http_method_names = READ_METHODS

    def get(self, request, *args, **kwargs):
        store = self.get_store(platform=Platform.SHOPEE)
        apps = list(authorization.shopee_apps_available())
        chosen = request.GET.get("app", "")
        app = next((a for a in apps if str(a.pk) == chosen), None) if chosen else (apps[0] if len(apps) == 1 else None)
        if not apps:
            messages.error(request, _("No Shopee app is set up yet. Ask a super administrator to add one."))
            return redirect(store.get_absolute_url())
        if app is None:
            return TemplateResponse(request, "store_auth/shopee_choose_app.html", {"store": store, "apps": apps})
        state = self._start(request, store=store, app=app)
        callback = request.build_absolute_uri(reverse("store_auth:shopee_callback")) + "?" + urlencode({"state": state})
        try:
            link = authorization.shopee_authorization_link(
                actor=request.user, store=store, app=app, redirect_url=callback
            )
        except ValidationError as exc:
            _error_messages(request, exc)
            return redirect(store.get_absolute_url())
        return redirect(link)

    @staticmethod
    def _start(request, *, store: Store, app: ShopeeApp) -> str:
        nonce = secrets.token_urlsafe(16)
        pending = dict(request.session.get(SESSION_KEY, {}))
        pending[nonce] = store.pk
        request.session[SESSION_KEY] = dict(list(pending.items())[-MAX_PENDING:])
        return signing.dumps({"s": store.pk, "a": app.pk, "u": request.user.pk, "n": nonce}, salt=STATE_SALT)


class ShopeeCallbackView(GateMixin, generic.View):
    """Shopee sends the seller's browser here with `code` and `shop_id`; the tokens go to the store
    named in the signed state, once, for the person who started the authorization (checked below,
    with the store among those whose settings they manage)."""

    scope = Scope.OWN
    http_method_names = READ_METHODS

    def get(self, request, *args, **kwargs):
        try:
            state = signing.loads(request.GET.get("state", ""), salt=STATE_SALT, max_age=STATE_MAX_AGE)
        except signing.BadSignature:
            return self._refuse()
        pending = dict(request.session.get(SESSION_KEY, {}))
        nonce = state.get("n")
        if state.get("u") != request.user.pk or pending.pop(nonce, None) != state.get("s"):
            return self._refuse()
        request.session[SESSION_KEY] = pending  # the state is spent, whatever happens next
        store = get_object_or_404(
            Store.objects.restrict(request.user, "change"), pk=state["s"], platform=Platform.SHOPEE
        )
        app = get_object_or_404(ShopeeApp, pk=state["a"])
        code, shop_id = request.GET.get("code", ""), request.GET.get("shop_id", "")
        if not code or not shop_id.isdigit():
            messages.error(request, _("Shopee did not authorize the shop (no code came back). Try again."))
            return redirect(store.get_absolute_url())
        try:
            authorization.shopee_authorize_callback(
                actor=request.user, store=store, app=app, code=code, shop_id=int(shop_id)
            )
        except ValidationError as exc:
            _error_messages(request, exc)
        else:
            messages.success(request, _("Shopee authorized this store; its tokens are stored."))
        return redirect(store.get_absolute_url())

    @staticmethod
    def _refuse():
        return HttpResponseBadRequest(
            _(
                "This authorization answer is invalid, was already used or has expired. "
                "Start again from the store page."
            ),
            content_type="text/plain; charset=utf-8",
        )


class ShopeeDeauthorizeView(StoreConnectionMixin, generic.View):
    """POST: forget the store's Shopee tokens."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        store = self.get_store(platform=Platform.SHOPEE)
        try:
            authorization.shopee_deauthorize(
                actor=request.user, store=store, reason=request.POST.get("reason", "")[:500]
            )
        except ValidationError as exc:
            _error_messages(request, exc)
        else:
            messages.success(request, _("The store's Shopee tokens were removed."))
        return redirect(store.get_absolute_url())


class OzonKeysView(StepUpRequiredMixin, StoreConnectionMixin, generic.FormView):
    """An Ozon store's Client-Id and Api-Key: checked with one Ozon call, then saved encrypted."""

    form_class = OzonKeysForm
    http_method_names = FORM_METHODS
    template_name = "store_auth/ozon_keys_form.html"
    step_up_fields = ("api_key",)  # replacing a platform secret needs a fresh second factor

    @cached_property
    def store(self) -> Store:
        return self.get_store(platform=Platform.OZON)

    def get_initial(self):
        credential = authorization.store_credential(self.store)
        return {"client_id": credential.client_id} if credential else {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["store"] = self.store
        context["health"] = authorization.connection_health(store=self.store)
        return context

    def form_valid(self, form):
        store = self.store
        try:
            authorization.ozon_verify_and_save(actor=self.request.user, store=store, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Ozon accepted the keys; they are saved."))
        return redirect(store.get_absolute_url())


class OzonPerformanceKeysView(StepUpRequiredMixin, StoreConnectionMixin, generic.FormView):
    """An Ozon store's Performance API keys (ads): checked by fetching a token, then saved encrypted."""

    form_class = OzonPerformanceKeysForm
    http_method_names = FORM_METHODS
    template_name = "store_auth/ozon_performance_form.html"
    step_up_fields = ("client_secret",)  # replacing a platform secret needs a fresh second factor

    @cached_property
    def store(self) -> Store:
        return self.get_store(platform=Platform.OZON)

    def get_initial(self):
        credential = performance.performance_credential(self.store)
        return {"client_id": credential.client_id} if credential else {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["store"] = self.store
        context["performance"] = performance.performance_health(store=self.store)
        return context

    def form_valid(self, form):
        try:
            performance.performance_verify_and_save(actor=self.request.user, store=self.store, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Ozon Performance accepted the keys; they are saved."))
        return redirect(self.store.get_absolute_url())


class OzonPerformanceTestView(StoreConnectionMixin, generic.View):
    """POST: fetch a token with the store's saved Performance keys; the result goes to their health."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        store = self.get_store(platform=Platform.OZON)
        try:
            ok = performance.performance_test(actor=request.user, store=store)
        except ValidationError as exc:
            _error_messages(request, exc)
        else:
            if ok:
                messages.success(request, _("Ozon Performance accepted the keys."))
            else:
                error = performance.performance_health(store=store).credential.last_error  # type: ignore[union-attr]
                messages.error(request, _("Ozon Performance refused the keys: %(error)s") % {"error": error})
        return redirect(store.get_absolute_url())


class ConnectionTestView(StoreConnectionMixin, generic.View):
    """POST: one cheap authenticated call to the store's platform; the result goes to connection health."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        store = self.get_store()
        try:
            ok = authorization.test_connection(actor=request.user, store=store)
        except ValidationError as exc:
            _error_messages(request, exc)
        except PermissionDenied:
            raise
        except PlatformError as exc:  # not expected: test_connection records platform failures itself
            messages.error(request, sanitize_error(exc))
        else:
            if ok:
                messages.success(request, _("The connection works."))
            else:
                health = authorization.connection_health(store=store)
                error = health.credential.last_error if health.credential else ""
                messages.error(request, _("The connection failed: %(error)s") % {"error": error})
        return redirect(store.get_absolute_url())


# --- Shopee apps (super admins) -----------------------------------------------------------------------


SHOPEE_APPS_REASON = "Shopee apps serve every store and belong to none; only super admins reach these pages."


class ShopeeAppMixin(GateMixin):
    """Shopee apps serve every store: only super admins see or change them (others: 403)."""

    model = ShopeeApp
    scope = Scope.SUPER_ADMIN

    def base_queryset(self):
        return dangerously_unscoped(ShopeeApp.objects.all(), reason=SHOPEE_APPS_REASON)


class ShopeeAppListView(ShopeeAppMixin, generic.ListView):
    """The Shopee apps, with their masked partner keys and how many stores each authorizes."""

    template_name = "store_auth/shopeeapp_list.html"
    context_object_name = "apps"

    def scope_queryset(self, queryset):
        return queryset.annotate(store_count=Count("credentials")).order_by("name")


class ShopeeAppFormView(StepUpRequiredMixin, ShopeeAppMixin, generic.FormView):
    """Create or edit a Shopee app through stores.credentials.shopee_app_save."""

    form_class = ShopeeAppForm
    http_method_names = FORM_METHODS
    template_name = "store_auth/shopeeapp_form.html"
    app: ShopeeApp | None = None
    step_up_fields = ("partner_key",)  # setting a platform secret needs a fresh second factor

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "creating": self.app is None}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "app": self.app,
            "masked_key": mask(self.app.partner_key) if self.app else "",
        }

    def form_valid(self, form):
        try:
            app = shopee_app_save(actor=self.request.user, app=self.app, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Shopee app %(name)s saved.") % {"name": app.name})
        return redirect("store_auth:shopeeapp_list")


class ShopeeAppCreateView(ShopeeAppFormView):
    initial = {"is_active": True}


class ShopeeAppEditView(ShopeeAppFormView):
    @cached_property
    def app(self) -> ShopeeApp:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_initial(self):
        app = self.app
        return {
            "name": app.name,
            "partner_id": app.partner_id,
            "environment": app.environment,
            "note": app.note,
            "is_active": app.is_active,
        }
