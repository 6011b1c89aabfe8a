from django.views.generic import TemplateView

from .gates import Scope
from .stores import get_store_model
from .views import GateMixin

# Panels that other apps add to the home page from their AppConfig.ready(), in order, e.g.
# HOME_PANELS.append("rbac/_home_approvals.html"). Each is included with the page's context; a panel that
# needs data loads it through an inclusion tag of its own app.
HOME_PANELS: list[str] = []
# Panels that other apps add to 我的职责 (rbac's my-duties page) the same way, e.g. the orders app's work
# waiting on the viewer (orders/_duty_work.html): rbac names no app above it.
DUTY_PANELS: list[str] = []


class HomeView(GateMixin, TemplateView):
    """The viewer's home: their stores, plus panels from other apps (pending approvals, duties…)."""

    scope = Scope.OWN

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        store_model = get_store_model()  # core imports no domain app
        context = super().get_context_data(**kwargs)
        stores = store_model.objects.restrict(self.request.user, "view").select_related(  # type: ignore[misc]
            "primary_owner",
            "backup_owner",  # the store model's owners: core knows it only as a RestrictedModel
        )
        context["stores"] = stores[:200]
        context["store_count"] = stores.count()
        context["home_panels"] = HOME_PANELS
        return context
