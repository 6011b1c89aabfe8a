"""Forms of the sign-in pages: password, second-factor code, enrollment code."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .auth_services import BACKUP_CODE, TOTP_CODE, normalise_code
from .choices import StaffStatus


class SignInForm(AuthenticationForm):
    """Django's AuthenticationForm (axes sees every attempt through authenticate()); offboarded staff are refused."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "offboarded": _("This account has been closed. Ask an administrator if you need access again."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

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
