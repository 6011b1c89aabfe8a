"""Sign-in, the second factor (verify and enroll), sign-out and the personal security page.

Flow: the password signs a person in; someone with a device (or anyone who needs one) is then sent
to the code prompt or to enrollment, and core.middleware.SecondFactorRequiredMiddleware keeps every
other page (/admin/ and /api/ included) closed until that is done. `next` is carried along and only
followed when it points at this site.
"""

import time
from base64 import b32encode
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as django_auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from core.forms import add_service_errors
from core.gates import Scope
from core.middleware import OTP_REQUIRED_SESSION_KEY, needs_second_factor
from core.stepup import mark_second_factor
from core.views import FORM_METHODS, POST_ONLY, READ_METHODS, GateMixin
from security.policy import current as security_policy
from security.policy import password_expired
from security.services import password_renew

from . import auth_services, token_services
from .auth_forms import EnrollForm, SecondFactorForm, SignInForm

SETUP_KEY_SESSION_KEY = "shopcrew_otp_setup_key"
# Someone who proved a password older than the maximum age, choosing a new one (user id, backend, when).
PASSWORD_EXPIRED_SESSION_KEY = "shopcrew_password_expired"
PASSWORD_RENEW_SECONDS = 10 * 60


def safe_next(request, default: str = "") -> str:
    """The `next` parameter if it stays on this site, else `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _after_second_factor(request) -> str:
    return safe_next(request, resolve_url(settings.LOGIN_REDIRECT_URL))


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def _sign_in(request, user, next_url: str):
    """Sign the person in (the password was proved); then the code prompt, enrollment, or straight on."""
    auth_login(request, user)
    has_device = user_has_device(user)
    request.session[OTP_REQUIRED_SESSION_KEY] = has_device
    if has_device:
        return redirect(with_next("accounts:otp_verify", next_url))
    if needs_second_factor(user):
        return redirect(with_next("accounts:otp_setup", next_url))
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


class SignInView(django_auth_views.LoginView):
    """Username and password; then a new password if the company's maximum age has passed or an administrator
    set this one (first sign-in), then the code prompt, enrollment, or straight on. Where the company signs in
    with WeCom, the page offers that too (staff.wecom_views)."""

    def get_context_data(self, **kwargs):
        from .wecom_views import in_wecom, sign_in_available

        context = super().get_context_data(**kwargs)
        context["wecom_sign_in"] = sign_in_available()
        context["in_wecom"] = in_wecom(self.request)
        return context

    template_name = "accounts/login.html"
    form_class = SignInForm
    http_method_names = FORM_METHODS

    def form_valid(self, form):
        user = form.get_user()
        next_url = self.get_redirect_url()  # validated by LoginView: "" unless it stays on this site
        if password_expired(user) or user.must_change_password:
            self.request.session[PASSWORD_EXPIRED_SESSION_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
            }
            return redirect(with_next("accounts:password_expired", next_url))
        return _sign_in(self.request, user, next_url)


@method_decorator(never_cache, name="dispatch")
class PasswordExpiredView(View):
    """定期密码更换: someone whose password is older than the company's maximum age (security policy) chooses a
    new one right after proving the old one, and is then signed in as usual. Nobody is signed in until then;
    the proof is kept in the session for PASSWORD_RENEW_SECONDS."""

    template_name = "accounts/password_expired.html"
    http_method_names = FORM_METHODS

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in ("get", "head", "post"):  # OPTIONS names the methods; others 405
            return View.dispatch(self, request, *args, **kwargs)
        if request.user.is_authenticated:  # already signed in: nothing to renew here
            return redirect(_after_second_factor(request))
        pending = request.session.get(PASSWORD_EXPIRED_SESSION_KEY) or {}
        self.user = None
        if pending and time.time() - float(pending.get("at", 0)) < PASSWORD_RENEW_SECONDS:
            self.user = get_user_model()._default_manager.filter(pk=pending.get("user"), is_active=True).first()
        if self.user is None:
            request.session.pop(PASSWORD_EXPIRED_SESSION_KEY, None)
            return redirect(with_next("accounts:login", safe_next(request)))
        self.user.backend = pending.get("backend")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render(SetPasswordForm(self.user))

    def post(self, request):
        form = SetPasswordForm(self.user, request.POST)
        if form.is_valid():
            try:
                password_renew(user=self.user, password=form.cleaned_data["new_password1"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                request.session.pop(PASSWORD_EXPIRED_SESSION_KEY, None)
                if self.user.must_change_password:  # an administrator's first password: now their own
                    type(self.user)._default_manager.filter(pk=self.user.pk).update(must_change_password=False)
                    self.user.must_change_password = False
                messages.success(request, _("Your password was changed."))
                return _sign_in(request, self.user, safe_next(request))
        return self.render(form)

    def render(self, form):
        days = security_policy().max_password_age_days
        first = self.user.must_change_password
        context = {"form": form, "next": safe_next(self.request), "days": days, "first": first}
        return render(self.request, self.template_name, context)


def admin_login(request, extra_context=None):
    """admin.site.login: the Django admin signs in through the console's own pages."""
    return redirect(with_next("accounts:login", safe_next(request, reverse("admin:index"))))


