"""A tests-only urlconf for the guard test: the console's URLs plus two deliberately unscoped views
that forget restrict() — one reads any store, one renames any store without an audit event."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import include, path

from config.urls import urlpatterns as console
from stores.models import Store


@login_required
def store_peek(request, pk):
    return HttpResponse(Store.objects.get(pk=pk).name)  # BUG on purpose: any signed-in person reads any store


@login_required
def store_rename(request, pk):
    Store.objects.filter(pk=pk).update(name=request.POST.get("name", "renamed"))  # BUG on purpose: no check, no audit
    return redirect("stores:store_list")


leaky = (
    [path("<int:pk>/", store_peek, name="store_peek"), path("<int:pk>/rename/", store_rename, name="store_rename")],
    "leaky",
)

urlpatterns = [*console, path("leaky/", include(leaky))]
