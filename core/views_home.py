from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


class HomeView(LoginRequiredMixin, TemplateView):
    """The viewer's home: their stores (and, once roles exist, pending approvals)."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        from stores.models import Store

        context = super().get_context_data(**kwargs)
        stores = Store.objects.restrict(self.request.user, "view").select_related("primary_owner", "backup_owner")
        context["stores"] = stores[:200]
        context["store_count"] = stores.count()
        return context
