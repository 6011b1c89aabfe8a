"""The step-up page's own address: a guarded GET page sends its code here, and it returns to the page."""

from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from core.gates import Scope
from core.stepup import StepUpRequiredMixin
from core.views import FORM_METHODS, GateMixin

from .auth_views import safe_next


@method_decorator(never_cache, name="dispatch")
class StepUpView(StepUpRequiredMixin, GateMixin, View):
    """GET asks for the code unless the second factor is fresh; a correct code (POST) goes on to `next`."""

    http_method_names = FORM_METHODS
    scope = Scope.OWN  # one's own second factor
    step_up_methods = ("GET", "POST")

    def get(self, request):
        return redirect(safe_next(request, "/"))

    def post(self, request):
        return redirect(safe_next(request, "/"))
