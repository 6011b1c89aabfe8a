"""/admin/ closed: read-only inspection for super admins, never a secret, never a write.

Every change in ShopCrew goes through a service that validates, checks the actor's rights once more and writes
the audit log in the same transaction; Django's admin does none of that. So the site (installed as the admin's
default site by ClosedAdminConfig below) enforces, for whatever any app or library registers:
- models whose admin pages exist to show or write credentials (API tokens, TOTP devices with their keys and QR
  codes, backup codes) are not registered at all (``HIDDEN_APPS``);
- every other registered admin is read-only: no add, change or delete, no actions, no inlines;
- fields holding secrets (encrypted fields, and by name: passwords, keys, tokens, secrets) are left out of every
  list and page;
- only active super admins get in; anyone else signed in gets the console's 403 page, and the admin's own
  password change page hands over to the console's security page.
"""

from __future__ import annotations

import re
from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.db.models.base import ModelBase
from django.shortcuts import redirect

# Apps whose every model is a credential: DRF's tokens and django-otp's devices (keys, QR codes, backup codes).
HIDDEN_APPS = frozenset({"authtoken"})
HIDDEN_APP_PREFIXES = ("otp_",)
SECRET_NAME = re.compile(r"(password|secret|token|digest|(^|_)key$)", re.IGNORECASE)


def hidden(model) -> bool:
    """Whether a model stays out of the admin entirely (its pages would show or write a credential)."""
    label = model._meta.app_label
    return label in HIDDEN_APPS or label.startswith(HIDDEN_APP_PREFIXES)


def secret_fields(model) -> frozenset[str]:
    """Names of the model's fields that hold a secret: encrypted at rest, or named like one."""
    from .crypto import EncryptedTextField

    return frozenset(
        field.name
        for field in model._meta.get_fields()
        if getattr(field, "concrete", False)
        and (isinstance(field, EncryptedTextField) or SECRET_NAME.search(field.name))
    )


def _without(names, secret: frozenset[str]) -> list:
    return [name for name in names if not (isinstance(name, str) and name in secret)]


class ReadOnlyAdmin(admin.ModelAdmin):
    """What every registered admin becomes: it shows, minus secrets; it never writes."""

    actions = ()

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_inline_instances(self, request, obj=None):
        return []

    @property
    def _secret(self) -> frozenset[str]:
        return secret_fields(self.model)

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or ()), *sorted(self._secret)]

    def get_fields(self, request, obj=None):
        return _without(super().get_fields(request, obj), self._secret)

    def get_fieldsets(self, request, obj=None):
        return [
            (name, {**options, "fields": _without(options.get("fields", ()), self._secret)})
            for name, options in super().get_fieldsets(request, obj)
        ]

    def get_readonly_fields(self, request, obj=None):
        return _without(super().get_readonly_fields(request, obj), self._secret)

    def get_list_display(self, request):
        return _without(super().get_list_display(request), self._secret)

    def get_search_fields(self, request):
        return _without(super().get_search_fields(request), self._secret)


def read_only(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """The admin class with ReadOnlyAdmin's rules in front of its own."""
    if issubclass(admin_class, ReadOnlyAdmin):
        return admin_class
    return type(f"ReadOnly{admin_class.__name__}", (ReadOnlyAdmin, admin_class), {"__module__": admin_class.__module__})


class ClosedAdminSite(admin.AdminSite):
    """Django's admin site with the rules of this module's docstring."""

    site_header = "ShopCrew"
    site_title = "ShopCrew"

    def register(self, model_or_iterable, admin_class=None, **options):
        models: list = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else list(model_or_iterable)
        shown = [model for model in models if not hidden(model)]
        if shown:
            super().register(shown, read_only(admin_class or admin.ModelAdmin), **options)

    def unregister(self, model_or_iterable):
        models: list = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else list(model_or_iterable)
        shown = [model for model in models if not hidden(model)]  # a hidden model was never registered
        if shown:
            super().unregister(shown)

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_superuser

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def closed(request, *args, **kwargs):
            # signed in, but not a super admin: refused here, not sent round the sign-in page again
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return closed

    def password_change(self, request, extra_context=None):
        """A password is changed in the console (audited), not here."""
        return redirect("accounts:security")

    def password_change_done(self, request, extra_context=None):
        return redirect("accounts:security")


class ClosedAdminConfig(AdminConfig):
    """django.contrib.admin (INSTALLED_APPS) with ClosedAdminSite as `admin.site`."""

    default = False
    default_site = "core.admin_site.ClosedAdminSite"
