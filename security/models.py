"""The company's security policy: one row the super admins set (issue "Access administration")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
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
    # Audit events older than this many days move to archive files (audit.archive), daily; null keeps them all.
    audit_retention_days = models.PositiveIntegerField(_("audit log retention (days)"), null=True, blank=True)
    # Which permissions make a grant wait for a second person: codenames, or null for the catalogue's high-risk
    # ones (stores.catalogue.HIGH_RISK). Roles may override it (rbac.Role.approval).
    approval_permissions = models.JSONField(_("permissions needing a second approver"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("security policy")
        verbose_name_plural = _("security policy")
        default_permissions = ()

    def __str__(self):
        return str(self._meta.verbose_name)


class SeenSource(models.Model):
    """An address and browser a person has signed in from (访问来源): an administrator signing in from an
    address or a browser not among theirs is announced to the security robot. One row per person × address ×
    browser (family and system, no version, so an update is not a new browser), with first and last use."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    ip = models.GenericIPAddressField(_("address"))
    browser = models.CharField(_("browser"), max_length=60)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("sign-in source")
        verbose_name_plural = _("sign-in sources")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["user", "ip", "browser"], name="security_seen_source_unique")]

    def __str__(self):
        return f"{self.ip} · {self.browser}"


class PasswordChange(models.Model):
    """When a person's password last changed (for the maximum password age), kept up to date by a post_save
    receiver on the user model (security.passwords): every path that sets a password and saves is seen."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", primary_key=True, verbose_name=_("person")
    )
    changed_at = models.DateTimeField(_("password changed at"))

    class Meta:
        verbose_name = _("password change")
        verbose_name_plural = _("password changes")
        default_permissions = ()

    def __str__(self):
        return f"{self.user_id} {self.changed_at:%Y-%m-%d}"
