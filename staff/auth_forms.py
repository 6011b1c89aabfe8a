"""Forms of the sign-in pages: password, second-factor code, enrollment code."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from audit.services import record
from core.middleware import client_ip
from core.permissions import permissions_of
from security.policy import admin_allowed_from

from .auth_services import BACKUP_CODE, TOTP_CODE, normalise_code
from .choices import StaffStatus


class SignInForm(AuthenticationForm):
    """Django's AuthenticationForm (axes sees every attempt through authenticate()); offboarded staff are refused.

    Where the company restricts administrators to its networks (security policy), an administrator's account
    is refused from any other address before the password is even checked: nobody outside learns whether a
    guess was right, and the refusal is audited ("auth.login_refused").
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "offboarded": _("This account has been closed. Ask an administrator if you need access again."),
        "outside_networks": _(
            "Administrators may sign in only from the company's networks, and this address (%(ip)s) is not one "
            "of them. Sign in from the office or its VPN, or ask a super admin to add this network."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and self.request is not None:
            self._refuse_outside_networks(username)
        return super().clean()

    def _refuse_outside_networks(self, username: str) -> None:
        ip = client_ip(self.request)
        if admin_allowed_from(ip):
            return
        model = get_user_model()
        account = model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()
        if account is None or not account.is_active or not permissions_of(account).is_admin:
            return
        record(
            "auth.login_refused",
            target=account,
            after={"username": username},
            reason="an administrator outside the company's administrator networks",
        )
        raise forms.ValidationError(
            self.error_messages["outside_networks"], code="outside_networks", params={"ip": ip or "-"}
        )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if getattr(user, "status", None) == StaffStatus.OFFBOARDED:
            raise forms.ValidationError(self.error_messages["offboarded"], code="offboarded")


class SecondFactorForm(forms.Form):
    """A 6-digit code from the authenticator app, or one of the backup codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code your authenticator app shows, or one of your backup codes."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "autocapitalize": "off",
                "spellcheck": "false",
                "size": 12,
            }
        ),
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not (TOTP_CODE.match(code) or BACKUP_CODE.match(code)):
            raise forms.ValidationError(_("Enter the 6-digit code from your app or one of your backup codes."))
        return code


class EnrollForm(forms.Form):
    """The code the newly added authenticator app shows, proving it holds the secret."""

    code = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not TOTP_CODE.match(code):
            raise forms.ValidationError(_("Enter the 6-digit code your authenticator app shows."))
        return code
