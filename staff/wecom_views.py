"""Sign in with WeCom (企业微信扫码登录, and the OAuth link inside WeCom's own browser), and the company's WeCom
settings and directory import pages.

The WeCom userid replaces the password as the first factor; people with a second factor still enter it, and
people who must have one still enrol (staff.auth_views._sign_in). The `state` sent to WeCom is a nonce kept in
this browser's session plus its HMAC: the callback accepts it once, from the browser that started, and never a
state someone else made. Unknown members, people outside the company and closed accounts are refused in words.
"""

from __future__ import annotations

import hmac
import secrets
import time

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View, generic
from django.views.decorators.cache import never_cache

from audit.services import record
from core import lockout as throttle
from core.forms import SERVICE_ERRORS, ServiceFormMixin, service_error_messages
from core.gates import Scope
from core.middleware import client_ip
from core.permissions import permissions_of
from core.stepup import StepUpRequiredMixin
from core.views import FORM_METHODS, READ_METHODS, GateMixin
from security.policy import admin_allowed_from

from .auth_views import PASSWORD_EXPIRED_SESSION_KEY, _sign_in, safe_next, with_next
from .choices import StaffStatus
from .models import Staff, WeComSettings
from .wecom_client import WeComError, login_url, oauth_url
from .wecom_forms import WeComSettingsForm
from .wecom_services import (
    CREATE,
    LINK,
    app_client,
    directory_apply,
    directory_preview,
    error_words,
    wecom_settings_update,
)

STATE_SESSION_KEY = "shopcrew_wecom_state"


def _mac(nonce: str) -> str:
    """Django's signing primitive (salted HMAC-SHA256 of SECRET_KEY) as hex: WeCom takes a state of a-zA-Z0-9 only
    (≤128 bytes), which django.core.signing's "value:signature" form is not."""
    return salted_hmac("shopcrew.wecom.state", nonce, algorithm="sha256").hexdigest()[:32]


def new_state(request, next_url: str) -> str:
    nonce = secrets.token_hex(16)
    request.session[STATE_SESSION_KEY] = {"nonce": nonce, "next": next_url}
    return nonce + _mac(nonce)


def take_state(request, state: str) -> dict | None:
    """The pending sign-in this state belongs to, once (it is forgotten as it is read)."""
    pending = request.session.pop(STATE_SESSION_KEY, None)
    if not pending or len(state) != 64:
        return None
    nonce, mac = state[:32], state[32:]
    if not (hmac.compare_digest(mac, _mac(nonce)) and hmac.compare_digest(nonce, pending.get("nonce", ""))):
        return None
    return pending


def in_wecom(request) -> bool:
    return "wxwork" in request.headers.get("User-Agent", "").lower()


def sign_in_available() -> bool:
    config = WeComSettings.current()
    return config.sign_in_enabled and config.configured


@method_decorator(never_cache, name="dispatch")
class WeComSignInView(View):
    """Start: off to WeCom's QR page (or, inside WeCom, its OAuth link) with a fresh state."""

    http_method_names = READ_METHODS

    def get(self, request):
        if request.user.is_authenticated:  # signed in already: nothing to do at WeCom
            return redirect(safe_next(request) or "core:home")
        config = WeComSettings.current()
        if not (config.sign_in_enabled and config.configured):
            messages.error(request, _("Signing in with WeCom is not switched on for this company."))
            return redirect("accounts:login")
        state = new_state(request, safe_next(request))
        callback = request.build_absolute_uri(reverse("accounts:wecom_callback"))
        if in_wecom(request):
            return redirect(
                oauth_url(corp_id=config.corp_id, agent_id=config.agent_id, redirect_uri=callback, state=state)
            )
        lang = "en" if (request.LANGUAGE_CODE or "").startswith("en") else "zh"
        return redirect(
            login_url(corp_id=config.corp_id, agent_id=config.agent_id, redirect_uri=callback, state=state, lang=lang)
        )


