"""The company's security policy: one row the super admins set (issue "Access administration")."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SecurityPolicy(models.Model):
    """Company-wide security settings; there is one row (pk 1), read through `security.policy.current()`."""

    # When no eligible second person exists, the sole super admin may approve a high-risk grant alone after a
    # fresh second factor (recorded as "approved alone" and announced to the security robot).
    approval_fallback_allowed = models.BooleanField(
        _("allow approving alone when no second approver exists"), default=True
    )
    # High-risk actions need a second factor entered within this many minutes.
    step_up_minutes = models.PositiveSmallIntegerField(_("step-up window (minutes)"), default=10)
    # Administrator roles may be used only from these networks (CIDR, one per line); empty: anywhere.
    admin_networks = models.TextField(_("administrator networks"), blank=True, default="")
    # 定期密码更换: off by default (current guidance, NIST SP 800-63B, advises against forced rotation).
    max_password_age_days = models.PositiveSmallIntegerField(_("maximum password age (days)"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("security policy")
        verbose_name_plural = _("security policy")
        default_permissions = ()

    def __str__(self):
        return str(self._meta.verbose_name)
