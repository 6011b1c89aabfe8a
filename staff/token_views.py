"""API token pages: one's own tokens (list, issue, revoke) and, for super admins, everyone's live tokens.

Issuing needs a fresh second factor (core.stepup). The secret is shown once, on the answer to the issue;
nobody — a super admin included — sees it again.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, ListView

from core.forms import add_service_errors
from core.gates import Scope, dangerously_unscoped
from core.permissions import permissions_of
from core.stepup import StepUpRequiredMixin
from core.views import FORM_METHODS, POST_ONLY, GateMixin

from . import token_services
from .models import ApiToken
from .token_forms import ApiTokenForm


class TokenRowsMixin:
    """The token tables tell expired from live tokens against one `now`."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "now": timezone.now()}  # type: ignore[misc]


class TokenListView(TokenRowsMixin, GateMixin, ListView):
    """The signed-in person's API tokens, live and past: name, prefix, limits, expiry, last use."""

    template_name = "accounts/token_list.html"
    model = ApiToken
    scope = Scope.OWN  # one's own tokens
    paginate_by = 50

    def scope_queryset(self, queryset):
        own = queryset.filter(user=self.request.user).prefetch_related("stores")
        return dangerously_unscoped(own, reason="the viewer's own tokens (Scope.OWN)")


@method_decorator(never_cache, name="dispatch")
class TokenIssueView(StepUpRequiredMixin, GateMixin, FormView):
    """GET: the form; POST (with a fresh second factor): issue the token and show its secret once."""

    template_name = "accounts/token_form.html"
    form_class = ApiTokenForm
    http_method_names = FORM_METHODS
    scope = Scope.OWN  # one's own tokens

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "viewer": self.request.user}

    def form_valid(self, form):
        request = self.request
        try:
            token, secret = token_services.api_token_issue(
                user=request.user, second_factor_passed=request.user.is_verified(), **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        response = render(request, "accounts/token_issued.html", {"key": secret, "token": token})
        response["Cache-Control"] = "no-store"
        return response


class TokenRevokeView(GateMixin, View):
    """POST: revoke one token — one's own, or anyone's for a super admin (others' answer 404)."""

    http_method_names = POST_ONLY
    scope = Scope.OWN  # one's own tokens; super admins reach everyone's

    def post(self, request, pk):
        tokens = ApiToken.objects.select_related("user")
        if not permissions_of(request.user).super_admin:
            tokens = tokens.filter(user=request.user)
        token = get_object_or_404(tokens, pk=pk)
        if token_services.api_token_revoke(actor=request.user, token=token):
            messages.success(
                request, _("API token %(name)s was revoked; programs using it can no longer sign in.") % {"name": token}
            )
        back = "accounts:token_company_list" if request.POST.get("back") == "company" else "accounts:token_list"
        return redirect(back)


class CompanyTokenListView(TokenRowsMixin, GateMixin, ListView):
    """Super admins: every live API token of the company, with its owner; never a secret."""

    template_name = "accounts/token_company_list.html"
    model = ApiToken
    scope = Scope.SUPER_ADMIN
    paginate_by = 50

    def scope_queryset(self, queryset):
        live = token_services.live(queryset).select_related("user").prefetch_related("stores")
        return dangerously_unscoped(live, reason="super admins see every person's tokens (Scope.SUPER_ADMIN)")
