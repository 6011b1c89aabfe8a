"""The security pages for super admins: the company's security policy, and the sign-in lockouts in force."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View, generic

from core import lockout as throttle
from core.forms import ServiceFormMixin, service_error_messages
from core.gates import Scope
from core.middleware import client_ip
from core.views import FORM_METHODS, POST_ONLY, GateMixin

from . import policy, services
from .forms import PolicyForm
from .models import SecurityPolicy


class PolicyEditView(ServiceFormMixin, GateMixin, generic.UpdateView):
    """Every setting of the security policy; changes are audited ("security.policy_update")."""

    model = SecurityPolicy
    form_class = PolicyForm
    scope = Scope.SUPER_ADMIN  # company-wide security settings
    http_method_names = FORM_METHODS
    template_name = "security/policy_form.html"
    success_message = gettext_lazy("The security policy was saved.")
    success_url = reverse_lazy("security:policy_edit")

    def get_object(self, queryset=None):
        return policy.current()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["your_ip"] = client_ip(self.request)
        return context

    def perform(self, form):
        return services.policy_update(actor=self.request.user, data=form.service_data())

    def get_success_url(self):
        return str(self.success_url)


class LockoutListView(GateMixin, generic.TemplateView):
    """The sign-in lockouts in force: account and/or address, failures, until when; each can be lifted."""

    scope = Scope.SUPER_ADMIN  # sign-in throttling is company-wide
    template_name = "security/lockout_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "lockouts": throttle.current_lockouts(),
                "pair_limit": throttle.pair_limit(),
                "address_limit": throttle.address_limit(),
                "account_limit": throttle.account_limit(),
            }
        )
        return context


class LockoutLiftView(GateMixin, View):
    """POST: lift one lockout (audited "auth.unlock", announced to the security robot)."""

    scope = Scope.SUPER_ADMIN
    http_method_names = POST_ONLY

    def post(self, request):
        data = {name: request.POST.get(name, "").strip() for name in ("kind", "username", "ip")}
        try:
            services.lockout_lift(actor=request.user, **data)
        except ValidationError as exc:
            messages.error(request, " ".join(service_error_messages(exc)))
        else:
            who = " · ".join(part for part in (data["username"], data["ip"]) if part)
            messages.success(request, _("The lockout of %(who)s was lifted.") % {"who": who})
        return redirect("security:lockout_list")