@method_decorator(never_cache, name="dispatch")
class SecondFactorVerifyView(LoginRequiredMixin, View):
    """The code prompt: a code from the authenticator app or a one-time backup code."""

    template_name = "accounts/otp_verify.html"
    http_method_names = FORM_METHODS

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in ("get", "head", "post"):  # OPTIONS names the methods; others 405
            return View.dispatch(self, request, *args, **kwargs)
        user = request.user
        if user.is_authenticated and not user_has_device(user):
            if needs_second_factor(user):
                return redirect(with_next("accounts:otp_setup", safe_next(request)))
            return redirect(_after_second_factor(request))
        if user.is_authenticated and user.is_verified():
            return redirect(_after_second_factor(request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render(SecondFactorForm())

    def post(self, request):
        form = SecondFactorForm(request.POST)
        if form.is_valid():
            outcome = auth_services.second_factor_verify(user=request.user, code=form.cleaned_data["code"])
            if outcome.device is not None:
                otp_login(request, outcome.device)
                mark_second_factor(request)
                request.session.cycle_key()
                if outcome.backup_code_used:
                    left = auth_services.backup_codes_left(request.user)
                    messages.warning(
                        request, _("You used a backup code; %(left)d left. Each code works once.") % {"left": left}
                    )
                return redirect(_after_second_factor(request))
            if outcome.retry_after is not None:
                form.add_error(None, _("Too many wrong codes. Wait a few seconds, then try the newest code."))
            else:
                form.add_error("code", _("That code is not right."))
        return self.render(form, status=200)

    def render(self, form, status=200):
        context = {"form": form, "next": safe_next(self.request)}
        return render(self.request, self.template_name, context, status=status)


@method_decorator(never_cache, name="dispatch")
class SecondFactorSetupView(LoginRequiredMixin, View):
    """Enroll an authenticator app: QR code (inline SVG) and secret, confirmed with a code; then backup codes.

    Someone who already has a device must pass it before replacing it, so a stolen password cannot
    enroll the thief's phone.
    """

    template_name = "accounts/otp_setup.html"
    http_method_names = FORM_METHODS

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in ("get", "head", "post"):  # OPTIONS names the methods; others 405
            return View.dispatch(self, request, *args, **kwargs)
        user = request.user
        if user.is_authenticated and user_has_device(user) and not user.is_verified():
            return redirect(with_next("accounts:otp_verify", safe_next(request)))
        return super().dispatch(request, *args, **kwargs)

    def _key(self) -> str:
        key = self.request.session.get(SETUP_KEY_SESSION_KEY)
        if not key:
            key = random_hex(20)
            self.request.session[SETUP_KEY_SESSION_KEY] = key
        return key

    def get(self, request):
        return self.render(EnrollForm())

    def post(self, request):
        form = EnrollForm(request.POST)
        if form.is_valid():
            try:
                device, codes = auth_services.totp_enroll(
                    user=request.user, key=self._key(), code=form.cleaned_data["code"]
                )
            except auth_services.SecondFactorError as exc:
                form.add_error("code", str(exc))
            else:
                otp_login(request, device)
                mark_second_factor(request)
                request.session.pop(SETUP_KEY_SESSION_KEY, None)
                request.session[OTP_REQUIRED_SESSION_KEY] = True
                request.session.cycle_key()
                return _no_store(
                    render(
                        request,
                        "accounts/backup_codes.html",
                        {"codes": codes, "enrolled": True, "continue_url": _after_second_factor(request)},
                    )
                )
        return self.render(form)

    def render(self, form):
        device = TOTPDevice(user=self.request.user, key=self._key())
        image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
        secret = b32encode(device.bin_key).decode()
        context = {
            "form": form,
            "qr_svg": image.to_string(encoding="unicode"),
            "next": safe_next(self.request),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "replacing": user_has_device(self.request.user),
            "required": needs_second_factor(self.request.user),
        }
        return _no_store(render(self.request, self.template_name, context))


class SecurityView(GateMixin, TemplateView):
    """The signed-in person's own security: second factor, backup codes, how many API tokens are live."""

    template_name = "accounts/security.html"
    http_method_names = READ_METHODS
    scope = Scope.OWN  # one's own security settings

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            {
                "authenticator": TOTPDevice.objects.devices_for_user(user, confirmed=True).first(),
                "backup_codes_left": auth_services.backup_codes_left(user),
                "required": needs_second_factor(user),
                "verified": user.is_verified(),
                "tokens_live": token_services.live(user.api_tokens.all()).count(),
                "code_form": SecondFactorForm(auto_id="remove_%s"),
            }
        )
        return context


class BackupCodesView(GateMixin, View):
    """POST: replace the backup codes by ten new ones and show them once."""

    http_method_names = POST_ONLY
    scope = Scope.OWN  # one's own security settings

    def post(self, request):
        if not request.user.is_verified():
            messages.error(request, _("Sign in with your second factor first."))
            return redirect("accounts:security")
        try:
            codes = auth_services.backup_codes_regenerate(user=request.user)
        except auth_services.SecondFactorError as exc:
            messages.error(request, str(exc))
            return redirect("accounts:security")
        return _no_store(
            render(
                request,
                "accounts/backup_codes.html",
                {"codes": codes, "enrolled": False, "continue_url": reverse("accounts:security")},
            )
        )


class SecondFactorRemoveView(GateMixin, View):
    """POST: remove two-factor authentication, confirmed with a current code; refused for admins."""

    http_method_names = POST_ONLY
    scope = Scope.OWN  # one's own security settings

    def post(self, request):
        form = SecondFactorForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.errors["code"][0])
            return redirect("accounts:security")
        try:
            auth_services.second_factor_remove(user=request.user, code=form.cleaned_data["code"])
        except auth_services.SecondFactorError as exc:
            messages.error(request, str(exc))
            return redirect("accounts:security")
        request.session[OTP_REQUIRED_SESSION_KEY] = False
        messages.success(request, _("Two-factor authentication was removed."))
        return redirect("accounts:security")
