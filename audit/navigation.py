"""The audit app's entry in the top navigation (see core.navigation)."""

from django.utils.translation import gettext_lazy as _

from core.navigation import register

register("audit:event_list", _("Audit log"), "users_view", order=80, readable="audit.AuditEvent")