@method_decorator(never_cache, name="dispatch")
class WeComCallbackView(View):
    """WeCom sends the browser back here with a code: exchange it, find the colleague, sign them in."""

    http_method_names = READ_METHODS

    def refuse(self, request, message: str, *, userid: str = "", account=None, reason: str = "", audited=True):
        """The refusal page; audited as a failed sign-in once WeCom has said who scanned (a stale or forged state,
        which names nobody, is only refused: anyone could send those, and the log is not theirs to fill)."""
        if not audited:
            return render(request, "accounts/wecom_refused.html", {"message": message}, status=403)
        record(
            "auth.login_failed",
            target_type="staff.staff",
            target_id=account.pk if account else "",
            target_label=userid or "WeCom",
            after={"wecom_userid": userid, "via": "wecom"},
            reason=reason or message,
        )
        return render(request, "accounts/wecom_refused.html", {"message": message}, status=403)

    def get(self, request):
        pending = take_state(request, request.GET.get("state", ""))
        if pending is None:
            return self.refuse(
                request,
                _("This sign-in link has expired or was already used. Start again from the sign-in page."),
                audited=False,
            )
        code = request.GET.get("code", "")
        if not code:
            return self.refuse(request, _("Sign-in was cancelled in WeCom."), audited=False)
        config = WeComSettings.current()
        if not (config.sign_in_enabled and config.configured):  # switched off since the browser left for WeCom
            return self.refuse(request, _("Signing in with WeCom is not switched on for this company."), audited=False)
        try:
            with app_client(config) as client:
                answer = client.user_for_code(code)
        except WeComError as exc:
            message, what = error_words(exc)
            if exc.errcode == 40029:
                message, what = _("The WeCom code has expired or was already used."), _("Scan again.")
            return self.refuse(request, f"{message} {what}", reason=f"WeCom {exc.errcode}")
        userid = str(answer.get("userid") or "")
        if not userid:
            return self.refuse(
                request,
                _("That WeCom account is not a member of this company. Scan with your company's WeCom."),
                reason="not a member (openid)",
            )
        account = Staff.objects.filter(wecom_userid__iexact=userid).first()
        if account is None:
            return self.refuse(
                request,
                _("No colleague in ShopCrew is linked to the WeCom member %(userid)s. Ask an administrator.")
                % {"userid": userid},
                userid=userid,
                reason="no staff member has this WeCom userid",
            )
        if not account.is_active or account.status == StaffStatus.OFFBOARDED:
            return self.refuse(
                request,
                _("This account has been closed. Ask an administrator if you need access again."),
                userid=userid,
                account=account,
                reason="the account is closed",
            )
        if not admin_allowed_from(client_ip(request)) and permissions_of(account).is_admin:
            return self.refuse(
                request,
                _("Administrators may sign in only from the company's networks."),
                userid=userid,
                account=account,
                reason="an administrator outside the company's administrator networks",
            )
        if throttle.assess(account.get_username(), client_ip(request)) is not None:
            return self.refuse(
                request,
                _("This account is locked after too many failed sign-ins. Try again later or ask an administrator."),
                userid=userid,
                account=account,
                reason="the account is locked",
            )
        account.backend = "django.contrib.auth.backends.ModelBackend"
        request.session["shopcrew_signed_in_with"] = "wecom"
        next_url = pending.get("next", "")
        if account.must_change_password:
            # the WeCom userid was the first factor; a new password comes before anything else, as after a password
            request.session[PASSWORD_EXPIRED_SESSION_KEY] = {
                "user": account.pk,
                "backend": account.backend,
                "at": time.time(),
            }
            return redirect(with_next("accounts:password_expired", next_url))
        return _sign_in(request, account, next_url)


# --- the company's WeCom settings and the directory import (super admins) -----------------------------------


class WeComSettingsView(StepUpRequiredMixin, ServiceFormMixin, GateMixin, generic.FormView):
    """Corp ID, agent ID, the two secrets (masked, never shown back; replacing one needs a fresh second factor)
    and the switches; saved by wecom_services.wecom_settings_update (audited without the secrets' values)."""

    scope = Scope.SUPER_ADMIN  # one company-wide setting
    http_method_names = FORM_METHODS
    template_name = "staff/wecom_settings.html"
    form_class = WeComSettingsForm
    success_message = gettext_lazy("The WeCom settings were saved.")
    step_up_fields = ("app_secret", "contacts_secret")

    def perform(self, form):
        return wecom_settings_update(actor=self.request.user, data=form.cleaned_data)

    def get_success_url(self):
        return reverse("staff:wecom_settings")


class WeComDirectoryView(GateMixin, View):
    """GET: the preview of the directory import (departments and members read from WeCom, each with what will
    happen and why); POST: do it, all or nothing (wecom_services.directory_apply)."""

    scope = Scope.SUPER_ADMIN  # the company's whole directory
    http_method_names = FORM_METHODS
    template_name = "staff/wecom_directory.html"

    def get(self, request):
        config = WeComSettings.current()
        context: dict = {"configured": config.configured, "preview": None, "error": None}
        if config.configured:
            try:
                preview = directory_preview(actor=request.user)
            except WeComError as exc:
                context["error"] = error_words(exc)
            else:
                context.update(preview=preview, creates=preview.count(CREATE), links=preview.count(LINK))
        return render(request, self.template_name, context)

    def post(self, request):
        if not WeComSettings.current().configured:
            messages.error(request, _("Enter the WeCom settings first."))
            return redirect("staff:wecom_settings")
        try:
            summary = directory_apply(actor=request.user)
        except WeComError as exc:
            message, what = error_words(exc)
            messages.error(request, f"{message} {what}")
            return redirect("staff:wecom_directory")
        except SERVICE_ERRORS as exc:
            messages.error(request, " ".join(service_error_messages(exc)))
            return redirect("staff:wecom_directory")
        messages.success(
            request,
            _(
                "Imported from WeCom: %(departments)s departments and %(created)s colleagues created, "
                "%(linked)s linked, %(kept)s left alone."
            )
            % {
                "departments": summary["departments_created"],
                "created": summary["members_created"],
                "linked": summary["members_linked"],
                "kept": summary["left_alone"],
            },
        )
        return redirect("staff:staff_list")
