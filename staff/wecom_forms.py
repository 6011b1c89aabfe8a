"""The company's WeCom settings form: corp ID, app agent ID, the two secrets (never shown back: a field left
empty keeps the saved secret) and the two switches."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.crypto import mask

from .models import WeComSettings


class WeComSettingsForm(forms.Form):
    corp_id = forms.CharField(label=_("Corp ID"), max_length=64, help_text=_("我的企业 → 企业信息 → 企业ID"))
    agent_id = forms.IntegerField(
        label=_("App agent ID"), min_value=1, help_text=_("应用管理 → your self-built app → AgentId")
    )
    app_secret = forms.CharField(
        label=_("App secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    contacts_secret = forms.CharField(
        label=_("Contacts sync secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    sign_in_enabled = forms.BooleanField(label=_("Sign in by scanning with WeCom"), required=False)
    sync_members = forms.BooleanField(
        label=_("Create and disable WeCom members"),
        required=False,
        help_text=_("Joining creates the WeCom member and leaving disables it, through the contacts sync secret."),
    )

    def __init__(self, *args, viewer=None, instance: WeComSettings | None = None, **kwargs):
        self.instance = instance or WeComSettings.current()
        initial = {
            "corp_id": self.instance.corp_id,
            "agent_id": self.instance.agent_id,
            "sign_in_enabled": self.instance.sign_in_enabled,
            "sync_members": self.instance.sync_members,
        }
        kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        for name, saved_help, empty_help in (
            ("app_secret", _("Saved: %(mask)s. Leave empty to keep it."), _("应用管理 → your app → Secret")),
            (
                "contacts_secret",
                _("Saved: %(mask)s. Leave empty to keep it."),
                _("安全与管理 → 管理工具 → 通讯录同步 → Secret (API editing switched on)"),
            ),
        ):
            saved = getattr(self.instance, name)
            self.fields[name].help_text = saved_help % {"mask": mask(saved)} if saved else empty_help

    def clean(self):
        data = super().clean()
        if data.get("sign_in_enabled") and not (data.get("app_secret") or self.instance.app_secret):
            self.add_error("app_secret", _("Signing in with WeCom needs the app secret."))
        if data.get("sync_members") and not (data.get("contacts_secret") or self.instance.contacts_secret):
            self.add_error("contacts_secret", _("Creating and disabling members needs the contacts sync secret."))
        return data
