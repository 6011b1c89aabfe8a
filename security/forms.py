"""The security policy form: every field of SecurityPolicy, the networks checked line by line."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SecurityPolicy
from .policy import parse_networks
from .services import POLICY_FIELDS


class PolicyForm(forms.ModelForm):
    """Parses the policy; security.services.policy_update decides (super admins only, networks that include
    the address the change is made from)."""

    step_up_minutes = forms.IntegerField(
        label=_("Step-up window (minutes)"),
        min_value=1,
        max_value=240,
        help_text=_(
            "High-risk actions (approving a high-risk request, revealing a secret, issuing an API token, "
            "offboarding …) need a second factor entered within this many minutes."
        ),
    )
    max_password_age_days = forms.IntegerField(
        label=_("Maximum password age (days)"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_(
            "Empty (the default): passwords never expire. Current guidance (NIST SP 800-63B) advises against "
            "forced periodic changes, which lead to weaker, predictable passwords; set it only if your company "
            "requires 定期密码更换. People whose password is older must choose a new one when they next sign in."
        ),
    )
    audit_retention_days = forms.IntegerField(
        label=_("Audit log retention (days)"),
        min_value=90,
        max_value=36500,
        required=False,
        help_text=_(
            "Empty (the default): every audit event stays in the log. Otherwise events older than this move each "
            "night to a compressed archive file that can be verified on its own (manage.py verify_audit_archive); "
            "the log that remains still verifies. Check how long your laws and auditors require records to be kept."
        ),
    )

    class Meta:
        model = SecurityPolicy
        fields = POLICY_FIELDS
        labels = {
            "approval_fallback_allowed": _("Allow approving alone when no second approver exists"),
            "admin_networks": _("Administrator networks"),
        }
        help_texts = {
            "approval_fallback_allowed": _(
                "When nobody else may approve a high-risk grant, the sole super admin may approve it alone after "
                "entering a fresh second factor; it is recorded as approved alone and announced to the security "
                "robot. Untick to forbid this."
            ),
            "admin_networks": _(
                "One network a line (203.0.113.0/24, 2001:db8::/32, or a single address). Empty: administrators "
                "may sign in from anywhere. Otherwise super admins and store administrators are refused sign-in "
                "from any other address; everyone else is unaffected."
            ),
        }
        widgets = {"admin_networks": forms.Textarea(attrs={"rows": 4, "class": "mono", "spellcheck": "false"})}

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer

    def clean_admin_networks(self):
        text = self.cleaned_data["admin_networks"]
        parse_networks(text)  # a ValidationError names the lines that are not networks
        return "\n".join(line.strip() for line in text.splitlines() if line.strip())

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in POLICY_FIELDS}
